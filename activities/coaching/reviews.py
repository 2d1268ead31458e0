"""Reviewing: the coach's side of the submission state machine, and the review queue.

A review judges the current version of a submission that waits for review.
Accepting needs a score and ends the task with a graded result; asking for a
revision needs feedback and hands the task back to the learner.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import events
from ..core import Activity, Person, Role
from ..course.access import may_coach, role_in_course
from ..course.models import CoachAssignment
from ..db import utcnow
from . import KIND
from .exceptions import (
    AlreadyAccepted,
    FeedbackRequired,
    NotWaitingForReview,
    NotYourCoachee,
    ScoreRequired,
    TextTooLong,
    UnknownDecision,
    UnknownVersion,
    VersionSuperseded,
    WrongActivity,
)
from .grading import grade_accepted, grade_revision_requested
from .models import Decision, Review, Submission, SubmissionStatus, SubmissionVersion
from .sanitize import clean_html
from .settings import settings_of

MAX_FEEDBACK = 20_000


def review(
    session: Session,
    activity: Activity,
    submission: Submission,
    reviewer: Person,
    reviewer_role: Role,
    *,
    version_number: int,
    decision: Decision | str,
    selection: Mapping[str, str] | None = None,
    score: float | None = None,
    feedback: str = "",
    now: dt.datetime | None = None,
) -> Review:
    """Record a review of version ``version_number`` and send its result to the gradebook.

    ``version_number`` is the version the reviewer looked at: if the learner
    has replaced it since, the review is refused (VersionSuperseded) rather
    than applied to work the reviewer has not seen. Give ``selection`` for a
    criteria rubric or ``score`` for a simple one.
    """
    settings = settings_of(activity)
    now = now or utcnow()
    if submission.activity_id != activity.id:
        raise WrongActivity(f"submission {submission.id} is not of activity {activity.id}")
    if not may_coach(session, activity.course_id, reviewer.id, reviewer_role, submission.learner_id):
        raise NotYourCoachee("only the learner's coach or staff of the course may review")
    # Re-read under a lock: the learner may have submitted since the page was shown.
    session.execute(select(Submission.id).where(Submission.id == submission.id).with_for_update())
    session.refresh(submission)

    if submission.state is SubmissionStatus.ACCEPTED:
        raise AlreadyAccepted("this submission is already accepted")
    if not 1 <= version_number <= submission.current_version:
        raise UnknownVersion(f"no version {version_number}")
    if version_number != submission.current_version:
        raise VersionSuperseded(f"version {version_number} was replaced by version {submission.current_version}")
    if not submission.state.waiting_for_review:
        raise NotWaitingForReview("a revision was asked; the learner has not resubmitted yet")

    try:
        decision = Decision(decision)
    except ValueError:
        raise UnknownDecision(f"unknown decision {decision!r}") from None
    feedback_html = clean_html(feedback)
    if len(feedback_html) > MAX_FEEDBACK:
        raise TextTooLong("feedback", MAX_FEEDBACK)

    rubric = settings.rubric
    points = rubric.points(selection, score)
    if decision is Decision.ACCEPT and points is None:
        raise ScoreRequired("score the work on the rubric before accepting it")
    if decision is Decision.REVISE and not feedback_html:
        raise FeedbackRequired("say what the learner should revise")
    scaled = rubric.scale(points, activity.score_maximum) if points is not None else None

    version = submission.latest
    result = Review(
        version_id=version.id, reviewer_id=reviewer.id,
        selection=dict(selection) if selection else None,
        points=points, score=scaled, score_maximum=activity.score_maximum if scaled is not None else None,
        feedback=feedback_html, decision=decision.value, created_at=now,
    )
    session.add(result)
    learner = submission.learner
    if decision is Decision.ACCEPT:
        submission.status = SubmissionStatus.ACCEPTED.value
        submission.accepted_at = now
        assert scaled is not None  # ScoreRequired above: an accepted review has points
        grade_accepted(session, activity, learner, scaled, feedback_html)
    else:
        submission.status = SubmissionStatus.REVISION_REQUESTED.value
        grade_revision_requested(session, activity, learner, feedback_html)
    session.flush()
    events.fact_changed(session, activity.course_id, [learner.id])  # phase gating recomputes
    return result


def reviews_of(session: Session, submission: Submission) -> list[Review]:
    """Every review of a submission, oldest first, for the learner's and coach's history."""
    return list(
        session.scalars(
            select(Review)
            .join(SubmissionVersion, Review.version_id == SubmissionVersion.id)
            .where(SubmissionVersion.submission_id == submission.id)
            .order_by(Review.created_at, Review.id)
        )
    )


@dataclasses.dataclass(frozen=True)
class QueueItem:
    activity: Activity
    submission: Submission
    learner: Person
    version_number: int
    waiting_since: dt.datetime
    waiting: dt.timedelta
    #: Waiting longer than the task's review target.
    overdue: bool
    #: The learner's coach; None when nobody coaches them yet and only staff of the course can review.
    coach: Person | None = None


def review_queue(
    session: Session, activity: Activity, coach_id: int, *, is_staff: bool = False, now: dt.datetime | None = None
) -> list[QueueItem]:
    """Submissions of one task waiting for review, oldest first.

    A coach sees their coachees'; staff of the course (``is_staff``, checked
    against the membership too) see everyone's, including learners without a coach.
    """
    settings_of(activity)
    return _queue(session, activity.course_id, [activity], coach_id, is_staff, now)


def course_review_queue(
    session: Session, course_id: int, coach_id: int, *, is_staff: bool = False, now: dt.datetime | None = None
) -> list[QueueItem]:
    """The same across every coaching task of the course: a facilitator's whole queue."""
    activities = list(
        session.scalars(select(Activity).where(Activity.course_id == course_id, Activity.kind == KIND))
    )
    return _queue(session, course_id, activities, coach_id, is_staff, now)


def _queue(
    session: Session, course_id: int, activities: list[Activity], coach_id: int, is_staff: bool,
    now: dt.datetime | None,
) -> list[QueueItem]:
    if not activities:
        return []
    now = now or utcnow()
    targets = {a.id: dt.timedelta(days=settings_of(a).review_target_days) for a in activities}
    by_id = {a.id: a for a in activities}
    waiting = [SubmissionStatus.SUBMITTED.value, SubmissionStatus.RESUBMITTED.value]
    query = select(Submission).where(Submission.activity_id.in_(by_id), Submission.status.in_(waiting))
    staff = is_staff and role_in_course(session, course_id, coach_id) is Role.STAFF
    if not staff:
        query = query.join(
            CoachAssignment,
            (CoachAssignment.learner_id == Submission.learner_id) & (CoachAssignment.course_id == course_id),
        ).where(CoachAssignment.coach_id == coach_id)
    coach_by_learner = {a.learner_id: a.coach for a in session.scalars(
        select(CoachAssignment).where(CoachAssignment.course_id == course_id))}
    items = []
    for submission in session.scalars(query.order_by(Submission.last_submitted_at, Submission.id)):
        waited = now - submission.last_submitted_at
        items.append(QueueItem(
            activity=by_id[submission.activity_id], submission=submission, learner=submission.learner,
            version_number=submission.current_version, waiting_since=submission.last_submitted_at,
            waiting=waited, overdue=waited > targets[submission.activity_id],
            coach=coach_by_learner.get(submission.learner_id),
        ))
    return items
