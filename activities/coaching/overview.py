"""The staff overview of a coaching task: where every learner stands, and each coach's load."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core import Activity, Person, Role, members
from ..course.models import CoachAssignment
from ..csv_export import csv_text, safe_cell, safe_row  # noqa: F401  (were defined here; still importable)
from ..db import utcnow
from .models import Decision, Review, Submission, SubmissionStatus, SubmissionVersion
from .settings import settings_of


@dataclasses.dataclass(frozen=True)
class CoachLoad:
    coach: Person
    #: Learners assigned in the course (all tasks).
    coachees: int
    #: Their submissions of this task waiting for review, and how many of those are overdue.
    waiting: int
    overdue: int
    #: Reviews this person gave on this task, and their average time from submission to review.
    reviews: int
    average_review_time: dt.timedelta | None


@dataclasses.dataclass(frozen=True)
class Overview:
    learners: int
    not_submitted: int
    submitted: int
    waiting_review: int
    revision_requested: int
    accepted: int
    late: int
    overdue: int
    #: Waiting submissions of learners without a coach: only staff see them in a queue.
    unassigned_waiting: int
    average_review_time: dt.timedelta | None
    coaches: list[CoachLoad]


def overview(session: Session, activity: Activity, *, now: dt.datetime | None = None) -> Overview:
    """Counts of one task. ``submitted`` counts every learner who handed in anything;
    the three states after it split those learners."""
    settings = settings_of(activity)
    now = now or utcnow()
    target = dt.timedelta(days=settings.review_target_days)
    submissions = _submissions(session, activity)
    assignments = _assignments(session, activity.course_id)
    coach_by_learner = {a.learner_id: a.coach_id for a in assignments}
    learner_ids = {m.person_id for m in members(session, activity.course_id, Role.LEARNER)}
    learner_ids |= {s.learner_id for s in submissions}

    status_count: dict[str, int] = defaultdict(int)
    waiting_by_coach: dict[int | None, int] = defaultdict(int)
    overdue_by_coach: dict[int | None, int] = defaultdict(int)
    for sub in submissions:
        status_count[sub.status] += 1
        if sub.state.waiting_for_review:
            coach_id = coach_by_learner.get(sub.learner_id)
            waiting_by_coach[coach_id] += 1
            if now - sub.last_submitted_at > target:
                overdue_by_coach[coach_id] += 1

    review_times = _review_times(session, activity)
    people = {a.coach_id: a.coach for a in assignments}
    people.update({reviewer.id: reviewer for reviewer, _ in review_times})
    coachee_count: dict[int, int] = defaultdict(int)
    for a in assignments:
        coachee_count[a.coach_id] += 1
    times_by_reviewer: dict[int, list[dt.timedelta]] = defaultdict(list)
    for reviewer, took in review_times:
        times_by_reviewer[reviewer.id].append(took)

    loads = [
        CoachLoad(
            coach=person, coachees=coachee_count[pid], waiting=waiting_by_coach[pid], overdue=overdue_by_coach[pid],
            reviews=len(times_by_reviewer[pid]), average_review_time=_average(times_by_reviewer[pid]),
        )
        for pid, person in sorted(people.items(), key=lambda item: (item[1].name, item[1].sub))
    ]
    waiting = status_count[SubmissionStatus.SUBMITTED.value] + status_count[SubmissionStatus.RESUBMITTED.value]
    return Overview(
        learners=len(learner_ids),
        not_submitted=len(learner_ids) - len(submissions),
        submitted=len(submissions),
        waiting_review=waiting,
        revision_requested=status_count[SubmissionStatus.REVISION_REQUESTED.value],
        accepted=status_count[SubmissionStatus.ACCEPTED.value],
        late=sum(1 for s in submissions if s.is_late),
        overdue=sum(overdue_by_coach.values()),
        unassigned_waiting=waiting_by_coach[None],
        average_review_time=_average([took for _, took in review_times]),
        coaches=loads,
    )


CSV_COLUMNS = (
    "learner", "email", "coach", "status", "version", "first_submitted_at", "last_submitted_at",
    "late", "accepted_at", "score", "score_maximum",
)
NOT_SUBMITTED = "not_submitted"


def overview_csv(session: Session, activity: Activity) -> str:
    """One row per learner of the course (whether they submitted or not), for a spreadsheet."""
    settings_of(activity)
    submissions = {s.learner_id: s for s in _submissions(session, activity)}
    coaches = {a.learner_id: a.coach for a in _assignments(session, activity.course_id)}
    learners = {m.person_id: m.person for m in members(session, activity.course_id, Role.LEARNER)}
    learners.update({s.learner_id: s.learner for s in submissions.values()})
    scores = _accepted_scores(session, activity)

    rows = []
    for person in sorted(learners.values(), key=lambda p: (p.name, p.sub)):
        sub = submissions.get(person.id)
        coach = coaches.get(person.id)
        score = scores.get(sub.id) if sub else None
        rows.append([
            person.display_name, person.email, coach.display_name if coach else "",
            sub.status if sub else NOT_SUBMITTED,
            sub.current_version if sub else "",
            _iso(sub.first_submitted_at) if sub else "",
            _iso(sub.last_submitted_at) if sub else "",
            ("yes" if sub.is_late else "no") if sub else "",
            _iso(sub.accepted_at) if sub else "",
            f"{score:g}" if score is not None else "",
            f"{activity.score_maximum:g}" if score is not None else "",
        ])
    return csv_text(CSV_COLUMNS, rows)


def _submissions(session: Session, activity: Activity) -> list[Submission]:
    return list(session.scalars(select(Submission).where(Submission.activity_id == activity.id)))


def _assignments(session: Session, course_id: int) -> list[CoachAssignment]:
    return list(session.scalars(select(CoachAssignment).where(CoachAssignment.course_id == course_id)))


def _review_times(session: Session, activity: Activity) -> list[tuple[Person, dt.timedelta]]:
    """Each review of the task with the time from its version's submission to it."""
    rows = session.execute(
        select(Review, SubmissionVersion.submitted_at)
        .join(SubmissionVersion, Review.version_id == SubmissionVersion.id)
        .join(Submission, SubmissionVersion.submission_id == Submission.id)
        .where(Submission.activity_id == activity.id)
    ).all()
    return [(review.reviewer, review.created_at - submitted_at) for review, submitted_at in rows]


def _accepted_scores(session: Session, activity: Activity) -> dict[int, float]:
    rows = session.execute(
        select(Submission.id, Review.score)
        .join(SubmissionVersion, SubmissionVersion.submission_id == Submission.id)
        .join(Review, Review.version_id == SubmissionVersion.id)
        .where(Submission.activity_id == activity.id, Review.decision == Decision.ACCEPT.value)
    ).all()
    # An accepted review always has a score (reviews.review refuses to accept without one).
    return {submission_id: score for submission_id, score in rows if score is not None}


def _average(durations: list[dt.timedelta]) -> dt.timedelta | None:
    if not durations:
        return None
    return sum(durations, dt.timedelta()) / len(durations)


def _iso(value: dt.datetime | None) -> str:
    return value.isoformat(timespec="seconds") if value else ""
