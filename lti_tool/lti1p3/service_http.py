"""Authenticated calls to platform services, shared by AGS and NRPS.

One place decides what a status means: a 401 refreshes the access token once;
429 and 5xx and network errors are worth retrying (honouring Retry-After, at
most an hour); any other 4xx is the platform's final word.

A service URL must belong to its platform: same scheme, host and port as the
platform's issuer or token endpoint. A launch, a created line item or a paging
link naming anything else is not called — a platform must not be able to aim
Padu's Bearer tokens and score JSON at someone else's server.

What the platform answered is logged as a short escaped excerpt; the reason
kept with a grade (and shown to staff) is Padu's own words and the status.
"""

from __future__ import annotations

import html
import logging
import re
from typing import Any

import requests

from ..logsafe import excerpt
from ..models import Platform
from ..outbound import GuardedSession, OutboundRefused, ResponseTooLarge
from .access_tokens import AccessTokens, retry_after
from .exceptions import ServiceError
from .origins import origin

log = logging.getLogger(__name__)

# Moodle writes `<…lineitems?type_id=1&amp;limit=1&amp;from=1>; rel=“next”`: HTML-escaped
# URLs and typographic quotes. This accepts that and the RFC 8288 form alike.
_LINK = re.compile(r"<([^>]*)>\s*;\s*rel\s*=\s*[\"'“”]?\s*next\s*[\"'“”]?", re.IGNORECASE)
#: Default cap on a service answer's body.
MAX_ANSWER_BYTES = 1024 * 1024


class ForeignServiceUrl(ServiceError):
    """A service URL is not on its platform's own site (origin)."""

    def __init__(self, reason: str):
        super().__init__(reason, retryable=False)


def next_link(link_header: str | None) -> str | None:
    """The ``rel="next"`` URL of a Link header, exactly as the platform wrote it
    (unescaped, never lowercased: pylti1p3 lowercases it and breaks paging)."""
    if not link_header:
        return None
    try:
        # HTTP headers arrive decoded as latin-1; Moodle's curly quotes are UTF-8 bytes.
        link_header = link_header.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    match = _LINK.search(link_header)
    return html.unescape(match.group(1)).strip() if match else None


def belongs_to(platform: Platform, url: str | None) -> bool:
    """True if ``url`` shares the origin of the platform's issuer or token endpoint."""
    mine = origin(url)
    return mine is not None and mine in {origin(platform.issuer), origin(platform.auth_token_url)}


class ServiceClient:
    def __init__(self, tokens: AccessTokens, http: GuardedSession, timeout: float):
        self._tokens = tokens
        self._http = http
        self._timeout = timeout

    def request(self, platform: Platform, scopes: tuple[str, ...], method: str, url: str | None, *,
                purpose: str = "request", max_bytes: int = MAX_ANSWER_BYTES, **kwargs: Any) -> requests.Response:
        """Call a service of ``platform``; ``purpose`` names the call in Padu's messages ("score").

        ``url`` comes from a claim and may be missing: no URL is refused like a foreign one."""
        if url is None or not belongs_to(platform, url):
            log.warning("platform %s named a service URL on another origin, not called: %s", platform.id,
                        excerpt(url or ""))
            raise ForeignServiceUrl(
                "the platform named a service address outside its own site; Padu did not call it"
            )
        for attempt in (1, 2):
            token = self._tokens.get(platform, scopes)
            headers = dict(kwargs.pop("headers", {}) or {})
            headers["Authorization"] = f"Bearer {token}"
            try:
                response = self._http.request(method, url, headers=headers, timeout=self._timeout,
                                              max_bytes=max_bytes, **kwargs)
            except OutboundRefused as error:
                raise ServiceError(f"Padu does not call this service: {error.reason}", retryable=False) from error
            except ResponseTooLarge as error:
                log.warning("platform %s, %s %s: %s", platform.id, method, excerpt(url), error)
                raise ServiceError(f"the platform's answer to the {purpose} was larger than Padu accepts",
                                   retryable=False) from error
            except requests.RequestException as error:
                log.info("platform %s, %s %s: %s", platform.id, method, excerpt(url), error)
                raise ServiceError(f"the platform could not be reached or did not answer the {purpose} in time",
                                   retryable=True) from error
            kwargs["headers"] = {k: v for k, v in headers.items() if k != "Authorization"}
            if response.status_code == 401 and attempt == 1:
                self._tokens.invalidate(platform, scopes, token)
                continue
            break
        status = response.status_code
        if status == 429 or status >= 500:
            raise ServiceError(f"the platform could not take the {purpose} now (HTTP {status})", retryable=True,
                               retry_after=retry_after(response), status=status)
        if status >= 300:
            log.warning("platform %s refused %s %s: HTTP %s %s", platform.id, method, excerpt(url), status,
                        excerpt(response.content))
            raise ServiceError(f"the platform refused the {purpose} (HTTP {status})", retryable=False, status=status)
        return response
