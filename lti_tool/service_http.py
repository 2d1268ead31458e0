"""Authenticated calls to platform services, shared by AGS and NRPS.

One place decides what a status means: a 401 refreshes the access token once;
429 and 5xx and network errors are worth retrying (honouring Retry-After);
any other 4xx is the platform's final word.
"""

from __future__ import annotations

import html
import re

import requests

from .access_tokens import AccessTokens, _retry_after
from .exceptions import ServiceError
from .models import Platform

# Moodle writes `<…lineitems?type_id=1&amp;limit=1&amp;from=1>; rel=“next”`: HTML-escaped
# URLs and typographic quotes. This accepts that and the RFC 8288 form alike.
_LINK = re.compile(r"<([^>]*)>\s*;\s*rel\s*=\s*[\"'“”]?\s*next\s*[\"'“”]?", re.IGNORECASE)


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


class ServiceClient:
    def __init__(self, tokens: AccessTokens, http: requests.Session, timeout: float):
        self._tokens = tokens
        self._http = http
        self._timeout = timeout

    def request(self, platform: Platform, scopes: tuple[str, ...], method: str, url: str, **kwargs) -> requests.Response:
        for attempt in (1, 2):
            token = self._tokens.get(platform, scopes)
            headers = dict(kwargs.pop("headers", {}) or {})
            headers["Authorization"] = f"Bearer {token}"
            try:
                response = self._http.request(method, url, headers=headers, timeout=self._timeout, **kwargs)
            except requests.RequestException as error:
                raise ServiceError(f"{method} {url}: {error}", retryable=True) from error
            kwargs["headers"] = {k: v for k, v in headers.items() if k != "Authorization"}
            if response.status_code == 401 and attempt == 1:
                self._tokens.invalidate(platform, scopes)
                continue
            break
        if response.status_code == 429 or response.status_code >= 500:
            raise ServiceError(
                f"{method} {url}: HTTP {response.status_code}", retryable=True,
                retry_after=_retry_after(response), status=response.status_code,
            )
        if response.status_code >= 400:
            raise ServiceError(
                f"{method} {url}: HTTP {response.status_code} {response.reason or ''} {response.text[:300]}".strip(),
                retryable=False, status=response.status_code,
            )
        return response
