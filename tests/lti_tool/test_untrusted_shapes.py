"""Odd shapes a platform may send, found while adding types: each gets a clear answer, never a 500."""

from __future__ import annotations

import json

import jwt
import pytest

from lti_tool.lti1p3.service_http import ForeignServiceUrl, ServiceClient

from .readiness.helpers import BUDI, set_up_readiness


@pytest.mark.parametrize("return_url", [123, {"href": "https://lms.example/"}, ["x"]])
def test_a_return_url_that_is_not_text_is_ignored(connected, return_url):
    """LTI 1.3 §5.4.5: return_url is a URL. Anything else is dropped, not stored or linked."""
    connected.lms.launch_presentation = {"document_target": "window", "return_url": return_url}
    set_up_readiness(connected)
    _browser, intro = connected.launch(BUDI)
    assert intro.status_code == 200
    assert 'class="back"' not in intro.text  # no URL, no way back shown


def test_a_key_set_that_publishes_private_parts_still_verifies_launches(connected):
    """A JWK with ``d``, ``p``, ``q`` … reads as a private key; Padu verifies with its public half."""
    key = connected.lms.key

    def leaky_jwks() -> dict:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.private_key))
        jwk.update({"kid": key.kid, "alg": "RS256", "use": "sig"})
        return {"keys": [jwk]}

    connected.lms.jwks = leaky_jwks
    set_up_readiness(connected)
    _browser, intro = connected.launch(BUDI)
    assert intro.status_code == 200


class _NoTokens:
    def get(self, platform, scopes):  # pragma: no cover - must not be reached
        raise AssertionError("no token is asked for a URL that is not called")


class _Platform:
    id = 1
    issuer = "https://lms.example"
    auth_token_url = "https://lms.example/mod/lti/token.php"


def test_a_missing_service_url_is_refused_like_a_foreign_one():
    services = ServiceClient(_NoTokens(), http=None, timeout=1)
    with pytest.raises(ForeignServiceUrl):
        services.request(_Platform(), ("scope",), "GET", None)
