"""Coaching tasks as fact providers: tasks accepted, work waiting for review, review times, per learner.

Phase gating asks "has this learner had N coaching tasks accepted (with at
least this score)?" for a whole cohort. The count here is the one
implementation: the single-learner :func:`.submissions.accepted_count` calls
it with one learner. Coaching sessions held are the course's, not a task's:
:class:`activities.course.facts.CoachingSessionsHeld`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Sequence
from typing import Any, NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core import Activity
from ..db import hours_waited, utcnow
from ..facts import Fact, NextStep, Progress, Status, Step, counted, learners_among
from . import KIND
from .models import Decision, Review, Submission, SubmissionStatus, SubmissionVersion
from .settings import settings_of

TASKS_KEY = "coaching.tasks_accepted"


class _TaskState(NamedTuple):
    activity_id: int
    status: SubmissionStatus
    #: The accepted score as a percentage of its maximum; None unless accepted.
    percent: float | None


def _course_tasks(session: Session, course_id: int) -> list[int]:
    """The course's coaching tasks, in the order they were placed."""
    return list(session.scalars(
        select(Activity.id).where(Activity.course_id == course_id, Activity.kind == KIND).order_by(Activity.id)))


def _task_states(
    session: Session, course_id: int, learner_ids: list[int], activity_ids: Collection[int] | None = None
) -> dict[int, list[_TaskState]]:
    """Each learner's submissions to the course's coaching tasks (or to ``activity_ids`` of them),
    with the accepted score: one query."""
    # Table columns, not the mapped classes: plain rows without the ORM's loading (a course has thousands).
    submission, version, review, activity = (Submission.__table__.c, SubmissionVersion.__table__.c,
                                             Review.__table__.c, Activity.__table__.c)
    accepts = (
        select(version.submission_id, review.score, review.score_maximum)
        .join_from(SubmissionVersion.__table__, Review.__table__, review.version_id == version.id)
        .where(review.decision == Decision.ACCEPT.value)
        .subquery()
    )
    rows = session.execute(
        select(submission.learner_id, submission.activity_id, submission.status, accepts.c.score,
               func.coalesce(accepts.c.score_maximum, activity.score_maximum))
        .join_from(Submission.__table__, Activity.__table__, submission.activity_id == activity.id)
        .outerjoin(accepts, accepts.c.submission_id == submission.id)
        .where(activity.course_id == course_id, activity.kind == KIND,
               *learners_among(submission.learner_id, learner_ids),
               *([submission.activity_id.in_(list(activity_ids))] if activity_ids is not None else []))
        .order_by(submission.learner_id, submission.activity_id)
    ).all()
    states: dict[int, list[_TaskState]] = defaultdict(list)
    accepted = SubmissionStatus.ACCEPTED
    for learner_id, activity_id, status, score, maximum in rows:
        status = _STATUSES[status]
        percent = None
        if status is accepted and score is not None and maximum:
            percent = 100.0 * score / maximum
        states[learner_id].append(_TaskState(activity_id, status, percent))
    return states


#: A stored status → its member, without the enum's lookup call for each of thousands of rows.
_STATUSES = {status.value: status for status in SubmissionStatus}


def _is_accepted(state: _TaskState, min_percent: float | None) -> bool:
    if state.status is not SubmissionStatus.ACCEPTED:
        return False
    return min_percent is None or (state.percent is not None and state.percent >= min_percent)


def accepted_counts(
    session: Session, course_id: int, learner_ids: Collection[int], *, min_percent: float | None = None
) -> dict[int, int]:
    """By learner: how many coaching tasks of the course they have had accepted
    (with a score of at least ``min_percent`` % of its maximum, if given)."""
    ids = list(dict.fromkeys(learner_ids))
    states = _task_states(session, course_id, ids) if ids else {}
    return {i: sum(1 for s in states.get(i, ()) if _is_accepted(s, min_percent)) for i in ids}


@dataclasses.dataclass(frozen=True)
class CourseTasks:
    """What every :class:`TasksAccepted` is cut from: the course's tasks, and by learner their
    submissions to any of them (read once however many of those providers a reader asks)."""

    tasks: list[int]
    states: dict[int, list[_TaskState]]


@dataclasses.dataclass(frozen=True)
class TasksAccepted:
    """Per learner the coaching tasks of the course accepted, of ``needed``.

    ``needed`` None means every coaching task of the course (or of
    ``activity_ids``, when phase gating chose some tasks); ``min_percent``
    counts only those accepted with at least that share of the maximum score.
    A task restricted to some groups still counts in "every task": a phase
    gate over such tasks should give ``needed``. Two queries for any number of
    learners: the course's tasks, and the learners' submissions — and those
    two are shared by every ``TasksAccepted`` of one reader
    (:class:`activities.facts.SharedRead`), whatever its parameters.
    """

    needed: int | None = None
    min_percent: float | None = None
    key: str = TASKS_KEY
    activity_ids: tuple[int, ...] | None = None

    #: Every instance reads the same: the course's tasks and all the learners' submissions to them.
    read_key = "coaching.course_tasks"

    def read(self, session: Session, course_id: int, learner_ids: Collection[int]) -> CourseTasks:
        ids = list(dict.fromkeys(learner_ids))
        return CourseTasks(_course_tasks(session, course_id), _task_states(session, course_id, ids) if ids else {})

    def facts_from(self, read: object, learner_ids: Collection[int]) -> dict[int, Fact]:
        assert isinstance(read, CourseTasks)
        tasks = read.tasks
        if self.activity_ids is not None:
            tasks = [task for task in tasks if task in self.activity_ids]
        chosen = set(tasks)
        every = self.activity_ids is None
        needed = len(tasks) if self.needed is None else self.needed
        min_percent = self.min_percent
        accepted = SubmissionStatus.ACCEPTED
        # The fact depends only on each submission's task, status and whether it counts: learners with the
        # same of those share one fact, worked out once (a cohort of thousands has a few dozen).
        shapes: dict[tuple[tuple[int, SubmissionStatus, bool], ...], Fact] = {}
        facts = {}
        for learner_id in dict.fromkeys(learner_ids):
            found = read.states.get(learner_id, ())
            mine = found if every else [state for state in found if state.activity_id in chosen]
            shape = tuple([(activity_id, status, status is accepted and (
                min_percent is None or (percent is not None and percent >= min_percent)))
                for activity_id, status, percent in mine])
            fact = shapes.get(shape)
            if fact is None:
                done = sum(1 for _, _, counts in shape if counts)
                fact = shapes[shape] = counted(TASKS_KEY, done, needed, next_step=_next_task(tasks, mine),
                                               started=bool(mine))
            facts[learner_id] = fact
        return facts

    def facts(self, session: Session, course_id: int, learner_ids: Collection[int]) -> dict[int, Fact]:
        return self.facts_from(self.read(session, course_id, learner_ids), learner_ids)


def _next_task(tasks: list[int], mine: Sequence[_TaskState]) -> NextStep | None:
    """A revision asked for first (the coach waits on it), then a task not handed in, then waiting."""
    by_task = {state.activity_id: state.status for state in mine}
    for task_id in tasks:
        if by_task.get(task_id) is SubmissionStatus.REVISION_REQUESTED:
            return NextStep(Step.REVISE, task_id)
    for task_id in tasks:
        if task_id not in by_task:
            return NextStep(Step.SUBMIT, task_id)
    for task_id in tasks:
        if by_task[task_id].waiting_for_review:
            return NextStep(Step.WAIT_FOR_REVIEW, task_id)
    return None


#: Above this many learners a query reads the whole course and drops the others in Python: binding
#: thousands of ids costs more than the rows it saves (a cohort is most of the course).
WHOLE_COURSE_ABOVE = 500


def _among(column: Any, ids: list[int]) -> list[Any]:
    """The ``IN`` condition for a few learners; none for many (the caller keeps only ``ids``)."""
    return [column.in_(ids)] if len(ids) <= WHOLE_COURSE_ABOVE else []


REVIEWS_WAITING_KEY = "coaching.reviews_waiting"
REVIEW_TIME_KEY = "coaching.review_time"


@dataclasses.dataclass(frozen=True)
class ReviewsWaiting:
    """Per learner their work waiting for a coach's review, and how much of it waits past its task's
    review target (the course dashboard's "review overdue" and each coach's open reviews).

    ``value`` counts the submissions waiting past the target; ``progress`` is those within the target
    (``done``) of all waiting (``needed``); ``next_step`` names the task of the longest wait. Two queries
    for any number of learners: the course's tasks (their review targets), and the waiting submissions.
    """

    now: dt.datetime | None = None
    key: str = REVIEWS_WAITING_KEY

    def facts(self, session: Session, course_id: int, learner_ids: Collection[int]) -> dict[int, Fact]:
        ids = list(dict.fromkeys(learner_ids))
        now = self.now or utcnow()
        tasks = list(session.scalars(select(Activity).where(Activity.course_id == course_id, Activity.kind == KIND)))
        targets = {task.id: dt.timedelta(days=settings_of(task).review_target_days) for task in tasks}
        waiting: dict[int, list[tuple[int, dt.datetime]]] = defaultdict(list)
        if ids and tasks:
            statuses = [s.value for s in SubmissionStatus if s.waiting_for_review]
            for learner_id, activity_id, since in session.execute(
                    select(Submission.learner_id, Submission.activity_id, Submission.last_submitted_at)
                    .where(Submission.activity_id.in_(list(targets)), Submission.status.in_(statuses),
                           *_among(Submission.learner_id, ids))
                    .order_by(Submission.last_submitted_at, Submission.id)):
                waiting[learner_id].append((activity_id, since))
        nothing = Fact(status=Status.DONE, value=0, progress=Progress(done=0, needed=0, key=REVIEWS_WAITING_KEY))
        seen: dict[tuple[int, int, int], Fact] = {}  # equal facts are shared (they are frozen)
        facts = {}
        for learner_id in ids:
            mine = waiting.get(learner_id)
            if not mine:
                facts[learner_id] = nothing
                continue
            overdue = sum(1 for activity_id, since in mine if now - since > targets[activity_id])
            key = (overdue, len(mine), mine[0][0])
            fact = seen.get(key)
            if fact is None:
                fact = seen[key] = Fact(
                    status=Status.IN_PROGRESS, value=overdue,
                    progress=Progress(done=len(mine) - overdue, needed=len(mine), key=REVIEWS_WAITING_KEY),
                    next_step=NextStep(Step.WAIT_FOR_REVIEW, mine[0][0]))
            facts[learner_id] = fact
        return facts


@dataclasses.dataclass(frozen=True)
class ReviewTime:
    """Per learner how long their reviewed work waited for its review, on average, in hours (``value``;
    None before any review), and how many reviews that is (``progress.done``). The course dashboard
    weighs these by the count to give each coach's average review time. One query for any number of learners.
    """

    key: str = REVIEW_TIME_KEY

    def facts(self, session: Session, course_id: int, learner_ids: Collection[int]) -> dict[int, Fact]:
        ids = list(dict.fromkeys(learner_ids))
        # Summed by the database: a course of 5,000 has about as many reviews, and reading two datetimes
        # of each into Python cost more than the rest of the provider.
        totals: dict[int, tuple[int, float]] = {}
        if ids:
            submission, version, review, activity = (Submission.__table__.c, SubmissionVersion.__table__.c,
                                                     Review.__table__.c, Activity.__table__.c)
            totals = {learner_id: (count, hours) for learner_id, count, hours in session.execute(
                select(submission.learner_id, func.count(), func.sum(hours_waited(review.created_at,
                                                                                  version.submitted_at)))
                .join_from(Submission.__table__, SubmissionVersion.__table__, version.submission_id == submission.id)
                .join(Review.__table__, review.version_id == version.id)
                .join(Activity.__table__, submission.activity_id == activity.id)
                .where(activity.course_id == course_id, activity.kind == KIND, *_among(submission.learner_id, ids))
                .group_by(submission.learner_id)).all()}
        none = Fact(status=Status.NOT_STARTED, value=None, progress=Progress(done=0, needed=0, key=REVIEW_TIME_KEY))
        counts: dict[int, Progress] = {}  # a few distinct counts: one progress each (they are frozen)
        facts = {}
        for learner_id in ids:
            found = totals.get(learner_id)
            if found is None:
                facts[learner_id] = none
                continue
            count, hours = found
            progress = counts.get(count)
            if progress is None:
                progress = counts[count] = Progress(done=count, needed=count, key=REVIEW_TIME_KEY)
            facts[learner_id] = Fact(Status.DONE, float(hours) / count, progress)
        return facts
