"""A facilitator's review queue: their coachees' waiting work, oldest first, overdue flagged."""

import datetime as dt

from activities.coaching.service import (
    assign_coach,
    course_review_queue,
    review,
    review_queue,
    submit,
)
from activities.core import Role

UTC = dt.UTC
MONDAY = dt.datetime(2026, 3, 2, 9, tzinfo=UTC)


def test_a_coach_sees_their_coachees_oldest_first(db, task, coached, make_person):
    eko = make_person("Eko")
    assign_coach(db, task.course, coached.other_coach, eko)
    submit(db, task, coached.dewi, reflection="a", now=MONDAY + dt.timedelta(hours=2))
    submit(db, task, coached.budi, reflection="a", now=MONDAY)
    submit(db, task, eko, reflection="a", now=MONDAY + dt.timedelta(hours=1))
    queue = review_queue(db, task, coached.coach.id, now=MONDAY + dt.timedelta(days=1))
    assert [item.learner.name for item in queue] == ["Budi", "Dewi"]
    assert [item.version_number for item in queue] == [1, 1]


def test_staff_see_everyone_waiting_including_learners_without_a_coach(db, task, coached, make_person):
    eko = make_person("Eko")
    submit(db, task, eko, reflection="a", now=MONDAY)
    submit(db, task, coached.budi, reflection="a", now=MONDAY + dt.timedelta(hours=1))
    staff_queue = review_queue(db, task, coached.staff.id, is_staff=True, now=MONDAY)
    assert [item.learner.name for item in staff_queue] == ["Eko", "Budi"]
    # A facilitator claiming staff is checked against the course membership.
    assert [i.learner.name for i in review_queue(db, task, coached.coach.id, is_staff=True, now=MONDAY)] == ["Budi"]


def test_overdue_means_waiting_longer_than_the_review_target(db, task, coached):
    submit(db, task, coached.budi, reflection="a", now=MONDAY)
    submit(db, task, coached.dewi, reflection="a", now=MONDAY + dt.timedelta(days=1))
    now = MONDAY + dt.timedelta(days=3, minutes=1)
    queue = review_queue(db, task, coached.coach.id, now=now)
    assert [(item.learner.name, item.overdue) for item in queue] == [("Budi", True), ("Dewi", False)]
    assert queue[0].waiting == dt.timedelta(days=3, minutes=1)


def test_reviewed_work_leaves_the_queue_and_a_resubmission_comes_back(db, task, coached):
    sub = submit(db, task, coached.budi, reflection="a", now=MONDAY)
    review(db, task, sub, coached.coach, Role.FACILITATOR, version_number=1, decision="revise", feedback="Lagi")
    assert review_queue(db, task, coached.coach.id, now=MONDAY) == []
    later = MONDAY + dt.timedelta(days=5)
    submit(db, task, coached.budi, reflection="b", now=later)
    queue = review_queue(db, task, coached.coach.id, now=later + dt.timedelta(hours=1))
    assert [(item.version_number, item.overdue, item.waiting_since) for item in queue] == [(2, False, later)]


def test_the_course_queue_spans_every_coaching_task(db, task, make_activity, coached):
    second = make_activity("coaching", {"review_target_days": 1}, title="Tugas 2")
    make_activity("readiness")
    submit(db, second, coached.budi, reflection="a", now=MONDAY)
    submit(db, task, coached.budi, reflection="a", now=MONDAY + dt.timedelta(hours=1))
    queue = course_review_queue(db, task.course_id, coached.coach.id, now=MONDAY + dt.timedelta(days=2))
    assert [(item.activity.title, item.overdue) for item in queue] == [("Tugas 2", True),
                                                                        ("Aktualisasi nilai BerAKHLAK", False)]
