"""Coach assignments: one coach per learner per course, spread evenly and deterministically (no task needed)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete

from activities.core import Role
from activities.course.exceptions import NoCoaches, NotAFacilitator, NotALearner
from activities.course.models import CoachAssignment
from activities.course.service import (
    assign_coach,
    assignments,
    coach_of,
    coachees,
    spread_coaches_evenly,
    unassign_coach,
)


def test_a_learner_has_one_coach_and_reassigning_replaces_them(db, course, people):
    assign_coach(db, course, people.coach, people.budi)
    assign_coach(db, course, people.other_coach, people.budi)
    assert coach_of(db, course.id, people.budi.id) == people.other_coach
    assert coachees(db, course.id, people.coach.id) == []
    assert [p.name for p in coachees(db, course.id, people.other_coach.id)] == ["Budi"]
    assert len(assignments(db, course.id)) == 1


def test_my_coachees_are_listed_by_name(db, course, people):
    assign_coach(db, course, people.coach, people.dewi)
    assign_coach(db, course, people.coach, people.budi)
    assert [p.name for p in coachees(db, course.id, people.coach.id)] == ["Budi", "Dewi"]


def test_staff_may_coach_but_learners_may_not(db, course, people):
    assign_coach(db, course, people.staff, people.budi)
    with pytest.raises(NotAFacilitator):
        assign_coach(db, course, people.dewi, people.budi)
    with pytest.raises(NotALearner):
        assign_coach(db, course, people.coach, people.other_coach)
    with pytest.raises(NotALearner):
        assign_coach(db, course, people.coach, people.coach)


def test_unassigning_leaves_the_learner_without_a_coach(db, course, people):
    assign_coach(db, course, people.coach, people.budi)
    assert unassign_coach(db, course, people.budi)
    assert coach_of(db, course.id, people.budi.id) is None
    assert not unassign_coach(db, course, people.budi)


def test_spreading_needs_a_coach(db, course, people):
    with pytest.raises(NoCoaches):
        spread_coaches_evenly(db, course, [], [people.budi])
    assert spread_coaches_evenly(db, course, [], []) == []


def test_spreading_refuses_learners_who_are_not_learners(db, course, people):
    with pytest.raises(NotALearner):
        spread_coaches_evenly(db, course, [people.coach], [people.budi, people.staff])
    assert assignments(db, course.id) == []


@pytest.fixture
def roster(make_person):
    coaches = [make_person(f"Coach{i}", Role.FACILITATOR) for i in range(4)]
    learners = [make_person(f"Peserta{i:02}", Role.LEARNER) for i in range(15)]
    return coaches, learners


def _counts(db, course, coaches):
    return [len(coachees(db, course.id, c.id)) for c in coaches]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_spreading_is_balanced_keeps_existing_and_is_deterministic(db, course, roster, data):
    all_coaches, all_learners = roster
    db.execute(delete(CoachAssignment))
    coaches = data.draw(st.lists(st.sampled_from(all_coaches), min_size=1, unique_by=lambda p: p.id), "coaches")
    learners = data.draw(st.lists(st.sampled_from(all_learners), unique_by=lambda p: p.id), "learners")
    existing = data.draw(st.dictionaries(st.sampled_from(all_learners), st.sampled_from(all_coaches)), "existing")
    for learner, coach in existing.items():
        assign_coach(db, course, coach, learner)
    before = {a.learner_id: a.coach_id for a in assignments(db, course.id)}
    counts_before = _counts(db, course, coaches)

    made = spread_coaches_evenly(db, course, coaches, learners)

    after = {a.learner_id: a.coach_id for a in assignments(db, course.id)}
    assert all(after[lid] == cid for lid, cid in before.items()), "existing assignments are kept"
    assert all(learner.id in after for learner in learners), "every learner has a coach"
    assert {a.learner_id for a in made} == {learner.id for learner in learners} - set(before)
    counts = _counts(db, course, coaches)
    if made:
        assert max(counts) - min(counts) <= max(1, max(counts_before) - min(counts_before))

    # Same roster in another order, from the same start: the same result.
    db.execute(delete(CoachAssignment))
    db.expire_all()
    for learner, coach in existing.items():
        assign_coach(db, course, coach, learner)
    spread_coaches_evenly(db, course, list(reversed(coaches)), list(reversed(learners)))
    assert {a.learner_id: a.coach_id for a in assignments(db, course.id)} == after


def test_spreading_from_scratch_differs_by_at_most_one(db, course, roster):
    coaches, learners = roster
    spread_coaches_evenly(db, course, coaches, learners)
    assert sorted(_counts(db, course, coaches)) == [3, 4, 4, 4]
