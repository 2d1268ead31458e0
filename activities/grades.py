"""The grade outbox: every result that belongs in the gradebook, kept until delivered.

A domain service calls :func:`record_grade` in the same transaction that stores
the result itself, so a grade can never be lost between "saved" and "sent".
The delivery (AGS over HTTP) lives in ``lti_tool``; this module only knows the
rows and their states. Each row is a job of the kind "AGS score" and is claimed,
leased and retried by the one implementation in :mod:`activities.jobs` (queue
:data:`GRADES`); why the outbox keeps its own table is said there.

States: ``pending`` (to send, maybe after ``next_attempt_at``), ``delivered``
(a re-send the platform refused because it had stored that very score before is
delivered too, noted :data:`ALREADY_IN_GRADEBOOK`), ``superseded`` (a newer result for the same learner and column replaced it, or
the platform already holds a newer one), ``failed`` (the platform refused it for
a reason that retrying will not fix; staff may retry after fixing the cause).
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import ForeignKey, Index, ScalarSelect, String, Text, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .core import Activity, Course, Person
from .db import Base, utcnow
from .jobs import LeaseColumns, Queue


class ActivityProgress(str, enum.Enum):
    """AGS ``activityProgress`` values (LTI AGS 2.0 §3.4.6)."""

    INITIALIZED = "Initialized"
    STARTED = "Started"
    IN_PROGRESS = "InProgress"
    SUBMITTED = "Submitted"
    COMPLETED = "Completed"


class GradingProgress(str, enum.Enum):
    """AGS ``gradingProgress`` values (LTI AGS 2.0 §3.4.7). Moodle stores a
    null grade unless the value is ``FullyGraded``."""

    FULLY_GRADED = "FullyGraded"
    PENDING = "Pending"
    PENDING_MANUAL = "PendingManual"
    FAILED = "Failed"
    NOT_READY = "NotReady"


class OutboxStatus(str, enum.Enum):
    PENDING = "pending"
    DELIVERED = "delivered"
    SUPERSEDED = "superseded"
    FAILED = "failed"


#: The note of a delivered row whose re-send the platform refused (409) because it had stored
#: this very score before; the staff page says "already in the gradebook" rather than "replaced".
ALREADY_IN_GRADEBOOK = "already in the gradebook"


class GradeOutbox(LeaseColumns, Base):
    """One result for one learner and column, and its delivery: an AGS-score job (activities.jobs)."""

    __tablename__ = "grade_outbox"
    __table_args__ = (
        Index("ix_grade_outbox_due", "status", "next_attempt_at"),
        Index("ix_grade_outbox_pair", "activity_id", "person_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    score_given: Mapped[float | None] = mapped_column(nullable=True)
    score_maximum: Mapped[float]
    activity_progress: Mapped[str] = mapped_column(String(20))
    grading_progress: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: The AGS score timestamp; strictly increasing per (activity, person), see record_grade.
    timestamp: Mapped[dt.datetime]
    # status, attempts, next_attempt_at, leased_until, leased_by, last_error: LeaseColumns.
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    #: When the timestamp was fixed for sending; a re-send keeps it (see lti_tool.grade_delivery).
    stamped_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)

    activity: Mapped[Activity] = relationship(lazy="joined")
    person: Mapped[Person] = relationship(lazy="joined")

    @property
    def already_in_gradebook(self) -> bool:
        """Delivered by an earlier send: a re-send found this very score in the gradebook."""
        return self.status == OutboxStatus.DELIVERED.value and self.last_error == ALREADY_IN_GRADEBOOK

    def as_score(self) -> dict[str, Any]:
        """The AGS Score JSON body (LTI AGS 2.0 §3.4), without ``userId``."""
        body: dict[str, Any] = {
            "timestamp": self.timestamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "activityProgress": self.activity_progress,
            "gradingProgress": self.grading_progress,
        }
        if self.score_given is not None:
            body["scoreGiven"] = self.score_given
            body["scoreMaximum"] = self.score_maximum
        if self.comment:
            body["comment"] = self.comment
        return body


def record_grade(
    session: Session,
    activity: Activity,
    person: Person,
    *,
    score_given: float | None,
    activity_progress: ActivityProgress,
    grading_progress: GradingProgress,
    score_maximum: float | None = None,
    comment: str | None = None,
) -> GradeOutbox:
    """Queue a result for the gradebook, inside the caller's transaction.

    Older undelivered rows for the same learner and column are superseded: only
    the newest result matters. The timestamp is strictly later, by at least one
    second, than any earlier one for the pair, because Moodle refuses (409) a
    score whose timestamp is older than *or in the same second as* the stored
    one — two results within a second must both count, in order.
    """
    if score_given is not None and score_given < 0:
        raise ValueError("score_given must not be negative")
    maximum = activity.score_maximum if score_maximum is None else score_maximum
    last = session.scalar(
        select(func.max(GradeOutbox.timestamp)).where(
            GradeOutbox.activity_id == activity.id, GradeOutbox.person_id == person.id
        )
    )
    now = utcnow().replace(microsecond=0)
    if last is not None:
        now = max(now, last.replace(microsecond=0) + dt.timedelta(seconds=1))
    session.execute(
        update(GradeOutbox)
        .where(
            GradeOutbox.activity_id == activity.id,
            GradeOutbox.person_id == person.id,
            GradeOutbox.status == OutboxStatus.PENDING.value,
        )
        .values(status=OutboxStatus.SUPERSEDED.value, last_error="replaced by a newer result")
    )
    row = GradeOutbox(
        activity_id=activity.id,
        person_id=person.id,
        score_given=score_given,
        score_maximum=maximum,
        activity_progress=ActivityProgress(activity_progress).value,
        grading_progress=GradingProgress(grading_progress).value,
        comment=comment,
        timestamp=now,
        status=OutboxStatus.PENDING.value,
        next_attempt_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def status_counts(session: Session, activity_id: int) -> dict[str, int]:
    """How many grades of an activity are in each state (for the staff page)."""
    rows = session.execute(
        select(GradeOutbox.status, func.count()).where(GradeOutbox.activity_id == activity_id).group_by(GradeOutbox.status)
    )
    counts = {status.value: 0 for status in OutboxStatus}
    counts.update({status: n for status, n in rows})
    return counts


def failed_rows(session: Session, activity_id: int | None = None) -> list[GradeOutbox]:
    query = select(GradeOutbox).where(GradeOutbox.status == OutboxStatus.FAILED.value)
    if activity_id is not None:
        query = query.where(GradeOutbox.activity_id == activity_id)
    return list(session.scalars(query.order_by(GradeOutbox.id)))


def retry_failed(session: Session, activity_id: int | None = None) -> int:
    """Put failed rows back in the queue, unless a newer result replaced them.

    Returns how many rows will be sent again.
    """
    count = 0
    for row in failed_rows(session, activity_id):
        newer = session.scalar(
            select(func.count()).where(
                GradeOutbox.activity_id == row.activity_id,
                GradeOutbox.person_id == row.person_id,
                GradeOutbox.id > row.id,
            )
        )
        if newer:
            row.status = OutboxStatus.SUPERSEDED.value
            continue
        row.status = OutboxStatus.PENDING.value
        row.attempts = 0
        row.next_attempt_at = utcnow()
        row.leased_until = None
        count += 1
    session.flush()
    return count


def stamp_for_sending(session: Session, rows: list[GradeOutbox]) -> set[int]:
    """Fix the score timestamps of rows about to be sent for the first time; returns their ids
    (the others are re-sends, which keep their stamp). Rows of distinct learner × column pairs;
    one query for all of them. The caller commits.

    Moodle refuses (409) a score whose timestamp is not later, to the second, than the time it
    *saved* the previous one — not the previous score's own timestamp. So the stamp is at least
    one second past the moment the previous delivery of this learner and column was confirmed
    (which is after Moodle saved it). A result recorded while an earlier one was still on its
    way would otherwise be refused and the gradebook keep the older grade.

    A re-send (retry, or a worker that died after sending) keeps the stamp: if the platform
    already stored it, it answers 409 and nothing is applied twice.
    """
    fresh = [row for row in rows if row.stamped_at is None]
    if not fresh:
        return set()
    # Pairs among the rows' activities × people (a superset of the rows' pairs, narrowed below);
    # none of the rows themselves has a delivered_at yet.
    previous = {
        (activity_id, person_id): (delivered_at, timestamp)
        for activity_id, person_id, delivered_at, timestamp in session.execute(
            select(GradeOutbox.activity_id, GradeOutbox.person_id,
                   func.max(GradeOutbox.delivered_at), func.max(GradeOutbox.timestamp))
            .where(GradeOutbox.activity_id.in_({row.activity_id for row in fresh}),
                   GradeOutbox.person_id.in_({row.person_id for row in fresh}),
                   GradeOutbox.id.not_in([row.id for row in fresh]),
                   GradeOutbox.delivered_at.is_not(None))
            .group_by(GradeOutbox.activity_id, GradeOutbox.person_id)
        )
    }
    now = utcnow()
    for row in fresh:
        stamp = max(now.replace(microsecond=0), row.timestamp)
        for moment in previous.get((row.activity_id, row.person_id), ()):
            if moment is not None:
                stamp = max(stamp, moment.replace(microsecond=0) + dt.timedelta(seconds=1))
        row.timestamp = stamp
        row.stamped_at = now
    return {row.id for row in fresh}


def delivered_after(session: Session, row: GradeOutbox) -> bool:
    """Whether a newer grade of the row's learner and column reached the gradebook."""
    return session.scalar(
        select(func.count()).where(
            GradeOutbox.activity_id == row.activity_id,
            GradeOutbox.person_id == row.person_id,
            GradeOutbox.id > row.id,
            GradeOutbox.delivered_at.is_not(None),
        )
    ) != 0


def _platform_of_row() -> ScalarSelect[int | None]:
    """A row's platform (its delivery lane), through its activity's course."""
    return (
        select(Course.platform_id)
        .join(Activity, Activity.course_id == Course.id)
        .where(Activity.id == GradeOutbox.activity_id)
        .scalar_subquery()
    )


#: Grade rows a worker claims at once: enough to keep its delivery threads busy across learners.
BATCH = 64

#: The grade outbox as a job queue: pending rows are due, delivered and superseded ones done.
#: A learner's grades in one column are a sequence: never two on their way at once, oldest first.
GRADES = Queue(name="grade_outbox", model=GradeOutbox, platform=_platform_of_row,
               pending=OutboxStatus.PENDING.value, failed=OutboxStatus.FAILED.value,
               done=OutboxStatus.DELIVERED.value, sequence=("activity_id", "person_id"),
               kept_when_replaced=("delivered_at",), batch=BATCH)
