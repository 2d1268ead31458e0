"""``id_token.decode`` accepts and refuses exactly what ``jwt.decode`` does, with the same errors."""

from __future__ import annotations

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from lti_tool.lti1p3 import id_token

KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER = rsa.generate_private_key(public_exponent=65537, key_size=2048)
REQUIRE = ("exp", "iat", "iss", "aud", "nonce")


def _claims(**changes):
    now = int(time.time())
    claims = {"iss": "https://lms", "aud": "client", "exp": now + 60, "iat": now, "nonce": "n", "sub": "4"}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _sign(claims, key=KEY, headers=None):
    # Through the JWS layer: PyJWT's encode refuses some of the claims shapes tried here.
    return jwt.api_jws.encode(json.dumps(claims).encode(), key, algorithm="RS256",
                              headers={"kid": "k", **(headers or {})})


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _swap_payload(token: str, payload: str) -> str:
    header, _, signature = token.split(".")
    return ".".join([header, payload, signature])


TOKENS = {
    "valid": _sign(_claims()),
    "several audiences": _sign(_claims(aud=["other", "client"])),
    "expired": _sign(_claims(exp=int(time.time()) - 120)),
    "expired within leeway": _sign(_claims(exp=int(time.time()) - 10)),
    "issued in the future": _sign(_claims(iat=int(time.time()) + 600)),
    "not before in the future": _sign(_claims(nbf=int(time.time()) + 600)),
    "exp not a number": _sign(_claims(exp="soon")),
    "iat not a number": _sign(_claims(iat="now")),
    "wrong issuer": _sign(_claims(iss="https://evil")),
    "issuer not a string": _sign(_claims(iss=["https://lms"])),
    "wrong audience": _sign(_claims(aud="other")),
    "audience of other types": _sign(_claims(aud=[1, "client"])),
    "no nonce": _sign(_claims(nonce=None)),
    "no exp": _sign(_claims(exp=None)),
    "sub not a string": _sign(_claims(sub=4)),
    "signed by another key": _sign(_claims(), key=OTHER),
    "payload changed": _swap_payload(_sign(_claims()), _b64(json.dumps(_claims(sub="5")).encode())),
    "critical extension": _sign(_claims(), headers={"crit": ["exp"], "exp": 1}),
    "padded signature": _sign(_claims()) + "==",
    "bad padding": _sign(_claims()) + "=",
    "junk characters": _sign(_claims()).replace(".", "!.", 1),
    "two segments": _sign(_claims()).rsplit(".", 1)[0],
    "payload not JSON": _swap_payload(_sign(_claims()), _b64(b"not json")),
    "payload a list": _swap_payload(_sign(_claims()), _b64(b"[1]")),
    "non-ascii": _sign(_claims()) + "é",
}


def _outcome(decode, token):
    try:
        return decode(token)
    except jwt.exceptions.PyJWTError as error:
        return type(error)


@pytest.mark.parametrize("name", list(TOKENS))
def test_same_outcome_as_pyjwt(name):
    token = TOKENS[name]
    public = KEY.public_key()
    ours = _outcome(lambda t: id_token.decode(t, public, audience="client", issuer="https://lms", leeway=30,
                                              require=REQUIRE), token)
    theirs = _outcome(lambda t: jwt.decode(t, public, algorithms=["RS256"], audience="client", issuer="https://lms",
                                           leeway=30, options={"require": list(REQUIRE)}), token)
    if isinstance(theirs, dict):
        assert ours == theirs
    else:
        assert isinstance(ours, type) and issubclass(ours, jwt.exceptions.PyJWTError), (name, ours)
        # The same class, or (for shapes PyJWT names more finely) one launch._decode maps alike.
        assert ours is theirs or (issubclass(ours, jwt.exceptions.DecodeError)
                                  and issubclass(theirs, jwt.exceptions.DecodeError)
                                  and not issubclass(theirs, jwt.exceptions.InvalidSignatureError)), (name, ours, theirs)


def test_the_fast_segment_check_replaces_a_method_pyjwt_still_has():
    # If PyJWT renames it, outcomes stay right (the test above) but the speed-up is gone: say so here.
    from jwt.api_jws import PyJWS

    assert callable(getattr(PyJWS, "_decode_base64url_segment", None))
    assert id_token._decoder._jws._decode_base64url_segment is id_token._FastSegments._decode_base64url_segment


def test_a_non_canonical_segment_is_refused_like_pyjwt():
    token = _sign(_claims())
    header, payload, signature = token.split(".")
    # The last character of the signature carries unused low bits; flipping them keeps the bytes.
    last = signature[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    twin = alphabet[alphabet.index(last) ^ 1]
    forged = ".".join([header, payload, signature[:-1] + twin])
    public = KEY.public_key()
    with pytest.raises(jwt.exceptions.DecodeError):
        id_token.decode(forged, public, audience="client", issuer="https://lms", leeway=30, require=REQUIRE)
    with pytest.raises(jwt.exceptions.DecodeError):
        jwt.decode(forged, public, algorithms=["RS256"], audience="client", issuer="https://lms", leeway=30)
