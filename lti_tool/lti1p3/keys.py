"""Padu's own RSA keys: made on first use, published as JWKS, used to sign.

Kept in the database (``ToolKey``) so that every process and host of one
deployment signs with the same key. ``rotate`` makes a new current key and keeps
the retired ones in the JWKS for ``RETIRED_KEY_GRACE`` so that a platform that
cached the old set still verifies what was signed just before.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from activities.db import utcnow

from ..models import ToolKey

RETIRED_KEY_GRACE = dt.timedelta(days=7)


def _new_key() -> ToolKey:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    return ToolKey(kid=secrets.token_hex(10), private_pem=pem)


def current_key(session: Session) -> ToolKey:
    """The key to sign with, made on first use."""
    key = session.scalar(select(ToolKey).where(ToolKey.retired_at.is_(None)).order_by(ToolKey.id.desc()).limit(1))
    if key is not None:
        return key
    key = _new_key()
    session.add(key)
    try:
        session.commit()
    except IntegrityError:  # another process made one at the same moment
        session.rollback()
        return current_key(session)
    return key


def rotate(session: Session) -> ToolKey:
    now = utcnow()
    for key in session.scalars(select(ToolKey).where(ToolKey.retired_at.is_(None))):
        key.retired_at = now
    new = _new_key()
    session.add(new)
    session.commit()
    return new


def jwks(session: Session) -> dict[str, list[dict[str, Any]]]:
    """The public keys platforms verify Padu's signatures with (RFC 7517)."""
    current_key(session)
    horizon = utcnow() - RETIRED_KEY_GRACE
    keys = session.scalars(
        select(ToolKey).where((ToolKey.retired_at.is_(None)) | (ToolKey.retired_at > horizon)).order_by(ToolKey.id)
    )
    result: list[dict[str, Any]] = []
    for key in keys:
        private = serialization.load_pem_private_key(key.private_pem.encode(), password=None)
        if not isinstance(private, rsa.RSAPrivateKey):  # _new_key makes RSA keys only
            raise ValueError(f"tool key {key.kid} is not an RSA key")
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key()))
        jwk.update({"kid": key.kid, "alg": "RS256", "use": "sig"})
        result.append(jwk)
    return {"keys": result}


def sign(session: Session, payload: dict[str, Any]) -> str:
    """A compact RS256 JWT signed with the current key, with its ``kid``."""
    key = current_key(session)
    return jwt.encode(payload, key.private_pem, algorithm="RS256", headers={"kid": key.kid, "typ": "JWT"})
