"""The course as a fact provider: coaching sessions held for a cohort, in a course with no activity at all."""

import datetime as dt

import pytest

from activities import registry
from activities.core import Activity, Role, upsert_course
from activities.course.facts import COACHING_SESSIONS_KEY, CoachingSessionsHeld
from activities.course.models import CoachingSession
from activities.course.service import coaching_session_count, log_coaching_session
from activities.facts import Fact, FactProvider, NextStep, Progress, Status, Step

from ..statements import counted_statements

NOW = dt.datetime(2026, 3, 10, 3, tzinfo=dt.UTC)


def held(db, course, coach, learner, times):
    for _ in range(times):
        log_coaching_session(db, course, coach, learner, Role.FACILITATOR, held_on=dt.date(2026, 3, 9),
                             mode="online", now=NOW)


@pytest.fixture
def cohort(db, course, platform, coached, make_person):
    """Budi has had two coaching sessions, Dewi one, Eko none; the course has no activity."""
    eko = make_person("Eko")
    held(db, course, coached.coach, coached.budi, 2)
    held(db, course, coached.coach, coached.dewi, 1)
    # Eko's coaching session in another course never counts here.
    other = upsert_course(db, platform.id, "99", "LAIN", "Kursus lain")
    db.add(CoachingSession(course_id=other.id, coach_id=coached.coach.id, learner_id=eko.id,
                           held_on=dt.date(2026, 3, 9), mode="online"))
    db.flush()
    assert db.query(Activity).count() == 0
    return {"budi": coached.budi, "dewi": coached.dewi, "eko": eko}


def test_the_course_registers_its_provider_for_every_process():
    provider = registry.course_facts()["coaching_sessions_held"](needed=3)
    assert isinstance(provider, FactProvider) and provider == CoachingSessionsHeld(needed=3)
    assert "sessions_held" not in registry.get("coaching").facts, "no longer a coaching task's fact"


@pytest.mark.parametrize("provider", [CoachingSessionsHeld(), CoachingSessionsHeld(needed=2)])
def test_the_cohort_s_facts_equal_each_learner_s(db, course, cohort, provider):
    ids = [p.id for p in cohort.values()]
    batch = provider.facts(db, course.id, ids)
    assert set(batch) == set(ids)
    for person in cohort.values():
        assert provider.facts(db, course.id, [person.id]) == {person.id: batch[person.id]}
        assert batch[person.id].value == coaching_session_count(db, course.id, person.id)
    assert [batch[p.id].value for p in cohort.values()] == [2, 1, 0]


def test_coaching_sessions_held_against_a_target_without_any_coaching_task(db, course, cohort):
    facts = CoachingSessionsHeld(needed=2).facts(db, course.id, [p.id for p in cohort.values()])
    assert facts[cohort["budi"].id] == Fact(Status.DONE, 2, Progress(2, 2, COACHING_SESSIONS_KEY), None)
    assert facts[cohort["dewi"].id] == Fact(Status.IN_PROGRESS, 1, Progress(1, 2, COACHING_SESSIONS_KEY),
                                            NextStep(Step.MEET_COACH))
    assert facts[cohort["eko"].id] == Fact(Status.NOT_STARTED, 0, Progress(0, 2, COACHING_SESSIONS_KEY),
                                           NextStep(Step.MEET_COACH))


def test_learners_with_no_data_are_not_started(db, course, make_person):
    nobody = make_person("Gilang")
    facts = CoachingSessionsHeld().facts(db, course.id, [nobody.id, 987654])
    assert {f.status for f in facts.values()} == {Status.NOT_STARTED}
    assert {f.value for f in facts.values()} == {0}
    assert CoachingSessionsHeld().facts(db, course.id, []) == {}


def test_the_number_of_statements_does_not_grow_with_the_cohort(db, engine, course, people, make_person):
    learners = [make_person(f"Peserta {n}") for n in range(200)]
    for learner in learners[::2]:
        db.add(CoachingSession(course_id=course.id, coach_id=people.coach.id, learner_id=learner.id,
                               held_on=dt.date(2026, 3, 9), mode="online"))
    db.commit()
    ids, course_id = [p.id for p in learners], course.id

    def statements_for(learner_ids):
        db.expire_all()
        with counted_statements(engine) as seen:
            facts = CoachingSessionsHeld().facts(db, course_id, learner_ids)
        assert len(facts) == len(learner_ids)
        return len(seen)

    assert statements_for(ids) == statements_for(ids[:2]) == 1
    assert sum(f.value for f in CoachingSessionsHeld().facts(db, course.id, ids).values()) == 100
