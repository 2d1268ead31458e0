"""Padu's signing keys: made on first use, published, rotated without breaking verification."""

import jwt

from lti_tool.lti1p3 import keys


def _verify(token, jwks_document):
    kid = jwt.get_unverified_header(token)["kid"]
    [jwk] = [k for k in jwks_document["keys"] if k["kid"] == kid]
    key = jwt.algorithms.RSAAlgorithm.from_jwk(jwk)
    return jwt.decode(token, key, algorithms=["RS256"], options={"verify_aud": False})


def test_a_key_is_made_once_and_signs_verifiably(db):
    first = keys.current_key(db)
    assert keys.current_key(db).kid == first.kid
    token = keys.sign(db, {"iss": "padu"})
    assert _verify(token, keys.jwks(db)) == {"iss": "padu"}


def test_rotation_keeps_the_old_key_published(db):
    old_token = keys.sign(db, {"n": 1})
    new = keys.rotate(db)
    published = keys.jwks(db)
    assert len(published["keys"]) == 2
    assert _verify(old_token, published) == {"n": 1}
    assert jwt.get_unverified_header(keys.sign(db, {"n": 2}))["kid"] == new.kid


def test_the_jwks_has_no_private_parts(db):
    for jwk in keys.jwks(db)["keys"]:
        assert {"d", "p", "q", "dp", "dq", "qi"}.isdisjoint(jwk)
        assert jwk["alg"] == "RS256" and jwk["use"] == "sig"
