"""Which Moodle group each phase should have, and who should be in it.

The option "keep one Moodle group per phase in step" (``CourseSync.phase_groups``)
makes Moodle's own *Restrict access → Group* follow the gates: the group of a
phase holds exactly the learners for whom the phase is open (open, complete or
completed by a facilitator). This module computes that plan from the stored
phase states; ``lti_tool.moodle.groups`` applies it to Moodle, adding and
removing only the difference, so running it twice changes nothing.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core import Person
from ..gating.models import Phase, PhaseState, Program, State
from .store import PHASE_GROUP_IDNUMBER

#: Moodle's limit on a group name (groups.name is varchar(254)).
MAX_NAME = 254


@dataclasses.dataclass(frozen=True)
class PhaseGroup:
    phase_id: int
    idnumber: str
    name: str
    #: Moodle user ids of the learners for whom the phase is open.
    members: frozenset[int]


def plan(session: Session, course_id: int) -> list[PhaseGroup]:
    """One group per phase of the course's program, with its wanted members (two queries)."""
    phases = list(session.execute(
        select(Phase.id, Phase.position, Phase.title).join(Program, Program.id == Phase.program_id)
        .where(Program.course_id == course_id).order_by(Phase.position)))
    if not phases:
        return []
    members: dict[int, set[int]] = {phase.id: set() for phase in phases}
    for phase_id, sub in session.execute(
            select(PhaseState.phase_id, Person.sub).join(Person, Person.id == PhaseState.learner_id)
            .where(PhaseState.phase_id.in_(list(members)), PhaseState.state != State.LOCKED.value)):
        if sub.isdigit():
            members[phase_id].add(int(sub))
    return [PhaseGroup(phase_id=phase.id, idnumber=f"{PHASE_GROUP_IDNUMBER}{phase.id}",
                       name=f"Padu {phase.position + 1}: {phase.title}"[:MAX_NAME],
                       members=frozenset(members[phase.id]))
            for phase in phases]
