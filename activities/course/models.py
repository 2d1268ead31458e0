"""Tables of the course beyond one activity (all prefixed ``course_``).

Until migration 0008 these were ``coaching_assignment`` and
``coaching_session``, tables of the coaching task package; neither ever
carried an activity id, because both were always about the course.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core import Person
from ..db import Base, utcnow


class CoachingSessionMode(str, enum.Enum):
    ONLINE = "online"
    IN_PERSON = "in_person"


class CoachAssignment(Base):
    """Who coaches a learner in a course: one coach per learner per course, for every coaching task.

    Deliberately no activity id: the coach a learner talks with is the same
    across the course's coaching tasks, and the one who may log their
    coaching sessions even where the course has no coaching task.
    """

    __tablename__ = "course_coach_assignment"
    __table_args__ = (
        UniqueConstraint("course_id", "learner_id"),
        Index("ix_course_coach_assignment_coach", "course_id", "coach_id"),
        CheckConstraint("coach_id != learner_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    coach_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    learner_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    coach: Mapped[Person] = relationship(foreign_keys=[coach_id], lazy="joined", innerjoin=True)
    learner: Mapped[Person] = relationship(foreign_keys=[learner_id], lazy="joined", innerjoin=True)


class CoachingSession(Base):
    """A coaching session (*Sesi coaching*): a conversation a coach held with a learner in the course.

    Not a meeting (*Pertemuan*, a scheduled class meeting of a phase) and not a
    launch session. No activity id: a coaching session is counted for the
    course ("at least N coaching sessions held"), whichever task it touched on.
    """

    __tablename__ = "course_coaching_session"
    __table_args__ = (
        Index("ix_course_coaching_session_learner", "course_id", "learner_id"),
        CheckConstraint(
            f"mode IN ({', '.join(repr(mode.value) for mode in CoachingSessionMode)})", name="mode"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    coach_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    held_on: Mapped[dt.date] = mapped_column(Date)
    mode: Mapped[str] = mapped_column(String(20))
    #: Sanitized HTML (nh3); for the coach and staff.
    notes: Mapped[str] = mapped_column(Text, default="")
    #: Plain-text actions the learner agreed to; the learner sees these.
    agreed_actions: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    coach: Mapped[Person] = relationship(foreign_keys=[coach_id], lazy="joined", innerjoin=True)
    learner: Mapped[Person] = relationship(foreign_keys=[learner_id], lazy="joined", innerjoin=True)
