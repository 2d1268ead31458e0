"""A platform's web-services token: checking it, storing it sealed, and making a client with it.

Setting a token checks it at once with ``core_webservice_get_site_info``: the
token must belong to the platform's own site (the same wwwroot as the LTI
issuer, which Moodle sets to its wwwroot), and Padu names each function it
needs that the token's external service lacks, with the steps an
administrator takes to add them. The token itself is never logged or shown.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

import moodle_client as mc
from activities.db import utcnow
from activities.moodle.models import Connection
from lti_tool.outbound import GuardedSession

from ..models import Platform
from .token import seal, unseal

#: What Padu calls, by the feature that needs it (in the order a status lists them).
FEATURES: dict[str, tuple[str, ...]] = {
    "site": ("core_webservice_get_site_info",),
    "activities": ("core_course_get_contents",),
    "completion": ("core_completion_get_activities_completion_status",),
    "grades": ("gradereport_user_get_grade_items",),
    "groups": ("core_group_get_course_groups", "core_group_get_group_members"),
    "phase_groups": ("core_group_create_groups", "core_group_add_group_members",
                     "core_group_delete_group_members"),
    "messages": ("core_message_send_instant_messages",),
    "calendar": ("core_calendar_create_calendar_events", "core_calendar_delete_calendar_events"),
}
REQUIRED = tuple(name for names in FEATURES.values() for name in names)

ADMIN_STEPS = (
    "In Moodle, as an administrator: Site administration > Server > Web services > External services; "
    "on the service of this token press 'Functions', then 'Add functions', and add: {names}."
)


class ConnectionRefused(Exception):
    """The token cannot be used for this platform; ``reason`` says why in Padu's words."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclasses.dataclass(frozen=True)
class CheckResult:
    site_name: str
    release: str
    missing: tuple[str, ...]

    @property
    def admin_steps(self) -> str:
        return ADMIN_STEPS.format(names=", ".join(self.missing)) if self.missing else ""


def same_site(issuer: str, siteurl: str) -> bool:
    """Whether Moodle's wwwroot (site info's ``siteurl``) is the LTI issuer's site: scheme, host,
    port and path alike, case-insensitive in the host, a trailing slash ignored."""
    a, b = urlsplit(issuer.strip()), urlsplit(siteurl.strip())

    def key(parts):
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
        return parts.scheme.lower(), (parts.hostname or "").lower(), port, parts.path.rstrip("/")

    return key(a) == key(b)


def client(base_url: str, token: str, http: GuardedSession, timeout: float, *, retries: int = 1) -> mc.MoodleClient:
    """A client of the site's REST server through Padu's guarded HTTP session."""
    return mc.MoodleClient(base_url, token, session=http, timeout=timeout, retries=retries, backoff=0.5)


def check(platform: Platform, token: str, http: GuardedSession, timeout: float) -> CheckResult:
    """Ask Moodle about the token; :class:`ConnectionRefused` if it cannot serve this platform."""
    with client(platform.issuer, token, http, timeout) as moodle:
        try:
            info = mc.get_site_info(moodle)
        except mc.InvalidToken:
            raise ConnectionRefused("Moodle does not accept this token (unknown, expired, or its user "
                                    "is suspended)") from None
        except mc.AccessDenied:
            raise ConnectionRefused(
                "the token's service lacks core_webservice_get_site_info, which Padu needs to check it. "
                + ADMIN_STEPS.format(names="core_webservice_get_site_info")) from None
        except mc.TransportError as error:
            raise ConnectionRefused(f"Padu could not reach Moodle at {platform.issuer}: {error.message}") from None
        except mc.MoodleError as error:
            raise ConnectionRefused(f"Moodle refused the check ({error.errorcode or 'no error code'})") from None
    if not same_site(platform.issuer, info.siteurl):
        raise ConnectionRefused(f"this token belongs to {info.siteurl}, not to this platform ({platform.issuer})")
    have = {function.name for function in info.functions}
    return CheckResult(site_name=info.sitename, release=info.release,
                       missing=tuple(name for name in REQUIRED if name not in have))


def store(session: Session, secret_key: str, platform: Platform, token: str, result: CheckResult) -> Connection:
    """Keep the (checked) token sealed, with what the check found; in the caller's transaction."""
    row = session.get(Connection, platform.id)
    if row is None:
        row = Connection(platform_id=platform.id)
        session.add(row)
    row.token_sealed = seal(secret_key, token)
    row.site_name, row.release = result.site_name[:500], result.release[:100]
    row.missing_functions = list(result.missing)
    row.checked_at = utcnow()
    session.flush()
    return row


def clear(session: Session, platform_id: int) -> bool:
    """Forget the platform's token; False if it had none."""
    row = session.get(Connection, platform_id)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def connection_of(session: Session, platform_id: int) -> Connection | None:
    return session.get(Connection, platform_id)


def missing_for(connection: Connection | None, feature: str) -> tuple[str, ...]:
    """The functions ``feature`` needs that the token lacks (all of them without a token)."""
    names = FEATURES[feature]
    if connection is None:
        return names
    return tuple(name for name in names if name in (connection.missing_functions or []))


def client_for(session: Session, secret_key: str, platform_id: int, http: GuardedSession,
               timeout: float) -> mc.MoodleClient | None:
    """A client with the platform's stored token, or None without one."""
    row = session.get(Connection, platform_id)
    platform = session.get(Platform, platform_id)
    if row is None or platform is None:
        return None
    return client(platform.issuer, unseal(secret_key, row.token_sealed), http, timeout)
