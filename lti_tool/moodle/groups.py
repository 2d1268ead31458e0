"""Keep one Moodle group per phase in step with the learners for whom the phase is open.

The plan (:func:`activities.moodle.phase_groups.plan`) says which group each
phase should have (found by its idnumber, ``padu-phase-<id>``, so a teacher may
rename it) and who should be in it; this applies only the difference to
Moodle: a missing group is created, missing members added, extra members
removed. Running it again with nothing changed calls no function that writes.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy.orm import Session

import moodle_client as mc
from activities.moodle.phase_groups import plan
from activities.moodle.store import GroupRead


@dataclasses.dataclass
class Applied:
    created: int = 0
    added: int = 0
    removed: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.added or self.removed)


def apply(session: Session, moodle: mc.MoodleClient, courseid: int, course_id: int,
          groups: list[GroupRead]) -> tuple[Applied, list[GroupRead]]:
    """Bring Moodle's phase groups in step; returns what changed and the course's groups afterwards."""
    applied = Applied()
    by_idnumber = {group.idnumber: group for group in groups if group.idnumber}
    after = {group.moodle_id: group for group in groups}
    wanted = plan(session, course_id)
    missing = [phase for phase in wanted if phase.idnumber not in by_idnumber]
    if missing:
        created = mc.create_groups(moodle, [
            mc.NewGroup(courseid=courseid, name=phase.name, idnumber=phase.idnumber,
                        description="Padu keeps this group in step with the learners for whom the phase is open.")
            for phase in missing])
        applied.created = len(created)
        for made in created:
            read = GroupRead(moodle_id=made.id, name=made.name, idnumber=made.idnumber, members=())
            by_idnumber[made.idnumber] = after[made.id] = read
    to_add: list[tuple[int, int]] = []
    to_remove: list[tuple[int, int]] = []
    for phase in wanted:
        group = by_idnumber.get(phase.idnumber)
        if group is None:  # Moodle did not create it (it answered with fewer groups): next sync tries again
            continue
        current = set(group.members)
        to_add += [(group.moodle_id, user) for user in sorted(phase.members - current)]
        to_remove += [(group.moodle_id, user) for user in sorted(current - phase.members)]
        after[group.moodle_id] = dataclasses.replace(group, members=tuple(sorted(phase.members)))
    if to_add:
        mc.add_group_members(moodle, to_add)
        applied.added = len(to_add)
    if to_remove:
        mc.delete_group_members(moodle, to_remove)
        applied.removed = len(to_remove)
    return applied, list(after.values())
