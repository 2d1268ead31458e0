"""OIDC third-party login initiation (LTI 1.3 §5.1.1, IMS Security Framework §5.1.1).

The platform (Moodle posts a form) names itself and the user; Padu answers with
a redirect to the platform's authorization endpoint carrying a fresh ``state``
and ``nonce``. Both are remembered server-side, single-use, because the login
and the launch run inside Moodle's iframe where cookies are often blocked.

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
import secrets
from collections.abc import Mapping
from typing import Literal, overload
from urllib.parse import urlencode, urlparse

from sqlalchemy import delete, insert, literal_column
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from activities.db import WRITE_ON_ITS_OWN, utcnow
from config import Settings

from ..models import LoginState
from .commits import WITHOUT_DISK_WAIT_EXPRESSION, commit_without_disk_wait, disk_wait_dropped
from .exceptions import LoginRequestInvalid, UnknownPlatform
from .origins import same_origin
from .registry import find_platform, forget_cached_platforms

#: How long the platform may take between the login redirect and the launch POST.
STATE_LIFETIME = dt.timedelta(minutes=10)
MAX_FIELD_LENGTH = 4096
#: One login in this many deletes the expired states; an expired state is refused
#: anyway, and the daily housekeeping sweeps the rest (a delete per login cost a write).
SWEEP_ONE_IN = 50


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


#: Built once: every login initiation runs it (building a statement costs more CPU than running it).
_NEW_STATE = insert(LoginState)
#: On PostgreSQL the login's one write is its own transaction (autocommit: no BEGIN, no
#: COMMIT round trip, see ``activities.db``), and drops its wait for the disk (``commits.py``)
#: in the same statement.
_NEW_STATE_ON_POSTGRESQL: ReturningInsert[tuple[str]] = (
    insert(LoginState).returning(literal_column(WITHOUT_DISK_WAIT_EXPRESSION))
    .execution_options(**{WRITE_ON_ITS_OWN: True}))


def begin_login(session: Session, settings: Settings, params: Mapping[str, str]) -> str:
    """Check the login initiation and return the authorization URL to redirect to."""
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

    platform = find_platform(session, issuer, client_id)
    if deployment_id and deployment_id not in platform.deployment_ids:
        raise LoginRequestInvalid(f"deployment {deployment_id!r} is not registered for {issuer} / {platform.client_id}")

    if platform.registered_by == "dynamic" and not same_origin(platform.auth_login_url, platform.issuer):
        raise LoginRequestInvalid(
            f"platform {platform.id} (dynamically registered) has its auth login URL "
            f"{platform.auth_login_url!r} off the issuer's origin {platform.issuer!r}; not redirecting there"
        )

    now = utcnow()
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    platform_id = platform.id
    values = {"state": state, "nonce": nonce, "platform_id": platform_id, "target_link_uri": target_link_uri,
              "created_at": now, "expires_at": now + STATE_LIFETIME}
    try:
        connection = session.connection()
        if secrets.randbelow(SWEEP_ONE_IN) == 0:
            connection.execute(delete(LoginState).where(LoginState.expires_at < now))
        if connection.dialect.name == "postgresql":
            connection.execute(_NEW_STATE_ON_POSTGRESQL, values).first()
            disk_wait_dropped(session)
        else:
            connection.execute(_NEW_STATE, values)
        commit_without_disk_wait(session)
    except IntegrityError as error:
        # Removed by another process since this one cached it (registry.CACHE_SECONDS).
        session.rollback()
        forget_cached_platforms()
        raise UnknownPlatform(f"platform {platform_id} was removed") from error

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

