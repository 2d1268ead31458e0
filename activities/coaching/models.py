"""Tables of coaching tasks (all prefixed ``coaching_``).

A submission is one learner's work on one task; each time they submit, a
new :class:`SubmissionVersion` is added and none is ever changed or removed,
so the coach and staff can always see what was reviewed. Only the *bytes* of
old, unreviewed versions' files may go (see :mod:`.housekeeping`); their
:class:`EvidenceFile` rows stay and say so.

Who coaches whom and the coaching sessions held are the course's, not a
task's: they live in :mod:`activities.course.models` (imported below, so
loading the coaching tables loads the coach assignments they are read with).
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core import Activity, Person
from ..course import models as _course_models  # noqa: F401  (coach assignments: reviews and queues join them)
from ..db import Base, JsonObject, utcnow


class SubmissionStatus(str, enum.Enum):
    """``submitted`` → (``revision_requested`` → ``resubmitted``)* → ``accepted``."""

    SUBMITTED = "submitted"
    REVISION_REQUESTED = "revision_requested"
    RESUBMITTED = "resubmitted"
    ACCEPTED = "accepted"

    @property
    def waiting_for_review(self) -> bool:
        return self in (SubmissionStatus.SUBMITTED, SubmissionStatus.RESUBMITTED)


class Decision(str, enum.Enum):
    ACCEPT = "accept"
    REVISE = "revise"


def _in(column: str, enum_type: type[enum.Enum]) -> str:
    return f"{column} IN ({', '.join(repr(member.value) for member in enum_type)})"


class Submission(Base):
    """One learner's work on one coaching task, across all its versions."""

    __tablename__ = "coaching_submission"
    __table_args__ = (
        UniqueConstraint("activity_id", "learner_id"),
        Index("ix_coaching_submission_queue", "activity_id", "status"),
        CheckConstraint(_in("status", SubmissionStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    learner_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(30), default=SubmissionStatus.SUBMITTED.value)
    current_version: Mapped[int] = mapped_column(default=1)
    first_submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: When the current version was submitted: the learner waits for review since then.
    last_submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    #: The first version came after the task's due date (later versions were asked for).
    is_late: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    activity: Mapped[Activity] = relationship(lazy="joined", innerjoin=True)
    learner: Mapped[Person] = relationship(lazy="joined", innerjoin=True)
    versions: Mapped[list[SubmissionVersion]] = relationship(
        back_populates="submission", order_by="SubmissionVersion.number", cascade="all, delete-orphan"
    )

    @property
    def state(self) -> SubmissionStatus:
        return SubmissionStatus(self.status)

    @property
    def latest(self) -> SubmissionVersion:
        return next(v for v in self.versions if v.number == self.current_version)


class SubmissionVersion(Base):
    """What the learner handed in one time. Never changed after it is made."""

    __tablename__ = "coaching_submission_version"
    __table_args__ = (UniqueConstraint("submission_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("coaching_submission.id", ondelete="CASCADE"))
    number: Mapped[int]
    #: Sanitized HTML (nh3), empty when the learner wrote nothing.
    reflection: Mapped[str] = mapped_column(Text, default="")
    #: Checked http(s) URLs.
    links: Mapped[list[str]] = mapped_column(default=list)
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    submission: Mapped[Submission] = relationship(back_populates="versions")
    files: Mapped[list[EvidenceFile]] = relationship(
        back_populates="version", order_by="EvidenceFile.id", cascade="all, delete-orphan"
    )
    reviews: Mapped[list[Review]] = relationship(
        back_populates="version", order_by="Review.id", cascade="all, delete-orphan"
    )


class EvidenceFile(Base):
    """A file of a version. The bytes live in the evidence store under ``stored_name``."""

    __tablename__ = "coaching_evidence_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("coaching_submission_version.id", ondelete="CASCADE"),
                                            index=True)
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int]
    content_type: Mapped[str] = mapped_column(String(120))
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: When the sweep deleted the bytes (the version had been superseded and never reviewed); None = kept.
    removed_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    #: How many newer versions the learner had handed in by then, for the page to say so.
    removed_after: Mapped[int | None] = mapped_column(nullable=True)

    version: Mapped[SubmissionVersion] = relationship(back_populates="files")

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


class Review(Base):
    """A reviewer's verdict on one version: the rubric selection, score, feedback, decision."""

    __tablename__ = "coaching_review"
    __table_args__ = (CheckConstraint(_in("decision", Decision), name="decision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("coaching_submission_version.id", ondelete="CASCADE"),
                                            index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    #: ``{criterion_id: level_id}`` for a criteria rubric, else None.
    selection: Mapped[JsonObject | None] = mapped_column(nullable=True)
    #: Rubric points and the same as a gradebook score (out of the activity's maximum then).
    points: Mapped[float | None] = mapped_column(nullable=True)
    score: Mapped[float | None] = mapped_column(nullable=True)
    score_maximum: Mapped[float | None] = mapped_column(nullable=True)
    #: Sanitized HTML (nh3).
    feedback: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    version: Mapped[SubmissionVersion] = relationship(back_populates="reviews")
    reviewer: Mapped[Person] = relationship(lazy="joined", innerjoin=True)
