"""Coaching tasks as a fact provider: tasks accepted for a cohort, equal to each learner's counts."""

import datetime as dt

import pytest

from activities.coaching.facts import TASKS_KEY, ReviewTime, TasksAccepted, accepted_counts
from activities.coaching.models import Review, Submission, SubmissionVersion
from activities.coaching.service import accepted_count, submit
from activities.coaching.service import review as review_
from activities.core import Activity, Role, upsert_course
from activities.facts import Fact, FactProvider, NextStep, Progress, Status, Step

from ..statements import counted_statements
from .conftest import FULL_MARKS

WEAK = {"analysis": "weak", "action": "weak"}  # 1 of 10 points: 10 %


def review(db, task, sub, coach, **kwargs):
    kwargs.setdefault("feedback", "<p>Perbaiki rencana aksi.</p>")
    return review_(db, task, sub, coach, Role.FACILITATOR, version_number=sub.current_version, **kwargs)


@pytest.fixture
def cohort(db, course, platform, task, make_activity, coached, make_person):
    """Two tasks; Budi has both accepted (one with a weak score), Dewi was asked to revise the first,
    Eko handed in the first only, Fitri did nothing."""
    second = make_activity("coaching", {"rubric": task.settings["rubric"]}, title="Inovasi layanan")
    eko, fitri = make_person("Eko"), make_person("Fitri")
    review(db, task, submit(db, task, coached.budi, reflection="A"), coached.coach, decision="accept",
           selection=FULL_MARKS)
    review(db, second, submit(db, second, coached.budi, reflection="B"), coached.coach, decision="accept",
           selection=WEAK)
    review(db, task, submit(db, task, coached.dewi, reflection="C"), coached.coach, decision="revise")
    submit(db, task, eko, reflection="D")
    # Another course's task, accepted: never counted here.
    other = upsert_course(db, platform.id, "99", "LAIN", "Kursus lain")
    elsewhere = Activity(course_id=other.id, kind="coaching", settings={})
    db.add(elsewhere)
    db.flush()
    db.add(Submission(activity_id=elsewhere.id, learner_id=fitri.id, status="accepted"))
    db.flush()
    return task, second, {"budi": coached.budi, "dewi": coached.dewi, "eko": eko, "fitri": fitri}


def test_the_coaching_provider_is_a_fact_provider():
    assert isinstance(TasksAccepted(), FactProvider)


@pytest.mark.parametrize("provider", [
    TasksAccepted(), TasksAccepted(needed=1), TasksAccepted(min_percent=50),
])
def test_the_cohort_s_facts_equal_each_learner_s(db, course, cohort, provider):
    _, _, people = cohort
    ids = [p.id for p in people.values()]
    batch = provider.facts(db, course.id, ids)
    assert set(batch) == set(ids)
    for person in people.values():
        assert provider.facts(db, course.id, [person.id]) == {person.id: batch[person.id]}


def test_the_counts_equal_the_single_learner_functions(db, course, cohort):
    _, _, people = cohort
    ids = [p.id for p in people.values()]
    tasks = TasksAccepted().facts(db, course.id, ids)
    for person in people.values():
        assert tasks[person.id].value == accepted_count(db, course.id, person.id)
    assert [tasks[p.id].value for p in people.values()] == [2, 0, 0, 0]


def test_tasks_accepted_reads_each_state_with_its_next_step(db, course, cohort):
    task, second, people = cohort
    ids = [p.id for p in people.values()]
    facts = TasksAccepted().facts(db, course.id, ids)
    of_two = lambda done: Progress(done=done, needed=2, key=TASKS_KEY)  # noqa: E731
    assert facts[people["budi"].id] == Fact(Status.DONE, 2, of_two(2), None)
    assert facts[people["dewi"].id] == Fact(Status.IN_PROGRESS, 0, of_two(0), NextStep(Step.REVISE, task.id))
    assert facts[people["eko"].id] == Fact(Status.IN_PROGRESS, 0, of_two(0), NextStep(Step.SUBMIT, second.id))
    assert facts[people["fitri"].id] == Fact(Status.NOT_STARTED, 0, of_two(0), NextStep(Step.SUBMIT, task.id))


def test_a_minimum_score_counts_only_tasks_accepted_with_it(db, course, cohort):
    _, _, people = cohort
    budi = people["budi"].id
    assert accepted_counts(db, course.id, [budi], min_percent=10) == {budi: 2}
    assert accepted_counts(db, course.id, [budi], min_percent=50) == {budi: 1}
    fact = TasksAccepted(min_percent=50).facts(db, course.id, [budi])[budi]
    # Both tasks are accepted and final: one counts, and nothing is left to do.
    assert (fact.status, fact.value, fact.next_step) == (Status.IN_PROGRESS, 1, None)
    assert TasksAccepted(needed=1, min_percent=50).facts(db, course.id, [budi])[budi].status is Status.DONE


def test_learners_with_no_data_are_not_started(db, course, task, make_person):
    nobody = make_person("Gilang")
    facts = TasksAccepted().facts(db, course.id, [nobody.id, 987654])
    assert {f.status for f in facts.values()} == {Status.NOT_STARTED}
    assert {f.value for f in facts.values()} == {0}
    assert TasksAccepted().facts(db, course.id, []) == {}


def test_the_number_of_statements_does_not_grow_with_the_cohort(db, engine, course, task, people, make_person):
    learners = [make_person(f"Peserta {n}") for n in range(200)]
    for n, learner in enumerate(learners):
        version = SubmissionVersion(number=1)
        if n % 2:
            version.reviews = [Review(reviewer_id=people.coach.id, decision="accept", score=80.0,
                                      score_maximum=100.0)]
        db.add(Submission(activity_id=task.id, learner_id=learner.id, status="accepted" if n % 2 else "submitted",
                          versions=[version]))
    db.commit()
    ids, course_id = [p.id for p in learners], course.id

    def statements_for(provider, learner_ids):
        db.expire_all()
        with counted_statements(engine) as seen:
            facts = provider.facts(db, course_id, learner_ids)
        assert len(facts) == len(learner_ids)
        return len(seen)

    provider = TasksAccepted(min_percent=50)
    assert statements_for(provider, ids) == statements_for(provider, ids[:2]) <= 2
    assert sum(f.value for f in TasksAccepted(min_percent=50).facts(db, course.id, ids).values()) == 100


def review_waits(db, course_id, task_id, coach_id, budi_id, ani_id):
    """Budi's first version waited 1.5 hours for a revision, his second 3 hours for the acceptance;
    Ani's review is stamped before her version (clocks disagree): a wait of 0, not a negative one."""
    start = dt.datetime(2026, 3, 2, 8, tzinfo=dt.UTC)
    hours = dt.timedelta(hours=1)
    db.add(Submission(activity_id=task_id, learner_id=budi_id, status="accepted", current_version=2, versions=[
        SubmissionVersion(number=1, submitted_at=start, reviews=[
            Review(reviewer_id=coach_id, decision="revise", created_at=start + 1.5 * hours)]),
        SubmissionVersion(number=2, submitted_at=start + 2 * hours, reviews=[
            Review(reviewer_id=coach_id, decision="accept", score=8.0, score_maximum=10.0,
                   created_at=start + 5 * hours)]),
    ]))
    db.add(Submission(activity_id=task_id, learner_id=ani_id, status="submitted", versions=[
        SubmissionVersion(number=1, submitted_at=start, reviews=[
            Review(reviewer_id=coach_id, decision="revise", created_at=start - hours)])]))
    db.flush()


def assert_review_times(facts, budi_id, ani_id, nobody_id):
    """The average wait in hours (the database subtracts the times; SQLite to the millisecond)."""
    assert facts[budi_id].value == pytest.approx(2.25) and facts[budi_id].progress.done == 2
    assert facts[ani_id].value == 0 and facts[ani_id].progress.done == 1
    assert facts[nobody_id].status is Status.NOT_STARTED and facts[nobody_id].value is None


def test_review_times_are_averaged_per_learner(db, course, task, coached, make_person):
    nobody = make_person("Fitri")
    review_waits(db, course.id, task.id, coached.coach.id, coached.budi.id, coached.dewi.id)
    facts = ReviewTime().facts(db, course.id, [coached.budi.id, coached.dewi.id, nobody.id])
    assert_review_times(facts, coached.budi.id, coached.dewi.id, nobody.id)
