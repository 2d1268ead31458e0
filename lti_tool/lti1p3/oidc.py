"""OIDC third-party login initiation (LTI 1.3 §5.1.1, IMS Security Framework §5.1.1).

The platform (Moodle posts a form) names itself and the user; Padu answers with
a redirect to the platform's authorization endpoint carrying a fresh ``state``
and ``nonce``.

The state is self-contained: the nonce and the platform's id, signed with the
app's secret (HMAC, ``itsdangerous``) and stamped with the time, so that the
launch checks it with no database access (:func:`read_state`).

Why that is as strong as the database row it replaces. The authentication
request (Security Framework §5.1.1.2) carries OIDC's ``state``, "Opaque value
used to maintain state between the request and the callback. Typically,
Cross-Site Request Forgery (CSRF, XSRF) mitigation is done by cryptographically
binding the value of this parameter with a browser cookie" (OIDC Core
§3.1.2.1). Padu's login and launch run inside Moodle's iframe, where that
cookie is blocked, so the row was never bound to the browser either: it proved
only that Padu issued this state, for this platform and nonce, less than
``STATE_LIFETIME`` ago, which an HMAC and a signed timestamp prove as well
(nobody without the secret can make or alter one). Single use was, and is, the
``lti_used_nonce`` primary key, per Security Framework §5.1.3 step 9: "The ID
Token MUST contain a nonce Claim. The Tool SHOULD verify that it has not yet
received this nonce value". The launch records the state's nonce, which the
id_token must carry, and any later launch with that state finds it recorded, on
any process or host; a refused launch records it too, so its state is used up.

It also removes a write: every ``/lti/login``, which anyone may call without
credentials, inserted and committed a row (the rate limit, ``rate_limit.py``,
was its only brake). Now a login reads the (cached) platform and writes
nothing; only a launch that carries a state Padu signed writes.

The redirect target is the platform's stored ``auth_login_url``. For a platform
that registered itself (Dynamic Registration) it must be on the issuer's origin,
or anyone who once registered a "platform" could use ``/lti/login`` to send
people to a site of their own; registration refuses such a document, and this
check also covers rows stored before it did. A platform added by hand with
``padu platform add`` is not checked: an operator with a shell typed those
URLs, and some LMSs legitimately authorise elsewhere (Canvas: issuer
canvas.instructure.com, authorisation on sso.canvaslms.com). Moodle's auth.php
is always on the issuer's origin.
"""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from collections.abc import Callable, Mapping
from typing import Literal, overload
from urllib.parse import urlencode, urlparse

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from config import Settings

from .exceptions import LoginRequestInvalid, StateInvalid
from .origins import same_origin
from .registry import find_platform

#: How long the platform may take between the login redirect and the launch POST.
STATE_LIFETIME = dt.timedelta(minutes=10)
_STATE_SECONDS = int(STATE_LIFETIME.total_seconds())
MAX_FIELD_LENGTH = 4096
#: Its own salt: a launch-session token (``sessions.py``, same secret) is never a state.
STATE_SALT = "padu-login-state"


@functools.lru_cache(maxsize=8)
def _signer(secret_key: str) -> TimestampSigner:
    """Made once per key (it derives its key from the secret and the salt)."""
    return TimestampSigner(secret_key, salt=STATE_SALT)


def sign_state(secret_key: str, platform_id: int, nonce: str) -> str:
    """The login's state: ``platform_id.nonce.timestamp.signature``, about 70 characters
    (Moodle carries it in a URL). The nonce (URL-safe base64) holds no ``.``."""
    return _signer(secret_key).sign(f"{platform_id}.{nonce}").decode("ascii")


def read_state(secret_key: str, state: str) -> tuple[int, str]:
    """The platform id and nonce of a state Padu signed less than ``STATE_LIFETIME`` ago,
    checked with no database access; anything else raises :class:`StateInvalid`. Whether
    it was used already is the launch's nonce record (``launch.py``)."""
    try:
        value = _signer(secret_key).unsign(state, max_age=_STATE_SECONDS)
    except SignatureExpired as error:
        raise StateInvalid("state expired (or is dated in the future) before the launch arrived") from error
    except BadSignature as error:
        raise StateInvalid("state is not one Padu signed: forged, altered or signed with another secret") from error
    platform_id, _, nonce = value.decode("ascii").partition(".")
    return int(platform_id), nonce


@overload
def _field(params: Mapping[str, str], name: str, required: Literal[True] = True) -> str: ...
@overload
def _field(params: Mapping[str, str], name: str, required: Literal[False]) -> str | None: ...
def _field(params: Mapping[str, str], name: str, required: bool = True) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise LoginRequestInvalid(f"login initiation lacks {name!r}")
        return None
    if len(value) > MAX_FIELD_LENGTH:
        raise LoginRequestInvalid(f"login initiation field {name!r} is too long")
    return value


def begin_login(engine: Engine, session: Callable[[], Session], settings: Settings, params: Mapping[str, str]) -> str:
    """Check the login initiation and return the authorization URL to redirect to.

    ``session`` is called only if the platform must be read from ``engine``'s database,
    not when the registry's cache has it (:func:`registry.find_platform`).
    """
    issuer = _field(params, "iss")
    login_hint = _field(params, "login_hint")
    target_link_uri = _field(params, "target_link_uri")
    client_id = _field(params, "client_id", required=False)
    message_hint = _field(params, "lti_message_hint", required=False)
    deployment_id = _field(params, "lti_deployment_id", required=False)

    # §5.1.1: the tool must check target_link_uri is one of its own, or it
    # becomes an open redirector for whoever can post to it.
    ours = urlparse(settings.base_url)
    target = urlparse(target_link_uri)
    if (target.scheme, target.netloc) != (ours.scheme, ours.netloc):
        raise LoginRequestInvalid(f"target_link_uri {target_link_uri!r} is not on {settings.base_url}")

    platform = find_platform(engine, session, issuer, client_id)
    if deployment_id and deployment_id not in platform.deployment_ids:
        raise LoginRequestInvalid(f"deployment {deployment_id!r} is not registered for {issuer} / {platform.client_id}")

    if platform.registered_by == "dynamic" and not same_origin(platform.auth_login_url, platform.issuer):
        raise LoginRequestInvalid(
            f"platform {platform.id} (dynamically registered) has its auth login URL "
            f"{platform.auth_login_url!r} off the issuer's origin {platform.issuer!r}; not redirecting there"
        )

    # Nothing is written: the state carries the nonce and the platform, signed (see above).
    nonce = secrets.token_urlsafe(24)
    state = sign_state(settings.secret_key, platform.id, nonce)

    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": settings.url("/lti/launch"),
        "state": state,
        "nonce": nonce,
        "login_hint": login_hint,
    }
    if message_hint:
        query["lti_message_hint"] = message_hint
    separator = "&" if "?" in platform.auth_login_url else "?"
    return platform.auth_login_url + separator + urlencode(query)

