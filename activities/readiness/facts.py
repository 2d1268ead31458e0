"""The readiness check as a fact provider: each learner's kept result of one check.

Phase gating asks "has this learner done the readiness check, and reached
which band?" for a whole cohort; the answer comes from
:func:`.results.kept_of`, the same code that decides the kept attempt for
the learner's page and the gradebook, so they never disagree (:func:`.results.kept_outcomes` reads only
the columns that choice needs: the course dashboard asks for 5,000 learners at once).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection

from sqlalchemy.orm import Session

from ..core import Activity
from ..facts import Fact, NextStep, Progress, Status, Step
from .exceptions import NotAReadinessCheck
from .results import Kept, kept_outcomes

KEY = "readiness.result"
#: What the progress counts: a submitted (kept) result, one of one.
SUBMITTED = "readiness.submitted"


@dataclasses.dataclass(frozen=True)
class ReadinessResult:
    """Per learner the kept result of check ``activity_id``: value its index, band its band.

    Two queries for any number of learners: the activity, and its attempts.
    """

    activity_id: int
    key: str = KEY

    def facts(self, session: Session, course_id: int, learner_ids: Collection[int]) -> dict[int, Fact]:
        activity = session.get(Activity, self.activity_id)
        if activity is None or activity.course_id != course_id:
            # An activity of another course (perhaps another agency's Moodle) is never read.
            raise NotAReadinessCheck(f"activity {self.activity_id} is not a readiness check of course {course_id}")
        ids = list(dict.fromkeys(learner_ids))
        found = kept_outcomes(session, activity, ids) if ids else {}
        # Facts are frozen: learners in the same place share one (a cohort is thousands of learners
        # and a handful of distinct facts).
        not_started = Fact(status=Status.NOT_STARTED, value=None, progress=_NOTHING_YET,
                           next_step=NextStep(Step.START, activity.id))
        in_progress = Fact(status=Status.IN_PROGRESS, value=None, progress=_NOTHING_YET,
                           next_step=NextStep(Step.CONTINUE, activity.id))
        done: dict[tuple[float | None, str | None], Fact] = {}
        facts = {}
        for learner_id in ids:
            standing = found.get(learner_id)
            facts[learner_id] = (not_started if standing is None
                                 else in_progress if standing.kept is None
                                 else _done(standing, done))
        return facts


_NOTHING_YET = Progress(done=0, needed=1, key=SUBMITTED)
_SUBMITTED = Progress(done=1, needed=1, key=SUBMITTED)


def _done(standing: Kept, seen: dict[tuple[float | None, str | None], Fact]) -> Fact:
    """The fact of a kept result (a learner retaking the check keeps it meanwhile)."""
    assert standing.kept is not None
    key = (standing.kept.overall_index, standing.kept.band)
    fact = seen.get(key)
    if fact is None:
        fact = seen[key] = Fact(status=Status.DONE, value=key[0], band=key[1], progress=_SUBMITTED)
    return fact
