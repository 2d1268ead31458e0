"""Two native requirement kinds for phase gating, evaluated from what the sync stored.

* ``moodle_completion`` — a Moodle activity (``cmid``) is complete for the learner;
* ``moodle_grade`` — the learner's grade of a Moodle activity is at least
  ``min_percent`` of its range (a percentage, so a changed maximum keeps the bar).

The activity is chosen from the course's activity list as last read from
Moodle (:class:`.models.Module`); a requirement is never evaluated by calling
Moodle, only from :class:`.models.ActivityFact`. Registered with
:func:`activities.gating.requirements.register`; the engine does not change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import JsonObject
from ..facts import Progress
from ..gating.requirements import (
    UNAVAILABLE_KEY,
    Check,
    Evaluation,
    RequirementInvalid,
    RequirementPlan,
    _int,
    _percent,
    _unknown_keys,
    register,
)
from .models import Module
from .store import readings_of

COMPLETION_KEY = "moodle.completion"
GRADE_KEY = "moodle.grade"
MAX_CMID = 2**62


def _known_cmid(session: Session, course_id: int, params: Mapping[str, Any]) -> int:
    cmid = _int(params, "cmid", minimum=1, maximum=MAX_CMID)
    found = session.scalar(select(Module.id).where(Module.course_id == course_id, Module.cmid == cmid))
    if found is None:
        raise RequirementInvalid("cmid", "not an activity of the course as last read from Moodle")
    assert cmid is not None  # _int with required=True never returns None
    return cmid


def _module_listed(evaluation: Evaluation, cmid: int) -> bool:
    return evaluation.session.scalar(select(Module.id).where(
        Module.course_id == evaluation.course_id, Module.cmid == cmid)) is not None


class MoodleActivityCompleted:
    """A Moodle activity is complete for the learner (Moodle's own completion, manual or automatic)."""

    kind = "moodle_completion"

    def validate(self, session: Session, course_id: int, params: Mapping[str, Any]) -> JsonObject:
        _unknown_keys(params, {"cmid"})
        return {"cmid": _known_cmid(session, course_id, params)}

    def evaluate(self, evaluation: Evaluation, requirement: RequirementPlan) -> dict[int, Check]:
        cmid = requirement.params["cmid"]
        if not _module_listed(evaluation, cmid):
            return {i: Check(False, Progress(0, 1, UNAVAILABLE_KEY)) for i in evaluation.learner_ids}
        readings = readings_of(evaluation.session, evaluation.course_id, cmid, evaluation.learner_ids)
        checks = {}
        for learner_id in evaluation.learner_ids:
            reading = readings.get(learner_id)
            done = bool(reading is not None and reading.completed)
            checks[learner_id] = Check(done, Progress(int(done), 1, COMPLETION_KEY))
        return checks


class MoodleGradeAtLeast:
    """The learner's grade of a Moodle activity is at least ``min_percent`` of its range."""

    kind = "moodle_grade"

    def validate(self, session: Session, course_id: int, params: Mapping[str, Any]) -> JsonObject:
        _unknown_keys(params, {"cmid", "min_percent"})
        cmid = _known_cmid(session, course_id, params)
        min_percent = _percent(params, "min_percent")
        if min_percent is None:
            raise RequirementInvalid("min_percent", "a number from 0 to 100")
        return {"cmid": cmid, "min_percent": min_percent}

    def evaluate(self, evaluation: Evaluation, requirement: RequirementPlan) -> dict[int, Check]:
        cmid, needed = requirement.params["cmid"], float(requirement.params["min_percent"])
        if not _module_listed(evaluation, cmid):
            return {i: Check(False, Progress(0, 1, UNAVAILABLE_KEY)) for i in evaluation.learner_ids}
        readings = readings_of(evaluation.session, evaluation.course_id, cmid, evaluation.learner_ids)
        checks = {}
        for learner_id in evaluation.learner_ids:
            reading = readings.get(learner_id)
            grade = reading.grade_percent if reading is not None else None
            met = grade is not None and grade >= needed
            checks[learner_id] = Check(met, Progress(int(grade or 0), int(round(needed)), GRADE_KEY))
        return checks


for _kind in (MoodleActivityCompleted(), MoodleGradeAtLeast()):
    register(_kind)
