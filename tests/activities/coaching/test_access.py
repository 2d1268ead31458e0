"""Who may review and see a learner's work: the learner, their coach, staff of that course."""

import pytest

from activities.coaching.exceptions import NotYourCoachee
from activities.coaching.models import SubmissionStatus
from activities.coaching.service import can_view_submission, review, submit
from activities.core import Role, upsert_course, upsert_membership

from .conftest import FULL_MARKS


@pytest.fixture
def budi_submission(db, task, coached):
    return submit(db, task, coached.budi, reflection="Refleksi Budi")


def test_a_coach_reviews_their_own_coachees(db, task, coached, budi_submission):
    review(db, task, budi_submission, coached.coach, Role.FACILITATOR, version_number=1, decision="accept",
           selection=FULL_MARKS)
    assert budi_submission.state is SubmissionStatus.ACCEPTED


def test_another_facilitator_may_not_review(db, task, coached, budi_submission):
    with pytest.raises(NotYourCoachee):
        review(db, task, budi_submission, coached.other_coach, Role.FACILITATOR, version_number=1,
               decision="accept", selection=FULL_MARKS)
    assert budi_submission.state is SubmissionStatus.SUBMITTED


def test_staff_of_the_course_review_anyone(db, task, coached, budi_submission):
    review(db, task, budi_submission, coached.staff, Role.STAFF, version_number=1, decision="revise",
           feedback="Tambahkan bukti.")
    assert budi_submission.state is SubmissionStatus.REVISION_REQUESTED


def test_a_learner_cannot_review_even_their_own_work(db, task, coached, budi_submission):
    for person in (coached.budi, coached.dewi):
        with pytest.raises(NotYourCoachee):
            review(db, task, budi_submission, person, Role.LEARNER, version_number=1, decision="accept",
                   selection=FULL_MARKS)


def test_a_role_claimed_in_another_course_opens_nothing_here(db, platform, task, coached, budi_submission):
    """Wulan teaches another course: her STAFF launch there does not make her staff here."""
    elsewhere = upsert_course(db, platform.id, "99", "LAIN", "Kursus lain")
    upsert_membership(db, elsewhere, coached.other_coach, Role.STAFF)
    with pytest.raises(NotYourCoachee):
        review(db, task, budi_submission, coached.other_coach, Role.STAFF, version_number=1, decision="accept",
               selection=FULL_MARKS)
    assert not can_view_submission(db, budi_submission, coached.other_coach.id, Role.STAFF)


def test_the_learner_their_coach_and_staff_see_a_submission(db, coached, budi_submission):
    assert can_view_submission(db, budi_submission, coached.budi.id, Role.LEARNER)
    assert can_view_submission(db, budi_submission, coached.coach.id, Role.FACILITATOR)
    assert can_view_submission(db, budi_submission, coached.staff.id, Role.STAFF)


def test_nobody_else_sees_it(db, coached, budi_submission):
    assert not can_view_submission(db, budi_submission, coached.dewi.id, Role.LEARNER)
    assert not can_view_submission(db, budi_submission, coached.other_coach.id, Role.FACILITATOR)
    assert not can_view_submission(db, budi_submission, coached.dewi.id, Role.STAFF), "a learner claiming staff"
    assert not can_view_submission(db, budi_submission, coached.coach.id, None)
    assert not can_view_submission(db, budi_submission, 10**9, Role.STAFF)


def test_a_coach_demoted_to_learner_loses_access(db, course, coached, budi_submission):
    upsert_membership(db, course, coached.coach, Role.LEARNER)
    assert not can_view_submission(db, budi_submission, coached.coach.id, Role.FACILITATOR)
