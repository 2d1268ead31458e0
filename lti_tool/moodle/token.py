"""The web-services token at rest: sealed with a key derived from Padu's secret key.

A Moodle web-services token is as good as the Moodle account it belongs to,
so the database never holds it in clear: it is a Fernet token (AES-128-CBC and
HMAC-SHA256) under a key derived with HKDF from ``PADU_SECRET_KEY``, with its
own ``info`` so that the key serves nothing else. Changing the secret key makes
stored tokens unreadable: set them again (``padu platform set-ws``).
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"padu moodle web-services token v1"


class TokenUnreadable(Exception):
    """The stored token cannot be opened (the secret key changed since it was set)."""


def _fernet(secret_key: str) -> Fernet:
    if not secret_key:
        raise ValueError("no secret key to derive the token key from")
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret_key.encode("utf-8"))
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret_key: str, token: str) -> str:
    return _fernet(secret_key).encrypt(token.encode("utf-8")).decode("ascii")


def unseal(secret_key: str, sealed: str) -> str:
    try:
        return _fernet(secret_key).decrypt(sealed.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError) as error:
        raise TokenUnreadable("the stored web-services token cannot be read with this secret key; "
                              "set it again with `padu platform set-ws`") from error
