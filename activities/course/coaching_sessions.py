"""Coaching sessions (*Sesi coaching*): the conversations a coach logs, and the actions the learner agreed to.

Not to be confused with a meeting (*Pertemuan*, a scheduled class meeting of
a phase) or the launch session. The count of coaching sessions feeds phase
gating ("at least N coaching sessions held"), so only the learner's coach or
staff of the course may log one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import events
from ..coaching.sanitize import clean_html, clean_line
from ..core import Course, Person, Role
from ..db import utcnow
from .access import may_coach
from .exceptions import CoachingSessionInvalid, NotYourCoachee
from .facts import coaching_session_counts
from .models import CoachingSession, CoachingSessionMode

MAX_NOTES = 20_000
MAX_ACTIONS = 20
MAX_ACTION = 500
#: Indonesia is up to nine hours ahead of UTC: "today" there may be tomorrow in UTC.
_DATE_SLACK = dt.timedelta(days=1)


def log_coaching_session(
    session: Session,
    course: Course,
    coach: Person,
    learner: Person,
    coach_role: Role,
    *,
    held_on: dt.date,
    mode: CoachingSessionMode | str,
    notes: str = "",
    agreed_actions: Sequence[str] = (),
    now: dt.datetime | None = None,
) -> CoachingSession:
    """Record a coaching conversation that took place (not one planned for later)."""
    if not may_coach(session, course.id, coach.id, coach_role, learner.id):
        raise NotYourCoachee("only the learner's coach or staff of the course may log a coaching session")
    now = now or utcnow()
    if not isinstance(held_on, dt.date) or isinstance(held_on, dt.datetime):
        raise CoachingSessionInvalid("held_on", "must be a date")
    if held_on > (now + _DATE_SLACK).date():
        raise CoachingSessionInvalid("held_on", "a coaching session is logged after it took place")
    try:
        mode = CoachingSessionMode(mode)
    except ValueError:
        raise CoachingSessionInvalid("mode", "online or in_person") from None
    notes_html = clean_html(notes)
    if len(notes_html) > MAX_NOTES:
        raise CoachingSessionInvalid("notes", f"at most {MAX_NOTES} characters")
    actions = _actions(agreed_actions)
    record = CoachingSession(course_id=course.id, coach_id=coach.id, learner_id=learner.id, held_on=held_on,
                             mode=mode.value, notes=notes_html, agreed_actions=actions, created_at=now)
    session.add(record)
    session.flush()
    events.fact_changed(session, course.id, [learner.id])  # phase gating recomputes
    return record


def _actions(items: Sequence[str]) -> list[str]:
    if isinstance(items, str):
        raise CoachingSessionInvalid("agreed_actions", "must be a list")
    actions = [line for line in (clean_line(item) for item in items) if line]
    if len(actions) > MAX_ACTIONS:
        raise CoachingSessionInvalid("agreed_actions", f"at most {MAX_ACTIONS} actions")
    if any(len(action) > MAX_ACTION for action in actions):
        raise CoachingSessionInvalid("agreed_actions", f"an action has at most {MAX_ACTION} characters")
    return actions


def coaching_sessions_for(session: Session, course_id: int, learner_id: int) -> list[CoachingSession]:
    """The learner's coaching sessions in the course, newest first."""
    return list(
        session.scalars(
            select(CoachingSession)
            .where(CoachingSession.course_id == course_id, CoachingSession.learner_id == learner_id)
            .order_by(CoachingSession.held_on.desc(), CoachingSession.id.desc())
        )
    )


@dataclasses.dataclass(frozen=True)
class AgreedAction:
    text: str
    held_on: dt.date
    coaching_session_id: int


def agreed_actions_for(session: Session, course_id: int, learner_id: int) -> list[AgreedAction]:
    """What the learner agreed to do, newest coaching session first: what the learner's page shows."""
    return [
        AgreedAction(text=text, held_on=record.held_on, coaching_session_id=record.id)
        for record in coaching_sessions_for(session, course_id, learner_id)
        for text in record.agreed_actions or []
    ]


def coaching_session_count(session: Session, course_id: int, learner_id: int) -> int:
    """How many coaching sessions the learner has had in the course (for phase gating)."""
    return coaching_session_counts(session, course_id, [learner_id])[learner_id]
