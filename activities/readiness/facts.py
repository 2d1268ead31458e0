"""The readiness check as a fact provider: each learner's kept result of one check.

Phase gating asks "has this learner done the readiness check, and reached
which band?" for a whole cohort; the answer comes from
:func:`.results.standings`, the same code that decides the kept attempt for
the learner's page and the gradebook, so they never disagree.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection

from sqlalchemy.orm import Session

from ..core import Activity
from ..facts import Fact, NextStep, Progress, Status, Step
from .exceptions import NotAReadinessCheck
from .results import Standing, standings

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
        found = standings(session, activity, ids) if ids else {}
        return {learner_id: _fact(activity.id, found.get(learner_id)) for learner_id in ids}


def _fact(activity_id: int, standing: Standing | None) -> Fact:
    if standing is not None and standing.result is not None:
        result = standing.result
        # A learner with a result may be retaking the check; the kept result still counts.
        return Fact(status=Status.DONE, value=result.index, band=result.band.value,
                    progress=Progress(done=1, needed=1, key=SUBMITTED))
    if standing is not None and standing.in_progress:
        return Fact(status=Status.IN_PROGRESS, value=None, progress=Progress(done=0, needed=1, key=SUBMITTED),
                    next_step=NextStep(Step.CONTINUE, activity_id))
    return Fact(status=Status.NOT_STARTED, value=None, progress=Progress(done=0, needed=1, key=SUBMITTED),
                next_step=NextStep(Step.START, activity_id))
