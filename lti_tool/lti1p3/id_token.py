"""An id_token's signature and registered claims, checked the way ``jwt.decode`` checks them.

Every launch verifies one id_token of 3 to 5 KB. PyJWT 2.15's ``jwt.decode``
spends about eight times the RSA verification itself on a per-character Python
loop over each segment (its base64url alphabet check): a quarter of a launch's
JWT work, for a check a regular expression does in C. So the token is taken
apart here, its alphabet checked once by :data:`_COMPACT`, the signature
verified by PyJWT's own RS256 algorithm (``cryptography`` underneath), and the
claims checked with PyJWT's rules and errors (``exp``, ``iat``, ``nbf``,
``iss``, ``aud``, required claims, the leeway), so that
:func:`lti_tool.lti1p3.launch._decode` maps them as before.

Only RS256 with a ``kid`` reaches this (``launch._header`` refuses the rest),
and a ``crit`` header is refused: Padu understands no JWS extension (RFC 7515
§4.1.11), in particular not an unencoded payload (RFC 7797).
"""

from __future__ import annotations

import binascii
import json
import re
import time
from collections.abc import Iterable
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from jwt.utils import base64url_decode

#: Three base64url segments (RFC 7515 §7.1), each with at most two '=' of padding, as PyJWT accepts.
_COMPACT = re.compile(rb"([A-Za-z0-9_-]+={0,2})\.([A-Za-z0-9_-]+={0,2})\.([A-Za-z0-9_-]+={0,2})")
_RS256 = jwt.get_algorithm_by_name("RS256")


def _segment(raw: bytes, name: str) -> bytes:
    stripped = raw.rstrip(b"=")
    if len(stripped) % 4 == 1 or (len(raw) != len(stripped) and len(raw) % 4):
        raise jwt.exceptions.DecodeError(f"Invalid {name} padding")
    try:
        return base64url_decode(stripped)
    except (TypeError, binascii.Error) as error:
        raise jwt.exceptions.DecodeError(f"Invalid {name} padding") from error


def decode(token: str, key: RSAPublicKey, *, audience: str, issuer: str, leeway: float,
           require: Iterable[str]) -> dict[str, Any]:
    """The verified claims of an RS256 compact JWS; raises what ``jwt.decode`` raises for the same token."""
    try:
        raw = token.encode("ascii")
    except UnicodeEncodeError as error:
        raise jwt.exceptions.DecodeError("Invalid token type") from error
    parts = _COMPACT.fullmatch(raw)
    if parts is None:
        raise jwt.exceptions.DecodeError("Not enough segments or invalid characters")
    header_segment, payload_segment, signature_segment = parts.groups()
    try:
        header = json.loads(_segment(header_segment, "header"))
    except ValueError as error:
        raise jwt.exceptions.DecodeError(f"Invalid header: {error}") from error
    if not isinstance(header, dict):
        raise jwt.exceptions.DecodeError("Invalid header: not a JSON object")
    if header.get("alg") != "RS256":
        raise jwt.exceptions.InvalidAlgorithmError("The specified alg value is not allowed")
    if "crit" in header:
        raise jwt.exceptions.InvalidTokenError("Unsupported critical header extension")
    signature = _segment(signature_segment, "crypto")
    payload_bytes = _segment(payload_segment, "payload")
    # The signature first, as PyJWT does: nothing the platform did not sign is parsed further.
    if not _RS256.verify(header_segment + b"." + payload_segment, key, signature):
        raise jwt.exceptions.InvalidSignatureError("Signature verification failed")
    try:
        payload = json.loads(payload_bytes)
    except ValueError as error:
        raise jwt.exceptions.DecodeError(f"Invalid payload: {error}") from error
    if not isinstance(payload, dict):
        raise jwt.exceptions.DecodeError("Invalid payload: not a JSON object")
    _check_claims(payload, audience=audience, issuer=issuer, leeway=leeway, require=require)
    return payload


def _number(payload: dict[str, Any], name: str, error: type[Exception]) -> int:
    try:
        return int(payload[name])
    except (ValueError, TypeError, OverflowError):
        raise error(f"{name} claim must be an integer") from None


def _check_claims(payload: dict[str, Any], *, audience: str, issuer: str, leeway: float,
                  require: Iterable[str]) -> None:
    """PyJWT's ``_validate_claims`` with every check on, in its order and with its exceptions."""
    for claim in require:
        if payload.get(claim) is None:
            raise jwt.exceptions.MissingRequiredClaimError(claim)
    now = time.time()
    if "iat" in payload and _number(payload, "iat", jwt.exceptions.InvalidIssuedAtError) > now + leeway:
        raise jwt.exceptions.ImmatureSignatureError("The token is not yet valid (iat)")
    if "nbf" in payload and _number(payload, "nbf", jwt.exceptions.DecodeError) > now + leeway:
        raise jwt.exceptions.ImmatureSignatureError("The token is not yet valid (nbf)")
    if "exp" in payload and _number(payload, "exp", jwt.exceptions.DecodeError) <= now - leeway:
        raise jwt.exceptions.ExpiredSignatureError("Signature has expired")
    if "iss" not in payload:
        raise jwt.exceptions.MissingRequiredClaimError("iss")
    if not isinstance(payload["iss"], str) or payload["iss"] != issuer:
        raise jwt.exceptions.InvalidIssuerError("Invalid issuer")
    claimed = payload.get("aud")
    if not claimed:
        raise jwt.exceptions.MissingRequiredClaimError("aud")
    if isinstance(claimed, str):
        claimed = [claimed]
    if not isinstance(claimed, list) or not all(isinstance(value, str) for value in claimed):
        raise jwt.exceptions.InvalidAudienceError("Invalid claim format in token")
    if audience not in claimed:
        raise jwt.exceptions.InvalidAudienceError("Audience doesn't match")
    if "sub" in payload and not isinstance(payload["sub"], str):
        raise jwt.exceptions.InvalidSubjectError("Subject must be a string")
    if "jti" in payload and not isinstance(payload["jti"], str):
        raise jwt.exceptions.InvalidJTIError("JWT ID must be a string")
