"""A learner's journey as the pages show it: the domain's phase states put into words.

Shared by the learner's own page and the facilitator's page about one learner.
No rule is decided here: states, what is met and the next steps come from
:mod:`activities.gating.service`; this module only names them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask_babel import gettext as _

from activities.gating import service
from activities.moodle import store as moodle_store

from ..moodle.sync import NATIVE_KINDS
from ..runtime import db
from .common import REQUIREMENT_KINDS, progress_text, step_text, when_in, zone_of


@dataclasses.dataclass(frozen=True)
class RequirementLine:
    id: int
    kind: str
    title: str
    met: bool
    waived: bool
    progress: str
    next_step: str
    group_id: int | None


@dataclasses.dataclass(frozen=True)
class PhaseView:
    id: int
    title: str
    kind: str
    state: str
    opens: str
    closes: str
    locked_because: str | None
    requirements: tuple[RequirementLine, ...]
    groups: dict[int, int]


@dataclasses.dataclass(frozen=True)
class Journey:
    phases: tuple[PhaseView, ...]
    current: PhaseView | None
    next_deadline: str


def requirement_titles(program: service.Program) -> dict[int, str]:
    return {r.id: r.title for phase in program.phases for r in phase.requirements}


def journey_of(program: service.Program, learner_id: int, now: dt.datetime | None = None) -> Journey:
    statuses = service.journey(db(), program, learner_id, now)
    zone = zone_of(program)
    titles = requirement_titles(program)
    activities = service.activity_titles(db(), program.course_id)
    read_at = when_in(moodle_store.synced_at(db(), program.course_id), zone)
    phases = tuple(_phase(status, titles, activities, zone, read_at) for status in statuses)
    current = next((p for p in phases if p.state in ("open", "locked")), None)
    deadline = service.next_deadline(statuses, now or dt.datetime.now(dt.UTC))
    return Journey(phases, current, when_in(deadline, zone))


def _phase(status: service.PhaseStatus, titles, activities, zone, moodle_read_at: str = "") -> PhaseView:
    lines = []
    for item in status.requirements:
        requirement, check = item.requirement, item.check
        title = titles.get(requirement.id) or str(REQUIREMENT_KINDS.get(requirement.kind, requirement.kind))
        step = ""
        if not item.met and check is not None and check.next_step is not None:
            activity_id = check.next_step.activity_id
            activity_title = activities.get(activity_id, ("", ""))[0] if activity_id else ""
            step = step_text(check.next_step.step, activity_title or title)
        progress = progress_text(check.progress) if check else ""
        if requirement.kind in NATIVE_KINDS and progress:
            # Read from Moodle by the sync, not live: say when.
            progress = (_("%(progress)s, as of %(when)s", progress=progress, when=moodle_read_at) if moodle_read_at
                        else _("%(progress)s, not read from Moodle yet", progress=progress))
        lines.append(RequirementLine(requirement.id, requirement.kind, title, item.met, item.waived,
                                     progress, step, requirement.group_id))
    phase = status.phase
    locked_because = status.locked_because.value if isinstance(status.locked_because, service.LockedBecause) else None
    return PhaseView(
        phase.id, phase.title, phase.kind, status.state.value, when_in(phase.opens_at, zone),
        when_in(phase.closes_at, zone), locked_because, tuple(lines), {g.id: g.at_least for g in phase.groups})
