"""OAuth 2 access tokens for the platform's services (Security Framework §4.1, §4.1.1).

Padu asks the platform's token endpoint with the client_credentials grant and a
JWT client assertion signed by its own key (RFC 7523). A token is cached per
(platform, scopes) until shortly before ``expires_in`` runs out — in Redis when
there is one, so every worker shares it.

Moodle's token.php takes form encoding only and answers JSON labelled
``text/html``: the body is parsed whatever the Content-Type says.
"""

from __future__ import annotations

import datetime as dt
import secrets

import requests
from sqlalchemy.orm import Session, sessionmaker

from activities.db import utcnow
from config import Settings

from . import keys
from .cache import Cache
from .exceptions import AccessTokenError
from .models import Platform

#: Refresh this many seconds before the platform says the token expires.
EXPIRY_MARGIN = 60
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _cache_key(platform: Platform, scopes: tuple[str, ...]) -> str:
    return f"token:{platform.id}:{' '.join(sorted(scopes))}"


class AccessTokens:
    def __init__(self, settings: Settings, cache: Cache, http: requests.Session, session_factory: sessionmaker[Session]):
        self._settings = settings
        self._cache = cache
        self._http = http
        self._session_factory = session_factory

    def get(self, platform: Platform, scopes: tuple[str, ...]) -> str:
        cached = self._cache.get(_cache_key(platform, scopes))
        if cached:
            return cached
        token, lifetime = self._request(platform, scopes)
        self._cache.set(_cache_key(platform, scopes), token, max(1, lifetime - EXPIRY_MARGIN))
        return token

    def invalidate(self, platform: Platform, scopes: tuple[str, ...]) -> None:
        self._cache.delete(_cache_key(platform, scopes))

    def _assertion(self, platform: Platform) -> str:
        now = utcnow()
        payload = {
            "iss": platform.client_id,
            "sub": platform.client_id,
            "aud": platform.auth_audience or platform.auth_token_url,
            "iat": int(now.timestamp()),
            "exp": int((now + dt.timedelta(minutes=5)).timestamp()),
            "jti": secrets.token_urlsafe(16),
        }
        with self._session_factory() as session:
            return keys.sign(session, payload)

    def _request(self, platform: Platform, scopes: tuple[str, ...]) -> tuple[str, int]:
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self._assertion(platform),
            "scope": " ".join(scopes),
        }
        try:
            response = self._http.post(platform.auth_token_url, data=form, timeout=self._settings.http_timeout,
                                       headers={"Accept": "application/json"})
        except requests.RequestException as error:
            raise AccessTokenError(f"token endpoint unreachable: {error}", retryable=True) from error
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 500 or response.status_code == 429:
            raise AccessTokenError(f"token endpoint answered HTTP {response.status_code}", retryable=True,
                                   retry_after=_retry_after(response), status=response.status_code)
        if response.status_code != 200 or not isinstance(body, dict) or not body.get("access_token"):
            reason = body.get("error_description") or body.get("error") if isinstance(body, dict) else None
            raise AccessTokenError(
                f"token endpoint refused: HTTP {response.status_code} {reason or response.text[:200]}",
                retryable=False, status=response.status_code,
            )
        try:
            lifetime = int(body.get("expires_in", 3600))
        except (TypeError, ValueError):
            lifetime = 3600
        return body["access_token"], lifetime


def _retry_after(response: requests.Response) -> float | None:
    """Seconds from a ``Retry-After`` header (RFC 9110 §10.2.3), either form."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - utcnow()).total_seconds())
