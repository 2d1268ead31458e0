"""Every kind of bad launch is refused with a 4xx page that says what to do — never a 500.

Each case takes a genuine id_token that the test platform issued for a real
login, changes one thing, re-signs it the way an attacker could, and posts it.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lti_tool.lti1p3 import exceptions as exc
from lti_tool.lti1p3.oidc import STATE_LIFETIME, read_state, sign_state

from .conftest import signed_state

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _unverified(token: str) -> tuple[dict, dict]:
    return jwt.get_unverified_header(token), jwt.decode(token, options={"verify_signature": False})


def _other_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def resign(lms, header, payload, **changes):
    payload = dict(payload)
    for name, value in changes.items():
        name = name.replace("__", "/")
        if value is _DELETE:
            payload.pop(name, None)
            payload.pop(CLAIM + name, None)
        elif name in ("iss", "aud", "exp", "iat", "sub", "nonce", "azp"):
            payload[name] = value
        else:
            payload[CLAIM + name] = value
    return lms.sign(payload, headers={"kid": header["kid"]})


_DELETE = object()


def _forged_signature(lms, header, payload):
    return jwt.encode(payload, _other_key(), algorithm="RS256", headers={"kid": header["kid"]})


def _unknown_kid(lms, header, payload):
    return jwt.encode(payload, _other_key(), algorithm="RS256", headers={"kid": "no-such-kid"})


def _alg_none(lms, header, payload):
    return _b64({"alg": "none", "typ": "JWT", "kid": header["kid"]}) + "." + _b64(payload) + "."


def _hs256_with_public_key(lms, header, payload):
    public_pem = lms.public_key_pem() if hasattr(lms, "public_key_pem") else None
    if public_pem is None:
        jwks = lms.jwks()
        key = jwt.algorithms.RSAAlgorithm.from_jwk(json.dumps(jwks["keys"][0]))
        public_pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    import hashlib
    import hmac

    signing_input = _b64({"alg": "HS256", "typ": "JWT", "kid": header["kid"]}) + "." + _b64(payload)
    secret = public_pem if isinstance(public_pem, bytes) else public_pem.encode()
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()


CASES = {
    "forged signature": _forged_signature,
    "unknown kid": _unknown_kid,
    "alg none": _alg_none,
    "HS256 signed with the public key": _hs256_with_public_key,
    "expired": lambda lms, h, p: resign(lms, h, p, exp=int(time.time()) - 3600, iat=int(time.time()) - 3660),
    "iat in the future": lambda lms, h, p: resign(lms, h, p, iat=int(time.time()) + 3600, exp=int(time.time()) + 3660),
    "no exp": lambda lms, h, p: resign(lms, h, p, exp=_DELETE),
    "no iat": lambda lms, h, p: resign(lms, h, p, iat=_DELETE),
    "wrong aud": lambda lms, h, p: resign(lms, h, p, aud="someone-else"),
    "several aud without azp": lambda lms, h, p: resign(lms, h, p, aud=[p["aud"], "someone-else"]),
    "wrong iss": lambda lms, h, p: resign(lms, h, p, iss="https://evil.example"),
    "unknown deployment": lambda lms, h, p: resign(lms, h, p, deployment_id="999"),
    "missing deployment": lambda lms, h, p: resign(lms, h, p, deployment_id=_DELETE),
    "nonce of another login": lambda lms, h, p: resign(lms, h, p, nonce="a-nonce-padu-never-issued"),
    "no nonce": lambda lms, h, p: resign(lms, h, p, nonce=_DELETE),
    "wrong message type": lambda lms, h, p: resign(lms, h, p, message_type="LtiSubmissionReviewRequest"),
    "missing message type": lambda lms, h, p: resign(lms, h, p, message_type=_DELETE),
    "wrong version": lambda lms, h, p: resign(lms, h, p, version="1.1"),
    "missing resource link": lambda lms, h, p: resign(lms, h, p, resource_link=_DELETE),
    "roles not a list": lambda lms, h, p: resign(lms, h, p, roles="http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"),
    "no sub": lambda lms, h, p: resign(lms, h, p, sub=_DELETE),
    "no context": lambda lms, h, p: resign(lms, h, p, context=_DELETE),
    "garbage token": lambda lms, h, p: "this.is.not-a-jwt",
    "empty token": lambda lms, h, p: "",
    "oversized token": lambda lms, h, p: resign(lms, h, p, custom={"padding": "x" * (2 * 1024 * 1024)}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_launch_is_refused_with_a_4xx(connected, case):
    browser = connected.lti_browser()
    action, fields = browser.login_and_authorize(connected.lms, connected.client_id, "4", resource_link_id="1",
                                                 tool_login_url=connected.padu.url + "/lti/login",
                                                 target_link_uri=connected.padu.url + "/lti/launch")
    header, payload = _unverified(fields["id_token"])
    token = CASES[case](connected.lms, header, payload)
    response = browser.session.post(action, data={"id_token": token, "state": fields["state"]}, allow_redirects=False)
    assert 400 <= response.status_code < 500, (case, response.status_code, response.text[:300])
    assert "Moodle" in response.text  # tells the person what to do next
    assert "Traceback" not in response.text


def test_a_replayed_id_token_and_state_are_refused(connected):
    browser = connected.lti_browser()
    action, fields = browser.login_and_authorize(connected.lms, connected.client_id, "4", resource_link_id="1",
                                                 tool_login_url=connected.padu.url + "/lti/login",
                                                 target_link_uri=connected.padu.url + "/lti/launch")
    first = browser.session.post(action, data=fields, allow_redirects=False)
    assert first.status_code == 200  # the launch answers with its first page
    replay = browser.session.post(action, data=fields, allow_redirects=False)
    assert replay.status_code == 400 and "state_invalid" in replay.text


def test_a_used_nonce_is_refused_even_with_a_fresh_state(connected):
    """An attacker who captured a launch starts a new login to get a valid state,
    then posts the old id_token (its nonce already used) with it."""
    browser = connected.lti_browser()
    kwargs = dict(resource_link_id="1", tool_login_url=connected.padu.url + "/lti/login",
                  target_link_uri=connected.padu.url + "/lti/launch")
    action, old = browser.login_and_authorize(connected.lms, connected.client_id, "4", **kwargs)
    assert browser.session.post(action, data=old, allow_redirects=False).status_code == 200
    _action, fresh = browser.login_and_authorize(connected.lms, connected.client_id, "4", **kwargs)
    header, payload = _unverified(old["id_token"])
    token = connected.lms.sign(dict(payload, iat=int(time.time()), exp=int(time.time()) + 60), headers={"kid": header["kid"]})
    refused = browser.session.post(action, data={"id_token": token, "state": fresh["state"]}, allow_redirects=False)
    assert refused.status_code == 400


def test_a_wrong_state_is_refused(connected):
    browser = connected.lti_browser()
    action, fields = browser.login_and_authorize(connected.lms, connected.client_id, "4", resource_link_id="1",
                                                 tool_login_url=connected.padu.url + "/lti/login",
                                                 target_link_uri=connected.padu.url + "/lti/launch")
    response = browser.session.post(action, data={"id_token": fields["id_token"], "state": "made-up"}, allow_redirects=False)
    assert response.status_code == 400 and "state_invalid" in response.text


def _login(connected):
    browser = connected.lti_browser()
    action, fields = browser.login_and_authorize(connected.lms, connected.client_id, "4", resource_link_id="1",
                                                 tool_login_url=connected.padu.url + "/lti/login",
                                                 target_link_uri=connected.padu.url + "/lti/launch")
    return browser, action, fields


def _nonce(fields) -> str:
    return jwt.decode(fields["id_token"], options={"verify_signature": False})["nonce"]


def _tampered(state: str) -> list[str]:
    """The state with its platform id, its nonce, its time or its signature altered."""
    platform_id, nonce, stamp, signature = state.split(".")
    flip = {"A": "B"}.get(nonce[0], "A")
    return [".".join([str(int(platform_id) + 1), nonce, stamp, signature]),
            ".".join([platform_id, flip + nonce[1:], stamp, signature]),
            ".".join([platform_id, nonce, stamp[:-1] + {"A": "B"}.get(stamp[-1], "A"), signature]),
            ".".join([platform_id, nonce, stamp, signature[::-1]]),
            ".".join([platform_id, nonce, signature])]


def test_an_altered_state_is_refused_and_leaves_the_genuine_one_usable(connected):
    """Security Framework §5.1.1: the state is Padu's; one it did not sign is refused before
    anything is read or written, so the genuine state still launches."""
    browser, action, fields = _login(connected)
    for state in _tampered(fields["state"]):
        refused = browser.session.post(action, data={"id_token": fields["id_token"], "state": state},
                                       allow_redirects=False)
        assert refused.status_code == 400 and "state_invalid" in refused.text, state
    assert browser.session.post(action, data=fields, allow_redirects=False).status_code == 200


def test_a_state_signed_with_another_secret_is_refused(connected):
    browser, action, fields = _login(connected)
    other = signed_state(connected.padu, _nonce(fields), secret_key="another Padu's secret")
    refused = browser.session.post(action, data={"id_token": fields["id_token"], "state": other},
                                   allow_redirects=False)
    assert refused.status_code == 400 and "state_invalid" in refused.text


def test_a_state_older_than_its_lifetime_is_refused_and_a_younger_one_launches(connected):
    browser, action, fields = _login(connected)
    nonce = _nonce(fields)
    expired = signed_state(connected.padu, nonce, age=STATE_LIFETIME + dt.timedelta(seconds=5))
    refused = browser.session.post(action, data={"id_token": fields["id_token"], "state": expired},
                                   allow_redirects=False)
    assert refused.status_code == 400 and "state_invalid" in refused.text
    almost = signed_state(connected.padu, nonce, age=STATE_LIFETIME - dt.timedelta(seconds=30))
    accepted = browser.session.post(action, data={"id_token": fields["id_token"], "state": almost},
                                    allow_redirects=False)
    assert accepted.status_code == 200


def test_a_state_is_read_back_with_the_reason_of_its_refusal():
    state = sign_state("the secret", 7, "a-nonce_of-32-characters-123456")
    assert read_state("the secret", state) == (7, "a-nonce_of-32-characters-123456")
    assert len(state) < 80  # Moodle carries it in a URL
    for forged in [*_tampered(state), sign_state("another secret", 7, "a-nonce_of-32-characters-123456"), "made-up"]:
        with pytest.raises(exc.StateInvalid, match="not one Padu signed"):
            read_state("the secret", forged)


@pytest.mark.parametrize(
    "form",
    [
        {"iss": "https://unknown.example", "login_hint": "4", "target_link_uri": "{padu}/lti/launch", "client_id": "x"},
        {"login_hint": "4", "target_link_uri": "{padu}/lti/launch"},
        {"iss": "{lms}", "login_hint": "4", "target_link_uri": "https://evil.example/steal", "client_id": "{client_id}"},
        {"iss": "{lms}", "login_hint": "4", "target_link_uri": "{padu}/lti/launch", "client_id": "{client_id}",
         "lti_deployment_id": "999"},
    ],
    ids=["unknown platform", "no issuer", "foreign target_link_uri", "unknown deployment"],
)
def test_bad_login_initiation_is_refused(connected, form):
    values = {k: v.format(padu=connected.padu.url, lms=connected.lms.issuer, client_id=connected.client_id)
              for k, v in form.items()}
    response = connected.lti_browser().session.post(connected.padu.url + "/lti/login", data=values, allow_redirects=False)
    assert 400 <= response.status_code < 500
