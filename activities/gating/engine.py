"""The gate: one pure function from a program, a learner's checks, overrides and the clock to phase states.

No database, no clock of its own: everything it needs is passed in, so the
same answer comes for one learner or a cohort, on a page or in a recompute,
and the rules can be tested exhaustively (see the Hypothesis properties).

The rules (issue 12): a phase opens when the previous one is complete or
overridden *and* its window has opened; it is complete when its requirements
are met — every ungrouped requirement, and at least N of each group. A
facilitator's override completes a phase (it counts as passed whatever its
requirements and the phases before it say: the facilitator decided) or waives
one requirement (it counts as met). A locked
phase says why: the previous phase is not done, or its window opens later.
A window's close does not lock anything: being past it is what "at risk" means.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import NamedTuple, TypeVar

from .models import State
from .requirements import Check, RequirementPlan


class LockedBecause(str, enum.Enum):
    PREVIOUS_INCOMPLETE = "previous_incomplete"
    NOT_YET_OPEN = "not_yet_open"


@dataclasses.dataclass(frozen=True)
class GroupPlan:
    id: int
    at_least: int


@dataclasses.dataclass(frozen=True)
class PhasePlan:
    id: int
    position: int
    kind: str
    title: str
    opens_at: dt.datetime | None
    closes_at: dt.datetime | None
    requirements: tuple[RequirementPlan, ...] = ()
    groups: tuple[GroupPlan, ...] = ()


@dataclasses.dataclass(frozen=True)
class ProgramPlan:
    """A program as the engine reads it: plain frozen data, made once per recompute by :func:`.store.plan_of`."""

    id: int
    course_id: int
    time_zone: str
    phases: tuple[PhasePlan, ...]

    @property
    def requirements(self) -> list[RequirementPlan]:
        return [r for phase in self.phases for r in phase.requirements]


@dataclasses.dataclass(frozen=True)
class LearnerOverrides:
    completed_phases: frozenset[int] = frozenset()
    waived_requirements: frozenset[int] = frozenset()


NO_OVERRIDES = LearnerOverrides()


class RequirementStatus(NamedTuple):
    """A requirement for one learner. (Named tuples: a cohort of 5,000 makes 50,000 of these.)"""

    requirement: RequirementPlan
    check: Check | None
    waived: bool
    met: bool


class PhaseStatus(NamedTuple):
    phase: PhasePlan
    state: State
    requirements: tuple[RequirementStatus, ...]
    #: Why a locked phase is locked (None unless locked); the phase's ``opens_at`` with NOT_YET_OPEN.
    locked_because: LockedBecause | None = None
    #: The requirements are met, whether or not the phase is open (an override may hide this).
    requirements_met: bool = False

    @property
    def missing(self) -> list[RequirementStatus]:
        return [r for r in self.requirements if not r.met]


def requirements_met(phase: PhasePlan, statuses: Sequence[RequirementStatus]) -> bool:
    """Every ungrouped requirement met, and at least N (at most the group's size) of each group."""
    if not phase.groups:  # the common case, 15,000 times for a cohort: no group to count
        return all(status.met for status in statuses)
    groups = {group.id: group for group in phase.groups}
    met_in_group: dict[int, int] = {}
    size_of_group: dict[int, int] = {}
    for status in statuses:
        group_id = status.requirement.group_id
        if group_id is None or group_id not in groups:
            if not status.met:
                return False
            continue
        size_of_group[group_id] = size_of_group.get(group_id, 0) + 1
        met_in_group[group_id] = met_in_group.get(group_id, 0) + int(status.met)
    return all(met_in_group[g] >= min(groups[g].at_least, size) for g, size in size_of_group.items())


class PhaseStanding(NamedTuple):
    """A phase's state for one learner without the requirement details: what the cohort grid shows,
    derived from the stored states and the clock (:func:`standings`)."""

    phase: PhasePlan
    state: State
    locked_because: LockedBecause | None = None
    requirements_met: bool = False


def state_of(phase: PhasePlan, *, previous_passed: bool, overridden: bool, requirements_met: bool,
             now: dt.datetime) -> tuple[State, LockedBecause | None]:
    """The one definition of a phase's state: every way to a state (from the facts, or from the
    stored states and the clock) ends here."""
    if overridden:
        return State.OVERRIDDEN, None
    if not previous_passed:
        return State.LOCKED, LockedBecause.PREVIOUS_INCOMPLETE
    if phase.opens_at is not None and now < phase.opens_at:
        return State.LOCKED, LockedBecause.NOT_YET_OPEN
    return (State.COMPLETE if requirements_met else State.OPEN), None


def phase_states(
    plan: ProgramPlan,
    checks: Mapping[int, Check],
    overrides: LearnerOverrides,
    now: dt.datetime,
) -> list[PhaseStatus]:
    """One learner's state of every phase, in order. ``checks``: by requirement id."""
    result: list[PhaseStatus] = []
    previous_passed = True
    waived_ids = overrides.waived_requirements
    for phase in plan.phases:
        collected: list[RequirementStatus] = []
        for r in phase.requirements:
            check = checks.get(r.id)
            waived = r.id in waived_ids
            collected.append(RequirementStatus(r, check, waived, waived or (check is not None and check.met)))
        statuses = tuple(collected)
        met = requirements_met(phase, statuses)
        state, locked_because = state_of(phase, previous_passed=previous_passed,
                                         overridden=phase.id in overrides.completed_phases,
                                         requirements_met=met, now=now)
        result.append(PhaseStatus(phase, state, statuses, locked_because, met))
        previous_passed = state.passed
    return result


def standings(plan: ProgramPlan, met: Mapping[int, bool], overridden: AbstractSet[int],
              now: dt.datetime) -> list[PhaseStanding]:
    """One learner's state of every phase from what a recompute stored — by phase id, whether its
    requirements were met and whether it is overridden — at ``now``.

    The facts decide whether requirements are met, and every fact change
    recomputes; the clock decides only whether a window has opened. So the
    stored flags and the clock give the same states as :func:`phase_states`
    from the facts, at any time after the recompute (a tested property).
    """
    result: list[PhaseStanding] = []
    previous_passed = True
    for phase in plan.phases:
        phase_met = met.get(phase.id, False)
        state, locked_because = state_of(phase, previous_passed=previous_passed, overridden=phase.id in overridden,
                                         requirements_met=phase_met, now=now)
        result.append(PhaseStanding(phase, state, locked_because, phase_met))
        previous_passed = state.passed
    return result


def standing(status: PhaseStatus) -> PhaseStanding:
    """A computed phase status without its requirement details."""
    return PhaseStanding(status.phase, status.state, status.locked_because, status.requirements_met)


_S = TypeVar("_S", PhaseStatus, PhaseStanding)


def current_phase(statuses: Sequence[_S]) -> _S | None:
    """The phase the learner is in: the first one not passed (None when all are)."""
    return next((s for s in statuses if not s.state.passed), None)
