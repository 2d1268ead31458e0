"""The one place that verifies an LTI launch (LTI 1.3 §5.1.3; Security Framework §5.1.3).

``verify_launch`` takes the posted form and returns a :class:`VerifiedLaunch`
or raises one of :mod:`lti_tool.lti1p3.exceptions`. Nothing after it re-checks a token.
"""

from __future__ import annotations

import binascii
import dataclasses
import datetime as dt
import json
import secrets
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import jwt
from jwt.utils import base64url_decode
from pylti1p3.exception import LtiException
from pylti1p3.message_validators import get_validators
from sqlalchemy import bindparam, delete, select, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from activities.db import UTCDateTime, utcnow
from config import Settings

from ..models import Platform, UsedNonce
from . import exceptions as exc
from . import id_token
from .commits import commit_without_disk_wait
from .oidc import STATE_LIFETIME, read_state
from .platform_keys import PlatformKeys
from .registry import forget_cached_platforms, get_platform

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"

#: A JSON object from a platform: its values are checked where they are read.
JsonObject = dict[str, Any]

RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
SUPPORTED_MESSAGES = {RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST}

#: An id_token from Moodle is 3 to 5 KB; anything near this is an attack or a bug.
MAX_TOKEN_BYTES = 64 * 1024
#: A nonce is remembered at least as long as a token carrying it could still be valid, and
#: longer than the state carrying it (``STATE_LIFETIME``), which its record uses up.
NONCE_MEMORY = dt.timedelta(hours=2)
assert NONCE_MEMORY > STATE_LIFETIME
#: One launch in this many deletes the expired nonces (they only take room; the
#: primary key, not their absence, is what refuses a replay).
SWEEP_ONE_IN = 50


@dataclasses.dataclass(frozen=True)
class VerifiedLaunch:
    platform: Platform
    claims: JsonObject

    def claim(self, name: str, default: Any = None) -> Any:
        return self.claims.get(CLAIM + name, default)

    # The shapes below are the ones verify_launch checked before making a VerifiedLaunch.

    @property
    def message_type(self) -> str:
        value: str = self.claim("message_type")
        return value

    @property
    def deployment_id(self) -> str:
        value: str = self.claim("deployment_id")
        return value

    @property
    def roles(self) -> list[str]:
        value: list[str] = self.claim("roles", [])
        return value

    @property
    def context(self) -> JsonObject:
        value: JsonObject = self.claim("context") or {}
        return value

    @property
    def resource_link(self) -> JsonObject:
        value: JsonObject = self.claim("resource_link") or {}
        return value

    @property
    def custom(self) -> JsonObject:
        value: JsonObject = self.claim("custom") or {}
        return value

    @property
    def ags(self) -> JsonObject | None:
        value: JsonObject | None = self.claims.get(AGS_CLAIM)
        return value

    @property
    def nrps(self) -> JsonObject | None:
        value: JsonObject | None = self.claims.get(NRPS_CLAIM)
        return value

    @property
    def deep_linking(self) -> JsonObject | None:
        value: JsonObject | None = self.claims.get(DL_CLAIM)
        return value

    @property
    def locale(self) -> str:
        presentation = self.claim("launch_presentation") or {}
        return str(presentation.get("locale") or self.claims.get("locale") or "")

    @property
    def return_url(self) -> str | None:
        presentation = self.claim("launch_presentation") or {}
        url = presentation.get("return_url")
        return url if isinstance(url, str) else None  # the platform's JSON may hold anything here


# Statements every launch runs, built once: building one costs more CPU than running it.

def _nonce_insert(insert: Callable[[type[UsedNonce]], Any]) -> Any:
    """The state used up: its nonce recorded, unless it was already (``ON CONFLICT DO NOTHING``:
    no row returned rather than an error, so the transaction stays usable) or its platform
    was removed (the insert selects the platform's row: nothing to select, nothing recorded,
    no foreign-key error). The primary key makes a second use fail atomically, whichever
    process or host sees it (no check-then-insert race). ``insert`` is the dialect's (each
    has its own ``on_conflict_do_nothing``)."""
    return (
        insert(UsedNonce)
        .from_select(["platform_id", "nonce", "expires_at"],
                     select(Platform.id, bindparam("nonce", type_=UsedNonce.nonce.type),
                            bindparam("nonce_expires_at", type_=UTCDateTime()))
                     .where(Platform.id == bindparam("the_platform_id")))
        .on_conflict_do_nothing()
        .returning(UsedNonce.nonce)
    )


_RECORD_NONCE = {"postgresql": _nonce_insert(postgresql_insert), "sqlite": _nonce_insert(sqlite_insert)}

#: PostgreSQL: the state used up within the launch's one statement, whose other parts are
#: written only if this records the nonce (``sessions._launch_on_postgresql``): one round trip
#: for the used-up state, the launch's read and, on a relaunch, its whole write, committed on
#: its own (autocommit). A concurrent launch with the same state waits for this one's commit
#: and then finds the nonce recorded.
NONCE_RECORDED = _nonce_insert(postgresql_insert).cte("nonce_recorded")
_PLATFORM_KEPT = text("SELECT EXISTS (SELECT 1 FROM lti_platform WHERE id = :platform_id)")

#: SQLite, before the checks: the same two facts, read (the nonce is recorded last, see
#: :func:`use_up`), so that a replay or a removed platform is refused before any work.
_READ_USE_SQLITE = text("""
SELECT EXISTS (SELECT 1 FROM lti_used_nonce WHERE platform_id = :platform_id AND nonce = :nonce) AS used,
       EXISTS (SELECT 1 FROM lti_platform WHERE id = :platform_id) AS platform_kept
""")


class _Login(NamedTuple):
    """What the launch knows from its state (:func:`oidc.read_state`)."""

    platform_id: int
    nonce: str


def _platform_removed() -> exc.LtiError:
    """The login's platform is no longer in the database: removed by another process since
    this one cached it (``registry.CACHE_SECONDS``), so the cache is forgotten too."""
    forget_cached_platforms()
    return exc.UnknownPlatform("the platform of this login was removed")


def _not_usable(platform_kept: bool) -> exc.LtiError:
    """Why a state's nonce is (or cannot be) recorded: used before, or its platform removed."""
    if not platform_kept:
        return _platform_removed()
    return exc.StateInvalid("state was already used (its nonce is recorded)")


def nonce_parameters(platform_id: int, nonce: str) -> dict[str, object]:
    """The parameters of :func:`_nonce_insert`'s statements (:data:`NONCE_RECORDED` among them)."""
    return {"the_platform_id": platform_id, "nonce": nonce, "nonce_expires_at": utcnow() + NONCE_MEMORY}


def not_used_up(session: Session, verified: VerifiedLaunch) -> exc.LtiError:
    """Why :data:`NONCE_RECORDED` recorded nothing: the state was used, or its platform removed."""
    platform_kept = session.connection().execute(_PLATFORM_KEPT, {"platform_id": verified.platform.id}).scalar()
    return _not_usable(bool(platform_kept))


def _check_unused(session: Session, login: _Login) -> None:
    """SQLite: refuse a state already used, or of a removed platform, before the checks."""
    used, platform_kept = session.connection().execute(
        _READ_USE_SQLITE, {"platform_id": login.platform_id, "nonce": login.nonce}).one()
    if used or not platform_kept:
        raise _not_usable(platform_kept)


def _record_nonce(session: Session, platform_id: int, nonce: str) -> bool:
    """Record the state's nonce (:func:`_nonce_insert`); True if this request did."""
    connection = session.connection()  # Core: the ORM adds nothing to this
    inserted = connection.execute(_RECORD_NONCE[connection.dialect.name], nonce_parameters(platform_id, nonce)).first()
    return inserted is not None


def _header(token: str) -> JsonObject:
    # Only the header segment is read here (PyJWT's get_unverified_header checks the
    # whole token's alphabet too, and id_token.decode does that again in _decode).
    segments = token.split(".")
    try:
        if len(segments) != 3:
            raise ValueError("not three segments")
        header = json.loads(base64url_decode(segments[0].encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError) as error:
        raise exc.TokenMalformed(f"id_token is not a JWT: {error}") from error
    if not isinstance(header, dict):
        raise exc.TokenMalformed("id_token header is not a JSON object")
    # Security Framework §5.1.3 step 4: RS256 only. Refusing everything else here
    # closes "alg: none" and HS256-signed-with-the-public-key tricks.
    if header.get("alg") != "RS256":
        raise exc.SignatureInvalid(f"id_token alg {header.get('alg')!r} is not RS256")
    if not isinstance(header.get("kid"), str) or not header["kid"]:
        raise exc.KeyNotFound("id_token header has no kid")
    return header


_REQUIRED_CLAIMS = ("exp", "iat", "iss", "aud", "nonce")


def _decode(token: str, platform: Platform, keys: PlatformKeys, settings: Settings, kid: str) -> JsonObject:
    key = keys.key_for(platform.key_set_url, kid)
    try:
        return id_token.decode(token, key, audience=platform.client_id, issuer=platform.issuer,
                               leeway=settings.jwt_leeway, require=_REQUIRED_CLAIMS)
    except jwt.exceptions.InvalidSignatureError as error:
        raise exc.SignatureInvalid("id_token signature does not verify with the platform key") from error
    except jwt.exceptions.ExpiredSignatureError as error:
        raise exc.TokenExpired("id_token has expired") from error
    except jwt.exceptions.ImmatureSignatureError as error:
        raise exc.TokenExpired("id_token iat is in the future") from error
    except jwt.exceptions.InvalidAudienceError as error:
        raise exc.ClaimInvalid(f"id_token aud does not include client_id {platform.client_id}") from error
    except jwt.exceptions.InvalidIssuerError as error:
        raise exc.ClaimInvalid(f"id_token iss is not {platform.issuer}") from error
    except jwt.exceptions.MissingRequiredClaimError as error:
        raise exc.ClaimInvalid(f"id_token lacks claim {error.claim!r}") from error
    except jwt.exceptions.DecodeError as error:
        raise exc.TokenMalformed(f"id_token cannot be decoded: {error}") from error
    except jwt.exceptions.InvalidTokenError as error:
        raise exc.ClaimInvalid(f"id_token is invalid: {error}") from error


def _check_types(claims: JsonObject, platform: Platform) -> None:
    """Claim shapes LTI 1.3 §5.3 and §5.4 require; pylti1p3 checks presence only."""
    aud = claims.get("aud")
    if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != platform.client_id:
        # Security Framework §5.1.3 step 3-4: several audiences need azp = our client_id.
        raise exc.ClaimInvalid("id_token has several audiences and azp is not our client_id")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise exc.ClaimInvalid("sub must be a non-empty string")
    roles = claims.get(CLAIM + "roles")
    if not isinstance(roles, list) or not all(isinstance(role, str) for role in roles):
        raise exc.ClaimInvalid("roles must be a list of strings")
    version = claims.get(CLAIM + "version")
    if version != "1.3.0":
        raise exc.ClaimInvalid(f"LTI version {version!r} is not 1.3.0")
    context = claims.get(CLAIM + "context")
    if not isinstance(context, dict) or not isinstance(context.get("id"), str) or not context["id"]:
        raise exc.ClaimInvalid("context claim with a string id is required")
    for name in ("custom", "launch_presentation", "resource_link"):
        value = claims.get(CLAIM + name)
        if value is not None and not isinstance(value, dict):
            raise exc.ClaimInvalid(f"{name} claim must be an object")
    for name in (AGS_CLAIM, NRPS_CLAIM, DL_CLAIM):
        value = claims.get(name)
        if value is not None and not isinstance(value, dict):
            raise exc.ClaimInvalid(f"{name} must be an object")


def verify_launch(session: Session, settings: Settings, keys: PlatformKeys, form: Mapping[str, str]) -> VerifiedLaunch:
    """The launch, verified: the caller then reads what it needs and writes what the launch
    establishes, with the state used up (its nonce recorded): on SQLite last (:func:`use_up`),
    committing it all at once; on PostgreSQL first, in the statement that reads and, on a
    relaunch, writes the whole launch (:data:`NONCE_RECORDED`). Or :func:`refuse` if anything
    refuses it. A refusal here commits the used-up state before raising. The state's
    signature and age are checked with no database access (:func:`oidc.read_state`); nothing
    is written before the checks pass.

    On SQLite reads first, the one write last: the first write of a transaction takes the
    one write lock until the commit (every other process's launch waits for as long as this
    one works after it). On PostgreSQL a relaunch is that one statement, one round trip.
    """
    token = form.get("id_token") or ""
    state = form.get("state") or ""
    if not token:
        raise exc.LaunchRequestInvalid("no id_token in the launch")
    if len(token) > MAX_TOKEN_BYTES:
        raise exc.LaunchRequestInvalid(f"id_token is {len(token)} bytes, more than {MAX_TOKEN_BYTES}")
    if not state:
        raise exc.StateInvalid("no state in the launch")
    header = _header(token)
    login = _Login(*read_state(settings.secret_key, state))  # a state Padu did not sign: nothing to use up
    try:
        if session.get_bind().dialect.name != "postgresql":
            # A replay, or a removed platform, refused before the checks (PostgreSQL finds
            # both in the launch's statement, :data:`NONCE_RECORDED`: one read fewer).
            _check_unused(session, login)
        return _verify(session, settings, keys, token, header, login)
    except exc.LtiError:
        # A refused launch still uses up its state (its nonce recorded): nothing else was
        # written yet, so this commits only that.
        _record_nonce(session, login.platform_id, login.nonce)
        commit_without_disk_wait(session)
        raise


def _verify(session: Session, settings: Settings, keys: PlatformKeys, token: str, header: JsonObject,
            login: _Login) -> VerifiedLaunch:
    platform = get_platform(session, login.platform_id)
    if platform is None:
        raise _platform_removed()

    claims = _decode(token, platform, keys, settings, header["kid"])
    if claims.get("nonce") != login.nonce:
        raise exc.ClaimInvalid("nonce does not match the one sent with this state")
    message_type = claims.get(CLAIM + "message_type")
    if message_type not in SUPPORTED_MESSAGES:
        raise exc.MessageTypeUnsupported(f"message type {message_type!r} is not supported")
    _check_types(claims, platform)
    deployment_id = claims.get(CLAIM + "deployment_id")
    if not isinstance(deployment_id, str) or deployment_id not in platform.deployment_ids:
        raise exc.DeploymentUnknown(f"deployment {deployment_id!r} is not registered for this platform")
    for validator in get_validators():
        if validator.can_validate(claims):
            try:
                validator.validate(claims)
            except LtiException as error:
                raise exc.ClaimInvalid(str(error)) from error
    if message_type == RESOURCE_LINK_REQUEST and not isinstance((claims.get(CLAIM + "resource_link") or {}).get("id"), str):
        raise exc.ClaimInvalid("resource_link id must be a string")
    return VerifiedLaunch(platform=platform, claims=claims)


def use_up(session: Session, verified: VerifiedLaunch) -> None:
    """Use up the launch's state (record its nonce), in ``session``'s transaction (the
    caller commits it with the rest of the launch): on SQLite, where the launch session
    is a write of its own (on PostgreSQL see :data:`NONCE_RECORDED`). Raises if a
    concurrent launch with the same state came first: then :func:`refuse`.
    """
    if not _record_nonce(session, verified.platform.id, verified.claims["nonce"]):
        raise exc.StateInvalid("state was already used")  # by a concurrent launch with the same state
    sweep_nonces(session)


def sweep_nonces(session: Session) -> None:
    """Expired nonces are swept by a small share of launches (they only take room: the
    primary key, not their absence, is what refuses a replay)."""
    if secrets.randbelow(SWEEP_ONE_IN) == 0:
        session.execute(delete(UsedNonce).where(UsedNonce.expires_at < utcnow()))


def refuse(session: Session, verified: VerifiedLaunch) -> None:
    """A launch refused after its checks: nothing it did is kept, but its state is used up
    (its nonce, which the id_token carries as the state does, recorded)."""
    session.rollback()
    _record_nonce(session, verified.platform.id, verified.claims["nonce"])
    commit_without_disk_wait(session)


def describe(claims: JsonObject) -> str:
    """A compact one-line summary of a launch for the log (no personal data)."""
    return json.dumps(
        {
            "iss": claims.get("iss"),
            "sub": claims.get("sub"),
            "context": (claims.get(CLAIM + "context") or {}).get("id"),
            "message_type": claims.get(CLAIM + "message_type"),
        }
    )
