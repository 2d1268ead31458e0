"""The gate requirement kind ``attendance``: at least N % of a phase's meetings attended.

Registered with phase gating's requirement registry (the engine is not
touched). Params: ``phase_id`` (whose meetings; the editor fills in the phase
the requirement is added to), ``percent`` (0–100) and ``excused_counts``
(default true: an excused absence counts as attended). All the phase's meetings
for the learner count, also those still to come, so attending the first of
five meetings is not 100 %. A phase without meetings for the learner cannot be
met yet (adding the requirement before the meetings must not open the phase
for everyone).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import JsonObject
from ..facts import Progress
from ..gating.models import Phase, Program
from ..gating.requirements import (
    Check,
    Evaluation,
    RequirementInvalid,
    RequirementPlan,
    _int,
    _percent,
    _unknown_keys,
)
from .facts import NONE_SCHEDULED_KEY, PHASE_KEY, Tally, needed, tallies

KIND = "attendance"


def check(tally: Tally, at_least_percent: float) -> Check:
    if tally.total == 0:
        return Check(False, Progress(0, 1, NONE_SCHEDULED_KEY))
    need = needed(tally.total, at_least_percent)
    return Check(tally.attended >= need, Progress(tally.attended, need, PHASE_KEY))


class AttendanceRequired:
    kind = KIND

    def validate(self, session: Session, course_id: int, params: Mapping[str, Any]) -> JsonObject:
        _unknown_keys(params, {"phase_id", "percent", "excused_counts"})
        phase_id = _int(params, "phase_id", minimum=1, maximum=2**62)
        found = session.scalar(select(Phase.id).join(Program, Phase.program_id == Program.id)
                               .where(Phase.id == phase_id, Program.course_id == course_id))
        if found is None:
            raise RequirementInvalid("phase_id", "a phase of the course's program")
        at_least = _percent(params, "percent")
        if at_least is None:
            raise RequirementInvalid("percent", "a number from 0 to 100")
        excused = params.get("excused_counts", True)
        if not isinstance(excused, bool):
            raise RequirementInvalid("excused_counts", "true or false")
        return {"phase_id": phase_id, "percent": at_least, "excused_counts": excused}

    def evaluate(self, evaluation: Evaluation, requirement: RequirementPlan) -> dict[int, Check]:
        params = requirement.params
        found = tallies(evaluation.session, evaluation.course_id, evaluation.learner_ids,
                        phase_id=params["phase_id"], excused_counts=bool(params.get("excused_counts", True)))
        return {learner_id: check(tally, float(params["percent"])) for learner_id, tally in found.items()}
