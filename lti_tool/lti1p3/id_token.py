"""An id_token's signature and registered claims, checked by PyJWT with one slow step made fast.

Every launch verifies one id_token of 3 to 5 KB. PyJWT 2.15 checks each
segment's base64url alphabet with a per-character Python loop
(``PyJWS._decode_base64url_segment``), which costs about eight times the RSA
verification itself. :class:`_FastSegments` replaces only that step with a
regular expression that accepts and refuses the same bytes; everything else —
the padding and canonical-encoding checks, the signature, ``crit`` headers,
``exp``/``iat``/``nbf``/``iss``/``aud``, required claims, the leeway and the
exceptions raised — is PyJWT's own code, so PyJWT's fixes keep reaching Padu.

If a later PyJWT renames the overridden method, the override is simply never
called and the tokens are checked the slow way, with the same outcome
(``tests/lti_tool/test_id_token.py`` compares this with ``jwt.decode``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt.api_jws import PyJWS
from jwt.utils import base64url_decode, base64url_encode

#: The base64url alphabet (RFC 4648 §5), what PyJWT's loop allows, checked in C.
_ALPHABET = re.compile(rb"[A-Za-z0-9_-]*")


class _FastSegments(PyJWS):
    @staticmethod
    def _decode_base64url_segment(segment: bytes, name: str) -> bytes:
        """PyJWT's rules for a segment (at most two '=' and only on a multiple of four, the
        base64url alphabet, canonical encoding), with the alphabet checked by :data:`_ALPHABET`."""
        stripped = segment.rstrip(b"=")
        padding = len(segment) - len(stripped)
        if (padding > 2 or (padding and len(segment) % 4 != 0) or len(stripped) % 4 == 1
                or _ALPHABET.fullmatch(stripped) is None):
            raise jwt.exceptions.DecodeError(f"Invalid {name} padding")
        decoded = base64url_decode(stripped)
        if base64url_encode(decoded) != stripped:
            raise jwt.exceptions.DecodeError(f"Invalid {name} padding")
        return decoded


class _IdTokenJWT(jwt.PyJWT):
    def __init__(self) -> None:
        super().__init__()
        self._jws = _FastSegments(options=self._get_sig_options())


_decoder = _IdTokenJWT()


def decode(token: str, key: RSAPublicKey, *, audience: str, issuer: str, leeway: float,
           require: Iterable[str]) -> dict[str, Any]:
    """The verified claims of an RS256 id_token; raises what ``jwt.decode`` raises for the same token."""
    return _decoder.decode(token, key, algorithms=["RS256"], audience=audience, issuer=issuer,
                           leeway=leeway, options={"require": list(require)})
