"""The cohort grid reads the stored states and applies the clock: the same states as computing them
from the facts, at any later time; what has nothing stored yet is computed; the coaching requirements
of one evaluation share one read; the periodic step stores what changed without an event."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from activities.core import Activity
from activities.gating import cohort, service
from activities.gating.engine import standing
from activities.gating.models import PhaseState, State
from activities.gating.requirements import Evaluation, evaluate_all
from activities.gating.store import (
    plan_of,
    recompute,
    recompute_due,
    standings_for,
    states_for,
    stored_states,
    unstored_learners,
)
from activities.grades import GradeOutbox

from ..coaching.conftest import RUBRIC
from ..statements import counted_statements
from .conftest import NOW, accepted, ready, roster_only
from .test_cohort import _cohort

DAY = dt.timedelta(days=1)
FACT_TABLES = ("coaching_submission", "readiness_attempt", "course_coaching_session", "gating_sign_off")


def _fresh(db, plan, ids, now):
    return {i: [standing(s) for s in states] for i, states in states_for(db, plan, ids, now).items()}


def test_stored_states_and_the_clock_give_the_states_computed_from_the_facts(db, course, program, people, check,
                                                                             task):
    _, learners = _cohort(db, course, people, check, task, 40)
    ids = [p.id for p in learners]
    windows = st.one_of(st.none(), st.integers(-3, 3).map(lambda days: NOW + days * DAY))

    @settings(max_examples=30, deadline=None)
    @given(st.lists(windows, min_size=3, max_size=3), st.integers(0, 6), st.integers(0, 12))
    def any_windows_and_any_later_time(opens, days_later, hours_later):
        for phase, opens_at in zip(program.phases, opens, strict=True):
            phase.opens_at = opens_at
        db.flush()
        recompute(db, course.id, None, NOW)  # what a program edit does, at NOW
        plan = plan_of(program)
        later = NOW + days_later * DAY + dt.timedelta(hours=hours_later)
        # Windows that opened since are applied exactly as the engine applies them to the facts.
        assert standings_for(db, plan, ids, later) == _fresh(db, plan, ids, later)

    any_windows_and_any_later_time()


def test_the_grid_reads_no_fact_once_states_are_stored_in_a_constant_number_of_statements(
        db, engine, course, program, people, check, task):
    _cohort(db, course, people, check, task, 60)
    recompute(db, course.id, None, NOW)
    db.commit()
    with counted_statements(engine) as seen:
        grid = cohort.grid(db, program, NOW)
    assert len(grid.rows) == 62  # the cohort and Budi and Dewi
    assert not [s for s in seen if any(table in s for table in FACT_TABLES)]
    assert len(seen) <= 3
    fresh = _fresh(db, plan_of(program), [row.learner_id for row in grid.rows], NOW)
    assert {row.learner_id: list(row.phases) for row in grid.rows} == fresh


def test_learners_with_nothing_or_rows_from_before_the_flag_stored_are_computed_from_their_facts(
        db, platform, course, program, people, check):
    ready(db, check, people.budi)  # stored: Budi passed Mandiri
    db.execute(update(PhaseState).values(requirements_met=None))  # as rows stored before migration 0012
    siti = roster_only(db, platform, course, "Siti")  # nothing stored
    plan = plan_of(program)
    ids = [people.budi.id, people.dewi.id, siti.id]
    assert sorted(unstored_learners(db, program.id, course.id)) == sorted(ids)
    got = standings_for(db, plan, ids, NOW)
    assert got == _fresh(db, plan, ids, NOW)
    assert [s.state for s in got[people.budi.id]] == [State.COMPLETE, State.OPEN, State.LOCKED]
    # The periodic step stores them; then they are read.
    assert recompute_due(db, since=NOW, now=NOW + dt.timedelta(minutes=1)) == [course.id]
    assert unstored_learners(db, program.id, course.id) == []
    assert all(row.requirements_met is not None for row in stored_states(db, plan, ids).values())


def test_the_coaching_requirements_of_one_evaluation_read_the_submissions_once(db, engine, course, program, people,
                                                                             check, task, make_activity):
    _, learners = _cohort(db, course, people, check, task, 30)
    other = make_activity("coaching", {"evidence_types": ["reflection"], "rubric": RUBRIC}, title="Tugas 2")
    accepted(db, other, people.budi, people.coach)
    second = program.phases[1]
    for params in ({"activity_ids": [task.id], "min_percent": 90}, {"activity_ids": [task.id, other.id], "needed": 1}):
        service.add_requirement(db, program, people.staff, service.Role.STAFF, second.id, "coaching_tasks", params,
                                now=NOW)
    db.expire_all()
    plan = plan_of(service.program_for(db, course.id))
    ids = [p.id for p in learners] + [people.budi.id]
    assert sum(r.kind == "coaching_tasks" for r in plan.requirements) == 3
    with counted_statements(engine) as seen:
        shared = evaluate_all(Evaluation(db, course.id, ids), plan.requirements)
    assert len([s for s in seen if "FROM coaching_submission" in s]) == 1
    assert len([s for s in seen if "FROM course_coaching_session" in s]) == 1
    # The same answers as each requirement asking on its own.
    for requirement in plan.requirements:
        alone = evaluate_all(Evaluation(db, course.id, ids), [requirement])
        assert {i: checks[requirement.id] for i, checks in shared.items()} == \
               {i: checks[requirement.id] for i, checks in alone.items()}


def test_the_periodic_step_follows_windows_new_activities_and_is_idempotent(db, course, program, columns, people,
                                                                           check, task, make_activity):
    second = program.phases[1]
    opens = NOW + 2 * DAY
    service.update_phase(db, program, people.staff, service.Role.STAFF, second.id, opens_at=opens, now=NOW)
    ready(db, check, people.budi)
    accepted(db, task, people.budi, people.coach)
    for requirement in second.requirements:
        if requirement.kind == "coaching_sessions":
            service.waive_requirement(db, program, people.coach, service.Role.FACILITATOR, people.budi.id,
                                      requirement.id, "Sesi di angkatan lalu", now=NOW)

    def stored_budi():
        rows = stored_states(db, plan_of(program), [people.budi.id])
        return [rows[(p.id, people.budi.id)].state for p in program.phases]

    def gate(phase_index):
        return list(db.execute(select(GradeOutbox.score_given).where(
            GradeOutbox.activity_id == columns[phase_index].id, GradeOutbox.person_id == people.budi.id)
            .order_by(GradeOutbox.id)).scalars())

    assert stored_budi() == ["complete", "locked", "locked"] and gate(1) == []
    assert recompute_due(db, since=NOW, now=NOW + DAY) == []  # nothing opened, nothing placed
    assert recompute_due(db, since=NOW + DAY, now=opens) == [course.id]  # Jarak Jauh's window opened
    assert stored_budi() == ["complete", "complete", "open"] and gate(1) == [100.0]
    assert recompute_due(db, since=opens, now=opens + DAY) == []

    # A second coaching task placed: "every task" is no longer met, and 0 follows in the gradebook.
    placed = opens + DAY + dt.timedelta(hours=1)
    extra = make_activity("coaching", {}, title="Tugas baru")
    db.execute(update(Activity).where(Activity.id == extra.id).values(created_at=placed, updated_at=placed))
    assert recompute_due(db, since=opens + DAY, now=placed + dt.timedelta(minutes=1)) == [course.id]
    assert stored_budi() == ["complete", "open", "locked"] and gate(1) == [100.0, 0.0]
    journey = service.journey(db, program, people.budi.id, placed + dt.timedelta(minutes=1))
    assert [s.state.value for s in journey] == stored_budi()


def test_a_read_for_many_learners_keeps_to_those_asked_for(db, course, program, people, check, task, monkeypatch):
    """Above ``MANY_LEARNERS`` the batch reads leave the list of ids out and keep the learners asked for."""
    from activities import facts

    _, learners = _cohort(db, course, people, check, task, 40)
    recompute(db, course.id, None, NOW)
    plan = plan_of(program)
    asked = [p.id for p in learners[::2]]
    with_ids = states_for(db, plan, asked, NOW)
    stored = stored_states(db, plan, asked)
    monkeypatch.setattr(facts, "MANY_LEARNERS", 3)
    assert states_for(db, plan, asked, NOW) == with_ids
    assert {key: row for key, row in stored_states(db, plan, asked).items() if key[1] in asked} == stored
    assert recompute(db, course.id, asked, NOW) == with_ids
