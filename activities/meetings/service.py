"""The meeting services the web layer calls, in one place.

Each takes the caller's SQLAlchemy session and leaves committing to it, so an
attendance mark, its audit entry (the gating audit trail, :func:`activities.gating.service.audit`),
the recomputed phase states and the gate grades they queue are saved together
or not at all (:func:`activities.events.fact_changed`). Each refuses a broken
rule with one exception from :mod:`.exceptions` before changing anything.

Who may do what: staff and facilitators plan meetings and mark attendance;
a learner only checks in, for themself, with the code shown in the meeting.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Collection, Sequence
from typing import Protocol
from urllib.parse import urlsplit

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import events
from ..core import Membership, Person, Role
from ..csv_export import csv_text
from ..db import JsonObject, utcnow
from ..gating.models import Phase, Program
from ..gating.service import audit
from . import codes, policy
from .exceptions import (
    AlreadyRecorded,
    Cancelled,
    CheckInClosed,
    MeetingInvalid,
    NotAllowed,
    NotExpected,
    NotFound,
    TooManyTries,
    WrongCode,
)
from .facts import Tally, percent, tallies
from .models import Attendance, How, Meeting, MeetingKind, Status
from .policy import DEFAULT as DEFAULT_POLICY
from .policy import Policy as Policy  # re-exported for the web layer

MAX_TITLE = 200
MAX_NOTE = 500
MAX_LINK = 1000
MAX_PLACE = 500
STATUSES = tuple(s.value for s in Status)
KINDS = tuple(k.value for k in MeetingKind)


class TryCounter(Protocol):
    """Counts check-in tries across processes (the runtime cache: memory, or Redis when configured)."""

    def incr(self, key: str, ttl: float) -> int: ...


class When(str, enum.Enum):
    NOW = "now"  # check-in is open
    UPCOMING = "upcoming"
    PAST = "past"


@dataclasses.dataclass(frozen=True)
class LearnerMeeting:
    meeting: Meeting
    attendance: Attendance | None
    when: When


@dataclasses.dataclass(frozen=True)
class LiveCode:
    code: str
    seconds_left: int
    open: bool


# ---- helpers ----------------------------------------------------------------------------------


def _facilitator(role: Role) -> None:
    if not Role(role).can_facilitate:
        raise NotAllowed("only staff and facilitators of the course")


def _members(session: Session, course_id: int, roles: Collection[Role]) -> list[Person]:
    return list(session.scalars(
        select(Person).join(Membership, Membership.person_id == Person.id)
        .where(Membership.course_id == course_id, Membership.role.in_([r.value for r in roles]))
        .order_by(Person.name, Person.id)))


def course_learners(session: Session, course_id: int) -> list[Person]:
    """Every learner of the course (launched or only on the roster), by name."""
    return _members(session, course_id, (Role.LEARNER,))


def course_facilitators(session: Session, course_id: int) -> list[Person]:
    return _members(session, course_id, (Role.FACILITATOR, Role.STAFF))


def _learner_ids(session: Session, course_id: int) -> list[int]:
    return list(session.scalars(select(Membership.person_id).where(
        Membership.course_id == course_id, Membership.role == Role.LEARNER.value)))


def _program_phase(program: Program, phase_id: int) -> Phase:
    for phase in program.phases:
        if phase.id == phase_id:
            return phase
    raise MeetingInvalid("phase_id", "a phase of this course's program")


def _text(value: str | None, field: str, maximum: int, *, required: bool) -> str:
    text = (value or "").strip()
    if (required and not text) or len(text) > maximum:
        raise MeetingInvalid(field, f"1 to {maximum} characters" if required else f"at most {maximum} characters")
    return text


def _link(value: str | None) -> str:
    """A meeting link people can open: http(s) with a host (never ``javascript:`` in an ``href``)."""
    text = _text(value, "link", MAX_LINK, required=True)
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.netloc or any(ch.isspace() for ch in text):
        raise MeetingInvalid("link", "a web address starting with https://")
    return text


def _ids(session: Session, course_id: int, chosen: Sequence[int], roles: Collection[Role], field: str) -> list[int]:
    allowed = {p.id for p in _members(session, course_id, roles)}
    picked = list(dict.fromkeys(chosen))
    if not set(picked) <= allowed:
        raise MeetingInvalid(field, "people of this course")
    return picked


def _not_cancelled(meeting: Meeting) -> None:
    if meeting.cancelled:
        raise Cancelled(f"meeting {meeting.id} is cancelled")


def _describe(meeting: Meeting) -> JsonObject:
    return {"meeting_id": meeting.id, "title": meeting.title, "kind": meeting.kind,
            "starts_at": meeting.starts_at.isoformat(), "ends_at": meeting.ends_at.isoformat(),
            "link": meeting.link, "place": meeting.place, "facilitator_ids": list(meeting.facilitator_ids),
            "learner_ids": list(meeting.learner_ids) if meeting.learner_ids is not None else None,
            "cancelled_at": meeting.cancelled_at.isoformat() if meeting.cancelled_at else None}


# ---- reading ----------------------------------------------------------------------------------


def meetings_of(session: Session, program: Program, *, phase_id: int | None = None) -> list[Meeting]:
    """The program's meetings in time order (of one phase, if given)."""
    query = select(Meeting).where(Meeting.course_id == program.course_id)
    if phase_id is not None:
        query = query.where(Meeting.phase_id == phase_id)
    return list(session.scalars(query.order_by(Meeting.starts_at, Meeting.id)))


def meeting_of(session: Session, program: Program, meeting_id: int) -> Meeting:
    """The meeting if it is of the program's course, else :class:`NotFound` (another course's ids are unknown)."""
    meeting = session.get(Meeting, meeting_id)
    if meeting is None or meeting.course_id != program.course_id:
        raise NotFound(f"meeting {meeting_id} is not of course {program.course_id}")
    return meeting


def when(meeting: Meeting, now: dt.datetime, rules: Policy = DEFAULT_POLICY) -> When:
    if policy.check_in_open(meeting, now, rules) and not meeting.cancelled:
        return When.NOW
    return When.UPCOMING if now < meeting.starts_at else When.PAST


def too_long(meeting: Meeting, rules: Policy = DEFAULT_POLICY) -> bool:
    """Planned longer than the setting (3 hours by default): LAN found over-long sessions wear learners out."""
    return policy.too_long(meeting.starts_at, meeting.ends_at, rules)


def learner_meetings(session: Session, program: Program, learner_id: int, *, phase_id: int | None = None,
                     now: dt.datetime | None = None, rules: Policy = DEFAULT_POLICY) -> list[LearnerMeeting]:
    """The meetings for a learner with their own record: those open for check-in now, then the upcoming
    ones (soonest first), then the past ones (latest first). Two statements."""
    now = now or utcnow()
    found = [m for m in meetings_of(session, program, phase_id=phase_id) if m.expects(learner_id)]
    records = {a.meeting_id: a for a in session.scalars(select(Attendance).where(
        Attendance.learner_id == learner_id, Attendance.meeting_id.in_([m.id for m in found])))} if found else {}
    items = [LearnerMeeting(m, records.get(m.id), when(m, now, rules)) for m in found]
    order = {When.NOW: 0, When.UPCOMING: 1, When.PAST: 2}
    items.sort(key=lambda i: (order[i.when], i.meeting.starts_at.timestamp() * (-1 if i.when is When.PAST else 1)))
    return items


def roster(session: Session, program: Program, meeting: Meeting) -> list[tuple[Person, Attendance | None]]:
    """The learners the meeting is for, by name, each with their record (None: nothing recorded)."""
    records = {a.learner_id: a for a in session.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id))}
    return [(p, records.get(p.id)) for p in course_learners(session, program.course_id) if meeting.expects(p.id)]


def checked_in(session: Session, meeting: Meeting) -> int:
    """How many learners are recorded present or late at the meeting (the live screen's count)."""
    return session.scalar(select(func.count(Attendance.id)).where(
        Attendance.meeting_id == meeting.id,
        Attendance.status.in_([Status.PRESENT.value, Status.LATE.value]))) or 0


def live(meeting: Meeting, now: dt.datetime | None = None, rules: Policy = DEFAULT_POLICY) -> LiveCode:
    """The code to show now, the seconds until it changes, and whether check-in is open."""
    now = now or utcnow()
    return LiveCode(codes.current_code(meeting.secret, now), codes.seconds_left(now),
                    policy.check_in_open(meeting, now, rules) and not meeting.cancelled)


def learner_record(session: Session, program: Program, learner_id: int,
                   now: dt.datetime | None = None) -> tuple[list[LearnerMeeting], Tally]:
    """A learner's meetings (as :func:`learner_meetings`) and their tally of the course so far."""
    now = now or utcnow()
    items = learner_meetings(session, program, learner_id, now=now)
    return items, tallies(session, program.course_id, [learner_id], so_far=now)[learner_id]


def attendance_percent(tally: Tally) -> float | None:
    return percent(tally)


def course_tallies(session: Session, program: Program, learner_ids: Collection[int],
                   now: dt.datetime | None = None) -> dict[int, Tally]:
    return tallies(session, program.course_id, learner_ids, so_far=now or utcnow())


# ---- planning meetings ------------------------------------------------------------------------


def save_meeting(session: Session, program: Program, actor: Person, role: Role, meeting_id: int | None = None, *,
                 phase_id: int, title: str, kind: str, link: str = "", place: str = "",
                 starts_at: dt.datetime | None, ends_at: dt.datetime | None,
                 facilitator_ids: Sequence[int] = (), learner_ids: Sequence[int] = (),
                 now: dt.datetime | None = None) -> Meeting:
    """Add a meeting (``meeting_id`` None) or change one; audited, and every learner's gates recomputed
    (a new meeting, or a group changed, changes what "N % of the phase's meetings" means)."""
    _facilitator(role)
    now = now or utcnow()
    meeting = meeting_of(session, program, meeting_id) if meeting_id is not None else None
    if meeting is not None:
        _not_cancelled(meeting)
    phase = _program_phase(program, phase_id)
    title = _text(title, "title", MAX_TITLE, required=True)
    if kind not in KINDS:
        raise MeetingInvalid("kind", "online or in person")
    link = _link(link) if kind == MeetingKind.ONLINE.value else _text(link, "link", MAX_LINK, required=False)
    place = _text(place, "place", MAX_PLACE, required=kind == MeetingKind.IN_PERSON.value)
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not isinstance(value, dt.datetime) or value.tzinfo is None:
            raise MeetingInvalid(name, "a date and time")
    assert starts_at is not None and ends_at is not None  # checked just above; mypy reads no loop
    if ends_at <= starts_at:
        raise MeetingInvalid("ends_at", "after the start")
    facilitators = _ids(session, program.course_id, facilitator_ids, (Role.FACILITATOR, Role.STAFF), "facilitator_ids")
    group = _ids(session, program.course_id, learner_ids, (Role.LEARNER,), "learner_ids") or None
    before = _describe(meeting) if meeting is not None else None
    if meeting is None:
        meeting = Meeting(course_id=program.course_id, created_by=actor.id, created_at=now)
        session.add(meeting)
    meeting.phase_id, meeting.title, meeting.kind, meeting.link, meeting.place = phase.id, title, kind, link, place
    meeting.starts_at, meeting.ends_at = starts_at, ends_at
    meeting.facilitator_ids, meeting.learner_ids = facilitators, group
    meeting.updated_at = now
    session.flush()
    audit(session, program, actor, "meeting_added" if before is None else "meeting_edited", phase_id=phase.id,
          reason=title, before=before, after=_describe(meeting), now=now)
    events.fact_changed(session, program.course_id, _learner_ids(session, program.course_id))
    return meeting


def cancel_meeting(session: Session, program: Program, meeting: Meeting, actor: Person, role: Role, *,
                   reason: str = "", now: dt.datetime | None = None) -> Meeting:
    """Cancel a meeting (staff and facilitators; a meeting is never deleted). It stays listed, as cancelled,
    so learners are not left wondering where it went; its marks stay for the record but count for no one's
    attendance from now on. Audited with the reason, and the phase states of the learners it was for are
    recomputed in the same transaction (their attendance percent changes)."""
    _facilitator(role)
    now = now or utcnow()
    reason = _text(reason, "reason", MAX_NOTE, required=False)
    _not_cancelled(meeting)
    before = _describe(meeting)
    meeting.cancelled_at = now
    meeting.updated_at = now
    session.flush()
    audit(session, program, actor, "meeting_cancelled", phase_id=meeting.phase_id, reason=reason or meeting.title,
          before=before, after=_describe(meeting), now=now)
    learners = _learner_ids(session, program.course_id)
    events.fact_changed(session, program.course_id,
                        learners if meeting.learner_ids is None else [i for i in learners if meeting.expects(i)])
    return meeting


# ---- attendance -------------------------------------------------------------------------------


def _record(session: Session, program: Program, meeting: Meeting, actor: Person, learner_id: int, status: Status,
            how: How, note: str, now: dt.datetime, existing: Attendance | None) -> Attendance:
    """Store one learner's mark and put it in the audit trail; the caller recomputes."""
    before: JsonObject | None = {"status": existing.status, "how": existing.how} if existing else None
    record = existing or Attendance(meeting_id=meeting.id, learner_id=learner_id)
    record.status, record.how, record.note = status.value, how.value, note
    record.recorded_by, record.recorded_at = actor.id, now
    if existing is None:
        session.add(record)
    audit(session, program, actor, "attendance_check_in" if how is How.CHECK_IN else "attendance_marked",
          learner_id=learner_id, phase_id=meeting.phase_id, reason=note or meeting.title, before=before,
          after={"meeting_id": meeting.id, "status": status.value, "how": how.value}, now=now)
    return record


def _existing(session: Session, meeting: Meeting, learner_id: int) -> Attendance | None:
    return session.scalar(select(Attendance).where(Attendance.meeting_id == meeting.id,
                                                   Attendance.learner_id == learner_id))


def _expected_learner(session: Session, program: Program, meeting: Meeting, learner_id: int) -> None:
    if session.scalar(select(Membership.id).where(
            Membership.course_id == program.course_id, Membership.person_id == learner_id,
            Membership.role == Role.LEARNER.value)) is None:
        raise NotFound(f"person {learner_id} is not a learner of this course")
    if not meeting.expects(learner_id):
        raise NotExpected(f"meeting {meeting.id} is not for learner {learner_id}")


def mark(session: Session, program: Program, meeting: Meeting, actor: Person, role: Role, learner_id: int,
         status: str, *, note: str = "", now: dt.datetime | None = None) -> Attendance:
    """A facilitator marks one learner (one tap on the roster grid); the learner's gates are recomputed."""
    _facilitator(role)
    now = now or utcnow()
    try:
        chosen = Status(status)
    except ValueError:
        raise MeetingInvalid("status", "present, late, excused or absent") from None
    note = _text(note, "note", MAX_NOTE, required=False)
    _not_cancelled(meeting)
    _expected_learner(session, program, meeting, learner_id)
    existing = _existing(session, meeting, learner_id)
    if existing is not None and existing.status == chosen.value and existing.note == note:
        return existing  # the same tap twice: nothing changed, nothing to audit
    record = _record(session, program, meeting, actor, learner_id, chosen, How.GRID, note, now, existing)
    session.flush()
    events.fact_changed(session, program.course_id, [learner_id])
    return record


def mark_all_present(session: Session, program: Program, meeting: Meeting, actor: Person, role: Role,
                     *, now: dt.datetime | None = None) -> int:
    """Everyone the meeting is for who has no mark yet is marked present (marks already made stay);
    returns how many were marked."""
    _facilitator(role)
    _not_cancelled(meeting)
    now = now or utcnow()
    marked = [p.id for p, record in roster(session, program, meeting) if record is None]
    for learner_id in marked:
        _record(session, program, meeting, actor, learner_id, Status.PRESENT, How.GRID, "", now, None)
    session.flush()
    events.fact_changed(session, program.course_id, marked)
    return len(marked)


def check_in(session: Session, program: Program, meeting: Meeting, learner: Person, role: Role, typed: str, *,
             tries: TryCounter, rules: Policy = DEFAULT_POLICY, now: dt.datetime | None = None) -> Attendance:
    """A learner checks in with the code shown in the meeting: present, or late after the setting.

    Refused: anyone but a learner (nobody checks in for someone else: the learner is the
    launch's person), a learner the meeting is not for, a second check-in, outside the
    window, after too many tries, and a wrong or expired code. Every try counts.
    """
    if Role(role) is not Role.LEARNER:
        raise NotAllowed("only learners check in, each for themself")
    now = now or utcnow()
    _not_cancelled(meeting)
    _expected_learner(session, program, meeting, learner.id)
    if _existing(session, meeting, learner.id) is not None:
        raise AlreadyRecorded(f"learner {learner.id} is already recorded at meeting {meeting.id}")
    if not policy.check_in_open(meeting, now, rules):
        raise CheckInClosed("check-in is closed", policy.check_in_opens(meeting, rules),
                            policy.check_in_closes(meeting, rules))
    window = int(now.timestamp()) // rules.tries_window_seconds
    count = tries.incr(f"meetings:check-in:{meeting.id}:{learner.id}:{window}", rules.tries_window_seconds)
    if count > rules.max_tries:
        retry_after = (window + 1) * rules.tries_window_seconds - int(now.timestamp())
        raise TooManyTries("too many check-in tries", max(1, retry_after))
    if not codes.accepted(meeting.secret, typed, now):
        raise WrongCode("not the code shown now")
    record = _record(session, program, meeting, learner, learner.id, policy.check_in_status(meeting, now, rules),
                     How.CHECK_IN, "", now, None)
    session.flush()
    events.fact_changed(session, program.course_id, [learner.id])
    return record


# ---- export -----------------------------------------------------------------------------------

CSV_HEADER = ("meeting_id", "meeting", "phase", "starts_at_utc", "learner", "email", "status", "how",
              "recorded_at_utc", "note")


def attendance_csv(session: Session, program: Program) -> str:
    """Every meeting × every learner it is for, with their record (empty status: nothing recorded);
    through :func:`activities.csv_export.csv_text`, safe from formula injection."""
    phases = {p.id: p.title for p in program.phases}
    learners = course_learners(session, program.course_id)
    meetings = meetings_of(session, program)
    records = {(a.meeting_id, a.learner_id): a for a in session.scalars(
        select(Attendance).where(Attendance.meeting_id.in_([m.id for m in meetings])))} if meetings else {}
    rows = []
    for m in meetings:
        for person in learners:
            if not m.expects(person.id):
                continue
            record = records.get((m.id, person.id))
            rows.append((m.id, m.title, phases.get(m.phase_id, ""), m.starts_at.isoformat(), person.display_name,
                         person.email or "", record.status if record else "", record.how if record else "",
                         record.recorded_at.isoformat() if record else "", record.note if record else ""))
    return csv_text(CSV_HEADER, rows)
