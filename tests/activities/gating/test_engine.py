"""The gate itself: one pure function from a program, a learner's checks, overrides and the clock.

Examples first, then the properties the issue asks for, over generated programs and learners.
"""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from activities.facts import Progress
from activities.gating.engine import (
    NO_OVERRIDES,
    GroupPlan,
    LearnerOverrides,
    LockedBecause,
    PhasePlan,
    ProgramPlan,
    current_phase,
    phase_states,
)
from activities.gating.models import State
from activities.gating.requirements import Check, RequirementPlan

NOW = dt.datetime(2026, 3, 10, 3, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


def met(yes: bool) -> Check:
    return Check(yes, Progress(int(yes), 1, "test"))


def plan(*phases: PhasePlan) -> ProgramPlan:
    return ProgramPlan(id=1, course_id=1, time_zone="Asia/Jakarta", phases=phases)


def phase(id_, *requirement_ids, opens_at=None, closes_at=None, groups=(), group_of=None):
    group_of = group_of or {}
    return PhasePlan(id_, id_, "other", f"Fase {id_}", opens_at, closes_at,
                     tuple(RequirementPlan(r, "sign_off", {}, group_of.get(r)) for r in requirement_ids), groups)


THREE = plan(phase(1, 11), phase(2, 21, 22), phase(3, 31))


def states(program, checks, overrides=NO_OVERRIDES, now=NOW):
    return [s.state for s in phase_states(program, checks, overrides, now)]


def test_the_first_phase_is_open_and_the_later_ones_locked_behind_it():
    result = phase_states(THREE, {}, NO_OVERRIDES, NOW)
    assert [s.state for s in result] == [State.OPEN, State.LOCKED, State.LOCKED]
    assert [s.locked_because for s in result] == [None] + [LockedBecause.PREVIOUS_INCOMPLETE] * 2
    assert current_phase(result).phase.id == 1
    assert [r.requirement.id for r in result[0].missing] == [11]


def test_a_phase_completes_when_its_requirements_are_met_and_opens_the_next():
    checks = {11: met(True), 21: met(True), 22: met(False)}
    assert states(THREE, checks) == [State.COMPLETE, State.OPEN, State.LOCKED]
    checks[22] = met(True)
    assert states(THREE, checks) == [State.COMPLETE, State.COMPLETE, State.OPEN]


def test_a_window_not_yet_open_locks_the_phase_and_says_when():
    later = NOW + 3 * DAY
    program = plan(phase(1, 11), phase(2, 21, opens_at=later))
    result = phase_states(program, {11: met(True), 21: met(True)}, NO_OVERRIDES, NOW)
    assert result[1].state is State.LOCKED and result[1].locked_because is LockedBecause.NOT_YET_OPEN
    assert result[1].phase.opens_at == later
    # No event is needed when the window opens: the clock is read.
    assert states(program, {11: met(True), 21: met(True)}, now=later) == [State.COMPLETE, State.COMPLETE]


def test_a_closed_window_does_not_lock_a_phase():
    program = plan(phase(1, 11, closes_at=NOW - DAY))
    assert states(program, {}) == [State.OPEN]


def test_a_group_needs_at_least_n_of_its_requirements():
    program = plan(phase(1, 11, 12, 13, 14, groups=(GroupPlan(7, 2),), group_of={12: 7, 13: 7, 14: 7}))
    assert states(program, {11: met(True), 12: met(True)}) == [State.OPEN]
    assert states(program, {11: met(True), 12: met(True), 14: met(True)}) == [State.COMPLETE]
    assert states(program, {11: met(False), 12: met(True), 13: met(True), 14: met(True)}) == [State.OPEN]


def test_an_override_completes_a_phase_and_a_waiver_counts_a_requirement_as_met():
    assert states(THREE, {}, LearnerOverrides(completed_phases=frozenset({1}))) == [
        State.OVERRIDDEN, State.OPEN, State.LOCKED]
    waived = phase_states(THREE, {}, LearnerOverrides(waived_requirements=frozenset({11})), NOW)
    assert [s.state for s in waived] == [State.COMPLETE, State.OPEN, State.LOCKED]
    assert waived[0].requirements[0].waived


# ---- properties -------------------------------------------------------------------------------

@st.composite
def programs_and_learners(draw):
    """A program of 1–5 phases (some windows, some groups) and a learner's checks and overrides."""
    phases, next_id = [], 100
    for position in range(draw(st.integers(1, 5))):
        ids = list(range(next_id, next_id + draw(st.integers(0, 4))))
        next_id += 10
        groups, group_of = (), {}
        if len(ids) >= 2 and draw(st.booleans()):
            groups = (GroupPlan(position + 1, draw(st.integers(1, len(ids)))),)
            group_of = {r: position + 1 for r in ids[1:]}
        window = draw(st.sampled_from([None, NOW - DAY, NOW + DAY]))
        phases.append(phase(position + 1, *ids, opens_at=window, groups=groups, group_of=group_of))
    program = plan(*phases)
    requirement_ids = [r.id for r in program.requirements]
    checks = {r: met(draw(st.booleans())) for r in requirement_ids}
    overrides = LearnerOverrides(
        completed_phases=frozenset(draw(st.sets(st.sampled_from([p.id for p in phases])))),
        waived_requirements=frozenset(draw(st.sets(st.sampled_from(requirement_ids)))) if requirement_ids
        else frozenset())
    return program, checks, overrides


@given(programs_and_learners())
def test_a_learner_is_never_in_phase_n_plus_1_unless_phase_n_is_complete_or_overridden(case):
    program, checks, overrides = case
    result = [s.state for s in phase_states(program, checks, overrides, NOW)]
    for before, after in zip(result, result[1:]):
        if after in (State.OPEN, State.COMPLETE):
            assert before.passed


@given(programs_and_learners(), st.data())
def test_undoing_an_override_restores_the_computed_state(case, data):
    program, checks, overrides = case
    extra_phase = data.draw(st.sampled_from([p.id for p in program.phases]))
    with_override = LearnerOverrides(overrides.completed_phases | {extra_phase}, overrides.waived_requirements)
    phase_states(program, checks, with_override, NOW)
    undone = LearnerOverrides(with_override.completed_phases - {extra_phase}, with_override.waived_requirements)
    if extra_phase in overrides.completed_phases:
        undone = with_override
    assert phase_states(program, checks, undone, NOW) == phase_states(program, checks, overrides, NOW)


@given(programs_and_learners())
def test_without_overrides_a_phase_is_complete_exactly_when_open_in_time_and_met(case):
    program, checks, _ = case
    result = phase_states(program, checks, NO_OVERRIDES, NOW)
    previous_passed = True
    for status in result:
        in_window = status.phase.opens_at is None or status.phase.opens_at <= NOW
        assert (status.state is State.COMPLETE) == (previous_passed and in_window and status.requirements_met)
        assert (status.state is State.LOCKED) == (not previous_passed or not in_window)
        previous_passed = status.state.passed
