"""The readiness check as a fact provider: a cohort's kept results in one go, equal to each learner's own."""

import datetime as dt

import pytest

from activities.facts import Fact, FactProvider, NextStep, Progress, Status, Step
from activities.readiness.exceptions import NotAReadinessCheck
from activities.readiness.facts import SUBMITTED, ReadinessResult
from activities.readiness.models import ReadinessAttempt
from activities.readiness.service import current_result, start_or_resume_attempt

from ..statements import counted_statements
from .conftest import POOR_DEVICE
from .test_attempts import take


@pytest.fixture
def cohort(db, make_check, make_person):
    """A check keeping the best attempt, and learners in every state it can see."""
    check = make_check(keep="best", max_attempts=0)
    people = {name: make_person(name) for name in ("Ani", "Budi", "Citra", "Dedi", "Eka")}
    # Ani: never opened it.  Budi: started, not submitted.
    start_or_resume_attempt(db, check, people["Budi"])
    # Citra: one good result.  Dedi: a poor one.
    take(db, check, people["Citra"], rating=5)
    take(db, check, people["Dedi"], right=False, rating=1, device=POOR_DEVICE, tasks=False)
    # Eka: a good result, a worse one, and a third attempt open: the best still counts.
    take(db, check, people["Eka"], rating=5)
    take(db, check, people["Eka"], right=False, rating=1, device=POOR_DEVICE, tasks=False)
    start_or_resume_attempt(db, check, people["Eka"])
    return check, people


def test_readiness_result_is_a_fact_provider():
    assert isinstance(ReadinessResult(activity_id=1), FactProvider)


def test_the_cohort_s_facts_equal_each_learner_s_and_the_kept_result(db, course, cohort):
    check, people = cohort
    ids = [p.id for p in people.values()]
    provider = ReadinessResult(activity_id=check.id)
    batch = provider.facts(db, course.id, ids)
    assert set(batch) == set(ids)
    for person in people.values():
        assert provider.facts(db, course.id, [person.id]) == {person.id: batch[person.id]}
        result = current_result(db, check.id, person.id)
        fact = batch[person.id]
        if result is None:
            assert fact.value is None and fact.band is None
        else:
            assert (fact.value, fact.band) == (result.index, result.band.value)


def test_each_state_reads_as_a_fact(db, course, cohort):
    check, people = cohort
    facts = ReadinessResult(activity_id=check.id).facts(db, course.id, [p.id for p in people.values()])
    not_yet = Progress(done=0, needed=1, key=SUBMITTED)
    done = Progress(done=1, needed=1, key=SUBMITTED)
    assert facts[people["Ani"].id] == Fact(Status.NOT_STARTED, None, not_yet, NextStep(Step.START, check.id))
    assert facts[people["Budi"].id] == Fact(Status.IN_PROGRESS, None, not_yet, NextStep(Step.CONTINUE, check.id))
    assert facts[people["Citra"].id].status is Status.DONE and facts[people["Citra"].id].band == "siap"
    assert facts[people["Dedi"].id].band == "belum_siap" and facts[people["Dedi"].id].progress == done
    eka = facts[people["Eka"].id]
    assert (eka.status, eka.band, eka.next_step) == (Status.DONE, "siap", None)
    assert eka.value == current_result(db, check.id, people["Eka"].id).index


def test_learners_with_no_data_and_unknown_ids_are_not_started(db, course, check, make_person):
    nobody = make_person("Fajar")
    facts = ReadinessResult(activity_id=check.id).facts(db, course.id, [nobody.id, 987654])
    assert {f.status for f in facts.values()} == {Status.NOT_STARTED}
    assert ReadinessResult(activity_id=check.id).facts(db, course.id, []) == {}


def test_another_course_s_or_kind_s_activity_is_refused(db, course, check, make_activity, budi):
    with pytest.raises(NotAReadinessCheck):
        ReadinessResult(activity_id=check.id).facts(db, course.id + 1, [budi.id])
    with pytest.raises(NotAReadinessCheck):
        ReadinessResult(activity_id=make_activity("coaching").id).facts(db, course.id, [budi.id])
    with pytest.raises(NotAReadinessCheck):
        ReadinessResult(activity_id=9999).facts(db, course.id, [budi.id])


def _submitted(check, person, number, index, band):
    return ReadinessAttempt(activity_id=check.id, person_id=person.id, number=number, instrument_version="v1",
                            status="submitted", submitted_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC),
                            area_scores={}, overall_index=index, band=band, recommendations=[])


def test_the_number_of_statements_does_not_grow_with_the_cohort(db, engine, course, check, make_person):
    learners = [make_person(f"Peserta {n}") for n in range(200)]
    for n, person in enumerate(learners):
        db.add(_submitted(check, person, 1, 40.0, "belum_siap"))
        if n % 2:
            db.add(_submitted(check, person, 2, 80.0, "siap"))
    db.commit()
    provider = ReadinessResult(activity_id=check.id)

    ids, course_id = [p.id for p in learners], course.id

    def statements_for(learner_ids):
        db.expire_all()
        with counted_statements(engine) as seen:
            facts = provider.facts(db, course_id, learner_ids)
        assert len(facts) == len(learner_ids)
        return len(seen)

    assert statements_for(ids) == statements_for(ids[:2]) <= 2
