"""The course as a fact provider: coaching sessions held, per learner of a course.

Phase gating asks "has this learner had N coaching sessions?" for a whole
cohort, whether or not the course has a coaching task. The count here is the
one implementation: the single-learner
:func:`.coaching_sessions.coaching_session_count` calls it with one learner.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..facts import Fact, NextStep, Step, counted, learners_among
from .models import CoachingSession

#: Was ``coaching.sessions_held`` while the provider belonged to the coaching task kind.
COACHING_SESSIONS_KEY = "course.coaching_sessions_held"


def coaching_session_counts(session: Session, course_id: int, learner_ids: Collection[int]) -> dict[int, int]:
    """By learner: how many coaching sessions they have had in the course; one query."""
    ids = list(dict.fromkeys(learner_ids))
    if not ids:
        return {}
    held = CoachingSession.__table__.c  # table columns: plain rows, no ORM loading (one per learner)
    found: dict[int, int] = dict(session.execute(
        select(held.learner_id, func.count(held.id))
        .where(held.course_id == course_id, *learners_among(held.learner_id, ids))
        .group_by(held.learner_id)
    ).all())
    return {i: found.get(i, 0) for i in ids}


@dataclasses.dataclass(frozen=True)
class CoachingSessionsHeld:
    """Per learner the coaching sessions held in the course, of ``needed``; one query, shared by
    every ``CoachingSessionsHeld`` of one reader whatever its ``needed``
    (:class:`activities.facts.SharedRead`)."""

    needed: int = 1
    key: str = COACHING_SESSIONS_KEY

    #: Every instance reads the same: the learners' session counts.
    read_key = "course.coaching_session_counts"

    def read(self, session: Session, course_id: int, learner_ids: Collection[int]) -> dict[int, int]:
        return coaching_session_counts(session, course_id, learner_ids)

    def facts_from(self, read: object, learner_ids: Collection[int]) -> dict[int, Fact]:
        assert isinstance(read, dict)
        step = NextStep(Step.MEET_COACH)
        by_count: dict[int, Fact] = {}  # one fact per distinct count, looked up without hashing the step
        facts = {}
        for learner_id in dict.fromkeys(learner_ids):
            held = read.get(learner_id, 0)
            fact = by_count.get(held)
            if fact is None:
                fact = by_count[held] = counted(COACHING_SESSIONS_KEY, held, self.needed, next_step=step,
                                                started=held > 0)
            facts[learner_id] = fact
        return facts

    def facts(self, session: Session, course_id: int, learner_ids: Collection[int]) -> dict[int, Fact]:
        return self.facts_from(self.read(session, course_id, learner_ids), learner_ids)
