"""The whole loop on PostgreSQL, where submit and review lock the submission row (FOR UPDATE); the review
times PostgreSQL subtracts."""

import pytest
from sqlalchemy import select

import lti_tool.models  # noqa: F401
from activities.coaching import KIND
from activities.coaching.facts import ReviewTime
from activities.coaching.models import Submission
from activities.coaching.service import assign_coach, review, submit
from activities.core import Activity, Role, upsert_course, upsert_membership, upsert_person
from activities.db import transaction
from activities.grades import GradeOutbox
from tests.rows import new_platform

from .conftest import FULL_MARKS, RUBRIC
from .test_facts import assert_review_times, review_waits

pytestmark = pytest.mark.postgres


def test_submit_revise_resubmit_accept_on_postgresql(postgres_sessions):
    factory = postgres_sessions
    with transaction(factory) as db:
        platform = new_platform()
        db.add(platform)
        db.flush()
        course = upsert_course(db, platform.id, "2")
        coach, budi = upsert_person(db, platform.id, "10"), upsert_person(db, platform.id, "11")
        upsert_membership(db, course, coach, Role.FACILITATOR)
        upsert_membership(db, course, budi, Role.LEARNER)
        assign_coach(db, course, coach, budi)
        task = Activity(course_id=course.id, kind=KIND, settings={"rubric": RUBRIC})
        db.add(task)
    with transaction(factory) as db:
        submission_id = submit(db, db.get(Activity, task.id), budi, reflection="Versi satu").id
    with transaction(factory) as db:
        review(db, db.get(Activity, task.id), db.get(Submission, submission_id), coach, Role.FACILITATOR,
               version_number=1, decision="revise", feedback="Lagi")
    with transaction(factory) as db:
        submit(db, db.get(Activity, task.id), budi, reflection="Versi dua")
    with transaction(factory) as db:
        review(db, db.get(Activity, task.id), db.get(Submission, submission_id), coach, Role.FACILITATOR,
               version_number=2, decision="accept", selection=FULL_MARKS)
    with transaction(factory) as db:
        rows = db.scalars(select(GradeOutbox).order_by(GradeOutbox.id)).all()
        assert [(r.activity_progress, r.grading_progress, r.score_given) for r in rows] == [
            ("Submitted", "PendingManual", None),
            ("InProgress", "PendingManual", None),
            ("Submitted", "PendingManual", None),
            ("Completed", "FullyGraded", 100),
        ]



def test_review_times_are_summed_by_postgresql(postgres_sessions):
    """The waits are subtracted in SQL (activities.db.hours_waited): PostgreSQL's own expression."""
    with transaction(postgres_sessions) as db:
        platform = new_platform()
        db.add(platform)
        db.flush()
        course = upsert_course(db, platform.id, "2")
        coach, budi, ani, eko = (upsert_person(db, platform.id, sub) for sub in ("10", "11", "12", "13"))
        task = Activity(course_id=course.id, kind=KIND, settings={"rubric": RUBRIC})
        db.add(task)
        db.flush()
        review_waits(db, course.id, task.id, coach.id, budi.id, ani.id)
    with transaction(postgres_sessions) as db:
        assert_review_times(ReviewTime().facts(db, course.id, [budi.id, ani.id, eko.id]), budi.id, ani.id, eko.id)
