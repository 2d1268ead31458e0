"""The platform's RSA key and JWKS (Moodle publishes it at /mod/lti/certs.php)."""

from __future__ import annotations

import json
import secrets

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


class PlatformKey:
    def __init__(self) -> None:
        self.private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = secrets.token_hex(10)

    def jwk(self) -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key()))
        jwk.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return jwk

    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def sign(self, payload: dict, headers: dict | None = None) -> str:
        header = {"kid": self.kid, "typ": "JWT"}
        header.update(headers or {})
        return jwt.encode(payload, self.private_key, algorithm="RS256", headers=header)


def verify_with_jwks(token: str, jwks_url: str, http, **kwargs) -> dict:
    """Verify a tool's JWT with the tool's JWKS fetched over HTTP, as Moodle does."""
    header = jwt.get_unverified_header(token)
    if header.get("alg") != "RS256" or not header.get("kid"):
        raise jwt.InvalidTokenError("RS256 with a kid is required")
    keys = http.get(jwks_url, timeout=5).json()["keys"]
    for jwk in keys:
        if jwk.get("kid") == header["kid"]:
            key = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(jwk))
            return jwt.decode(token, key, algorithms=["RS256"], **kwargs)
    raise jwt.InvalidTokenError(f"kid {header['kid']} not in {jwks_url}")
