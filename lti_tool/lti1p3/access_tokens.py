"""OAuth 2 access tokens for the platform's services (Security Framework §4.1, §4.1.1).

Padu asks the platform's token endpoint with the client_credentials grant and a
JWT client assertion signed by its own key (RFC 7523). A token is cached per
(platform, scopes) until shortly before ``expires_in`` runs out — in Redis when
there is one, so every worker shares it. One token request per platform and
scopes at a time: the delivery threads that find no token wait for the one
fetching it (a lock in the process, and a short claim in the shared cache
across processes) instead of each asking the platform for its own.

Moodle's token.php takes form encoding only and answers JSON labelled
``text/html``: the body is parsed whatever the Content-Type says.

The answer is untrusted: its ``expires_in`` only sets a cache lifetime between
one minute and one hour, and what it says in words goes to the log (escaped,
short), never into a message staff see.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import secrets
import threading
import time
from email.utils import parsedate_to_datetime
from typing import Any, TypeGuard

import requests
from sqlalchemy.orm import Session, sessionmaker

from activities.db import utcnow
from config import Settings

from ..cache import Cache
from ..logsafe import excerpt
from ..models import Platform
from ..outbound import GuardedSession, OutboundRefused
from . import keys
from .exceptions import AccessTokenError

log = logging.getLogger(__name__)

#: Refresh this many seconds before the platform says the token expires.
EXPIRY_MARGIN = 60
#: A token is cached at least this long and at most this long, whatever ``expires_in`` says.
MIN_LIFETIME, MAX_LIFETIME = 60, 3600
#: A Retry-After longer than this is read as this (seconds).
MAX_RETRY_AFTER = 3600.0
MAX_ANSWER_BYTES = 64 * 1024
MAX_TOKEN_CHARS = 4096
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def _cache_key(platform: Platform, scopes: tuple[str, ...]) -> str:
    return f"token:{platform.id}:{' '.join(sorted(scopes))}"


#: How often a process waiting for another process's token request looks in the cache (seconds).
WAIT_STEP = 0.05


class AccessTokens:
    def __init__(self, settings: Settings, cache: Cache, http: GuardedSession, session_factory: sessionmaker[Session]):
        self._settings = settings
        self._cache = cache
        self._http = http
        self._session_factory = session_factory
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def _cached(self, key: str) -> str | None:
        cached = self._cache.get(key)
        return cached if isinstance(cached, str) and cached else None  # what set() below put there

    def get(self, platform: Platform, scopes: tuple[str, ...]) -> str:
        key = _cache_key(platform, scopes)
        cached = self._cached(key)
        if cached is not None:
            return cached
        with self._lock(key):  # one thread of this process asks; the others find its token
            cached = self._cached(key) or self._await_other_process(key)
            if cached is not None:
                return cached
            try:
                token, lifetime = self._request(platform, scopes)
                self._cache.set(key, token, lifetime - min(EXPIRY_MARGIN, lifetime / 2))
            finally:
                self._cache.delete(key + ":asking")
            return token

    def _lock(self, key: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(key, threading.Lock())

    def _await_other_process(self, key: str) -> str | None:
        """Claim the request for this process, or wait (one call's deadline at most) for the
        process that claimed it to cache its token. None: ask the platform ourselves."""
        deadline = time.monotonic() + self._settings.http_timeout
        while not self._cache.add(key + ":asking", 1, self._settings.http_timeout):
            time.sleep(WAIT_STEP)
            cached = self._cached(key)
            if cached is not None:
                return cached
            if time.monotonic() > deadline:
                return None
        return None

    def invalidate(self, platform: Platform, scopes: tuple[str, ...], token: str | None = None) -> None:
        """Forget the cached token — only if it is still ``token`` (the one the platform refused):
        a thread that saw a 401 must not throw away the fresh token another thread just fetched."""
        key = _cache_key(platform, scopes)
        if token is None or self._cached(key) == token:
            self._cache.delete(key)

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

    def _request(self, platform: Platform, scopes: tuple[str, ...]) -> tuple[str, float]:
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self._assertion(platform),
            "scope": " ".join(scopes),
        }
        try:
            response = self._http.post(platform.auth_token_url, data=form, timeout=self._settings.http_timeout,
                                       headers={"Accept": "application/json"}, max_bytes=MAX_ANSWER_BYTES)
        except OutboundRefused as error:
            raise AccessTokenError(f"Padu does not call the platform's token endpoint: {error.reason}",
                                   retryable=False) from error
        except requests.RequestException as error:
            log.info("token endpoint of platform %s: %s", platform.id, error)
            raise AccessTokenError("the platform's token endpoint could not be reached or read",
                                   retryable=True) from error
        body: Any
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code >= 500 or response.status_code == 429:
            raise AccessTokenError(f"the platform's token endpoint answered HTTP {response.status_code}",
                                   retryable=True, retry_after=retry_after(response), status=response.status_code)
        token = body.get("access_token") if isinstance(body, dict) else None
        if response.status_code != 200 or not _usable_token(token):
            log.warning("token endpoint of platform %s refused: HTTP %s %s", platform.id, response.status_code,
                        excerpt(response.content))
            raise AccessTokenError(
                f"the platform's token endpoint refused Padu (HTTP {response.status_code})",
                retryable=False, status=response.status_code,
            )
        return token, token_lifetime(body.get("expires_in"))


def _usable_token(token: object) -> TypeGuard[str]:
    """A Bearer token is a short run of visible ASCII (RFC 6750 §2.1 b64token, loosely)."""
    return isinstance(token, str) and 0 < len(token) <= MAX_TOKEN_CHARS and token.isascii() and token.isprintable() \
        and " " not in token


def token_lifetime(expires_in: Any) -> float:
    """Seconds to trust a token: ``expires_in`` clamped to one minute … one hour (garbage: one hour)."""
    try:
        seconds = float(expires_in)
    except (TypeError, ValueError, OverflowError):
        return float(MAX_LIFETIME)
    if not math.isfinite(seconds):
        return float(MAX_LIFETIME)
    return min(float(MAX_LIFETIME), max(float(MIN_LIFETIME), seconds))


def retry_after(response: requests.Response) -> float | None:
    """Seconds from a ``Retry-After`` header (RFC 9110 §10.2.3), either form, at most an hour.

    Garbage, a negative, infinite or NaN value gives None: the caller's own
    backoff applies. A platform cannot park a grade for years.
    """
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:  # "-0000": UTC by RFC 5322 §3.3
            when = when.replace(tzinfo=dt.UTC)
        seconds = (when - utcnow()).total_seconds()
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return min(MAX_RETRY_AFTER, seconds)

