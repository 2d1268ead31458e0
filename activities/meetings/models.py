"""Tables of meetings (all prefixed ``meeting``).

A :class:`Meeting` belongs to a phase of the course's gating program; its times
are stored in UTC and shown in the program's time zone. Its facilitators and
its optional group of learners are small lists of person ids (a class of some
forty people; the pages and the fact provider read them whole). The check-in
codes are not stored: each is derived from the meeting's ``secret`` and the
minute (:mod:`.codes`). :class:`Attendance` is one row per learner per meeting,
whoever recorded it last; every change also goes to the gating audit trail.
"""

from __future__ import annotations

import datetime as dt
import enum
import secrets

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, JsonArray, utcnow


def _in(column: str, values: type[enum.Enum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class MeetingKind(str, enum.Enum):
    ONLINE = "online"  # a synchronous online meeting (jarak jauh), with a link
    IN_PERSON = "in_person"  # a class day (klasikal), at a place


class Status(str, enum.Enum):
    PRESENT = "present"
    LATE = "late"
    EXCUSED = "excused"
    ABSENT = "absent"


class How(str, enum.Enum):
    GRID = "grid"  # a facilitator's roster grid
    CHECK_IN = "check_in"  # the learner's own check-in with the code


def new_secret() -> str:
    return secrets.token_hex(32)


class Meeting(Base):
    __tablename__ = "meeting"
    __table_args__ = (
        Index("ix_meeting_course_starts", "course_id", "starts_at"),
        CheckConstraint(_in("kind", MeetingKind), name="kind"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The course of the phase's program, kept here so course-wide reads need no join.
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    phase_id: Mapped[int] = mapped_column(ForeignKey("gating_phase.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default=MeetingKind.ONLINE.value)
    #: The meeting link (online) or the place (in person); one of them, by kind.
    link: Mapped[str] = mapped_column(String(1000), default="")
    place: Mapped[str] = mapped_column(String(500), default="")
    starts_at: Mapped[dt.datetime]
    ends_at: Mapped[dt.datetime]
    #: Person ids of the facilitators who lead it.
    facilitator_ids: Mapped[JsonArray] = mapped_column(default=list)
    #: Person ids of the learners it is for; None: every learner of the course.
    learner_ids: Mapped[JsonArray | None] = mapped_column(nullable=True)
    #: Key of the rotating check-in codes (hex); never shown.
    secret: Mapped[str] = mapped_column(String(64), default=new_secret)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    #: When staff cancelled it (None: it takes place). A cancelled meeting stays listed, as cancelled, and
    #: counts for no one's attendance; who cancelled it and why are in the gating audit trail.
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(nullable=True, default=None)

    @property
    def cancelled(self) -> bool:
        return self.cancelled_at is not None

    def expects(self, learner_id: int) -> bool:
        """The meeting is for this learner (every learner when it has no group)."""
        return self.learner_ids is None or learner_id in self.learner_ids


class Attendance(Base):
    __tablename__ = "meeting_attendance"
    __table_args__ = (
        UniqueConstraint("meeting_id", "learner_id"),
        Index("ix_meeting_attendance_learner", "learner_id"),
        CheckConstraint(_in("status", Status), name="status"),
        CheckConstraint(_in("how", How), name="how"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    learner_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), nullable=True)
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    how: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
