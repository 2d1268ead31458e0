"""Platform public keys, fetched from the platform's JWKS URL and cached by ``kid``.

An unknown ``kid`` triggers one refetch (a platform may have rotated its key),
but at most once per ``jwks_refetch_interval`` per platform, so a flood of
tokens with made-up kids cannot make Padu hammer the platform.

Each process also keeps the key *objects* it verified with, for at most
:data:`KEY_OBJECT_SECONDS`: every launch needs one, and reading the key set from
the shared cache (a Redis round trip with several processes) and parsing the JWK
again cost more than checking the signature. A key a platform withdraws is
thereby trusted at most that much longer than the shared cache keeps it.

The fetch goes through the guarded client (``outbound``): allowed addresses
only, one deadline, at most ``MAX_JWKS_BYTES``.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from config import Settings

from ..cache import Cache, MemoryCache
from ..logsafe import excerpt
from ..outbound import GuardedSession, Policy
from .exceptions import KeyNotFound, PlatformUnreachable

log = logging.getLogger(__name__)

#: A key set holds a few keys of a few KB each.
MAX_JWKS_BYTES = 256 * 1024
#: Seconds a process reuses a parsed platform key without asking the shared cache.
KEY_OBJECT_SECONDS = 60.0


class PlatformKeys:
    def __init__(self, settings: Settings, cache: Cache, http: GuardedSession | None = None):
        self._settings = settings
        self._cache = cache
        self._http = http or GuardedSession(Policy.from_settings(settings), timeout=settings.http_timeout)
        # A few platforms with a few keys each: never a pile.
        self._objects = MemoryCache(max_entries=100)
        self._object_seconds = min(KEY_OBJECT_SECONDS, float(settings.jwks_cache_seconds))

    def _fetch(self, url: str) -> dict[str, Any]:
        try:
            response = self._http.get(url, timeout=self._settings.http_timeout, max_bytes=MAX_JWKS_BYTES)
        except requests.RequestException as exc:  # refused, unreachable, too slow, too large
            raise PlatformUnreachable(f"cannot fetch JWKS {excerpt(url)}: {exc}") from exc
        if response.status_code != 200:
            raise PlatformUnreachable(f"JWKS {excerpt(url)} answered HTTP {response.status_code}")
        document: Any
        try:
            document = response.json()
        except ValueError as exc:
            raise PlatformUnreachable(f"JWKS {excerpt(url)} is not JSON") from exc
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise PlatformUnreachable(f"JWKS {excerpt(url)} has no 'keys' list")
        self._cache.set("jwks:" + url, document, self._settings.jwks_cache_seconds)
        return document

    def key_for(self, key_set_url: str, kid: str) -> RSAPublicKey:
        """The public key with ``kid``, as an object PyJWT verifies with."""
        held: RSAPublicKey | None = self._objects.get((key_set_url, kid))
        if held is not None:
            return held
        key = self._parse(key_set_url, kid)
        self._objects.set((key_set_url, kid), key, self._object_seconds)
        return key

    def _parse(self, key_set_url: str, kid: str) -> RSAPublicKey:
        document = self._cache.get("jwks:" + key_set_url)
        if document is None:
            document = self._fetch(key_set_url)
        jwk = _find(document, kid)
        if jwk is None and self._cache.add("jwks-refetch:" + key_set_url, 1, self._settings.jwks_refetch_interval):
            log.info("unknown kid %s: refetching %s", kid, key_set_url)
            jwk = _find(self._fetch(key_set_url), kid)
        if jwk is None:
            raise KeyNotFound(f"no key with kid {kid!r} in {key_set_url}")
        if jwk.get("kty") != "RSA":
            raise KeyNotFound(f"key {kid!r} is not an RSA key")
        try:
            key = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(jwk))
        except (ValueError, KeyError, jwt.exceptions.InvalidKeyError) as exc:
            raise KeyNotFound(f"key {kid!r} in {key_set_url} is unusable: {exc}") from exc
        # A JWK with private parts reads as a private key; a signature is checked with its public half.
        return key.public_key() if isinstance(key, RSAPrivateKey) else key


def _find(document: dict[str, Any], kid: str) -> dict[str, Any] | None:
    for jwk in document.get("keys", []):
        if isinstance(jwk, dict) and jwk.get("kid") == kid:
            return jwk
    return None
