"""One-time Dynamic Registration invitations (``padu platform invite``).

LTI Dynamic Registration 1.0 §3.3 lets whoever opens the tool's registration
URL with an ``openid_configuration`` make the tool fetch that URL and store the
platform it describes. Open to the world, that lets anyone register a
"platform" of their own with Padu. So an operator with a shell makes an
invitation, and only ``/lti/register/<code>`` with an unused, unexpired code
registers. The code is shown once; the database keeps its SHA-256 hash.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from activities.db import rowcount, utcnow
from config import Settings

from ..models import Platform, RegistrationInvite

#: Longest code accepted in a URL before hashing; ours are 43 characters.
MAX_CODE_LENGTH = 100
MAX_NOTE_LENGTH = 255
_DURATION = re.compile(r"^\s*(\d{1,6})\s*([mhd])\s*$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class InvitationError(ValueError):
    """An invitation cannot be made as asked; the message says why."""


@dataclasses.dataclass(frozen=True)
class NewInvitation:
    invite: RegistrationInvite
    code: str
    url: str


def parse_duration(text: str) -> dt.timedelta:
    """``30m``, ``24h``, ``7d`` → a timedelta (at least one minute, at most a year)."""
    match = _DURATION.match(text or "")
    if not match:
        raise InvitationError(f"a duration is a number and m, h or d (30m, 24h, 7d), not {text!r}")
    duration = dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    if not dt.timedelta(minutes=1) <= duration <= dt.timedelta(days=366):
        raise InvitationError("an invitation lasts from 1 minute to 366 days")
    return duration


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def registration_url(settings: Settings, code: str) -> str:
    return settings.url(f"/lti/register/{code}")


def create(session: Session, settings: Settings, *, lifetime: dt.timedelta, note: str = "") -> NewInvitation:
    """Make an invitation and flush it; the caller commits. The code exists only in the answer."""
    note = (note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise InvitationError(f"the note is longer than {MAX_NOTE_LENGTH} characters")
    code = secrets.token_urlsafe(32)
    invite = RegistrationInvite(code_hash=code_hash(code), note=note, expires_at=utcnow() + lifetime)
    session.add(invite)
    session.flush()
    return NewInvitation(invite, code, registration_url(settings, code))


def find_usable(session: Session, code: str) -> RegistrationInvite | None:
    """The invitation ``code`` names if it is unused and unexpired; else None (unknown, used, expired alike)."""
    if not code or len(code) > MAX_CODE_LENGTH:
        return None
    invite = session.scalar(select(RegistrationInvite).where(RegistrationInvite.code_hash == code_hash(code)))
    if invite is None or invite.used_at is not None or invite.expires_at <= utcnow():
        return None
    return invite


def consume(session: Session, invite_id: int, platform: Platform) -> bool:
    """Mark the invitation used by ``platform``, in the caller's transaction.

    One conditional UPDATE: of two registrations racing on one code, the second
    finds ``used_at`` set (PostgreSQL re-checks the WHERE after the first
    commits; SQLite serialises writers) and gets False, so its caller rolls
    back instead of storing a second platform.
    """
    now = utcnow()
    used = rowcount(session.execute(
        update(RegistrationInvite)
        .where(RegistrationInvite.id == invite_id, RegistrationInvite.used_at.is_(None),
               RegistrationInvite.expires_at > now)
        .values(used_at=now, platform_id=platform.id)
        .execution_options(synchronize_session=False)
    ))
    return used == 1


def by_platform(session: Session) -> dict[int, RegistrationInvite]:
    """Each platform registered through an invitation, mapped to that invitation."""
    rows = session.scalars(select(RegistrationInvite).where(RegistrationInvite.platform_id.is_not(None)))
    return {row.platform_id: row for row in rows if row.platform_id is not None}  # the query's own condition
