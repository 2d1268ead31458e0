"""Tables of the Moodle web-services link (all prefixed ``moodle_``).

A platform's :class:`Connection` holds its web-services token (encrypted by
``lti_tool.moodle.token``; the domain never sees it in clear) and what the
check of it found. Everything else is a copy of what a sync read, with the
time it was read: the course's activity list (:class:`Module`), each
learner's completion and grade of those activities (:class:`ActivityFact`),
and the course's groups with their members (:class:`Group`,
:class:`GroupMember`). :class:`CourseSync` is one row per course: when it was
last synced, why it last failed, and the course's sync options.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, bindparam, select
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, JsonObject, utcnow


class Connection(Base):
    """A platform's web-services token and the result of checking it."""

    __tablename__ = "moodle_connection"

    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"), primary_key=True)
    #: Fernet token of the web-services token; never logged, never shown again.
    token_sealed: Mapped[str] = mapped_column(Text)
    site_name: Mapped[str] = mapped_column(String(500), default="")
    release: Mapped[str] = mapped_column(String(100), default="")
    #: Names of the functions Padu needs that the token's service lacks, as last checked.
    missing_functions: Mapped[list[str]] = mapped_column(default=list)
    checked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


#: The platform (parameter ``the_platform_id``) has a web-services token: a row when it has. Built
#: once: every launch asks, on its own (``lti_tool.moodle.sync``) or within its read
#: (``activities.core.record_launch``, as an EXISTS).
PLATFORM_CONNECTED = select(Connection.platform_id).where(Connection.platform_id == bindparam("the_platform_id"))


class CourseSync(Base):
    """One course's sync: when it last succeeded, Padu's words for its last failure, its options."""

    __tablename__ = "moodle_course_sync"

    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), primary_key=True)
    synced_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: Keep one Moodle group per phase in step with the learners for whom it is open.
    phase_groups: Mapped[bool] = mapped_column(default=False)
    #: The program's message switches: when each was turned on (None: off). Only what happens
    #: after a switch is turned on is announced, never the course's past.
    notify_phase_open_since: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    notify_review_since: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    notify_revision_since: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    #: A meeting the learner is expected at starts within the hour (a reminder of what is still to come).
    notify_meeting_since: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    #: Keep a Moodle course calendar event for each meeting of a distance or classical phase.
    calendar: Mapped[bool] = mapped_column(default=False)


class Module(Base):
    """An activity or resource of the course as Moodle names it (core_course_get_contents)."""

    __tablename__ = "moodle_module"
    __table_args__ = (UniqueConstraint("course_id", "cmid"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    cmid: Mapped[int]
    #: The section's number on the course page (0 = General) and its name.
    section: Mapped[int] = mapped_column(default=0)
    section_name: Mapped[str] = mapped_column(String(500), default="")
    name: Mapped[str] = mapped_column(String(500), default="")
    modname: Mapped[str] = mapped_column(String(50), default="")
    #: Moodle's completion tracking: 0 none, 1 manual, 2 automatic.
    completion: Mapped[int] = mapped_column(default=0)
    read_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ActivityFact(Base):
    """One learner's completion and grade of one Moodle activity, as last read."""

    __tablename__ = "moodle_activity_fact"
    __table_args__ = (
        UniqueConstraint("course_id", "learner_id", "cmid"),
        Index("ix_moodle_activity_fact_cmid", "course_id", "cmid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"))
    learner_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    cmid: Mapped[int]
    completed: Mapped[bool] = mapped_column(default=False)
    #: The grade as a percentage of the item's range; None while there is no grade.
    grade_percent: Mapped[float | None] = mapped_column(nullable=True)
    read_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Group(Base):
    """A Moodle group of the course (core_group_get_course_groups)."""

    __tablename__ = "moodle_group"
    __table_args__ = (UniqueConstraint("course_id", "moodle_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    moodle_id: Mapped[int]
    name: Mapped[str] = mapped_column(String(500), default="")
    idnumber: Mapped[str] = mapped_column(String(255), default="")
    read_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class GroupMember(Base):
    """A person Padu knows who is in a Moodle group (core_group_get_group_members)."""

    __tablename__ = "moodle_group_member"

    group_id: Mapped[int] = mapped_column(ForeignKey("moodle_group.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)


class Notification(Base):
    """A Moodle message to a learner about one event, at most once: the outbox row.

    ``event_key`` is unique ("phase_open:<phase>:<learner>", "review:<review>",
    "meeting_soon:<meeting>:<learner>:<start>", "meeting_cancelled:<meeting>:<learner>",
    "meeting_moved:<meeting>:<learner>:<new start>"), so an event
    is queued once however often it is seen. ``attempted_at`` is committed *before*
    Moodle is called and ``sent_at`` after: a row attempted but not sent (a worker that
    died mid-call) is never sent again, because Moodle may have delivered it.
    """

    __tablename__ = "moodle_notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    event_key: Mapped[str] = mapped_column(String(100), unique=True)
    #: "phase_open", "review", "revision", "meeting_soon", "meeting_cancelled" or "meeting_moved".
    kind: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    attempted_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    moodle_message_id: Mapped[int | None] = mapped_column(nullable=True)


class CalendarLink(Base):
    """A meeting's Moodle calendar event: what Padu last queued for it and the event's id in Moodle.

    Keyed by the meeting id without a foreign key: a meeting removed (or its phase
    deleted) must still have its event removed from Moodle, so this row outlives it.
    """

    __tablename__ = "moodle_calendar_link"

    meeting_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    #: The event as the last queued change makes it (None: no event wanted).
    wanted: Mapped[JsonObject | None] = mapped_column(nullable=True)
    #: Changes queued so far (numbers the change keys).
    changes: Mapped[int] = mapped_column(default=0)
    #: The event in Moodle now (None: none that Padu knows of).
    moodle_event_id: Mapped[int | None] = mapped_column(nullable=True)


class CalendarChange(Base):
    """One change of a meeting's Moodle calendar event, sent at most once: the outbox row.

    ``change_key`` ("calendar:<meeting>:<n>") is unique, so a change is queued once
    however often the scan sees it. A newer change of the same meeting makes the
    unsent older ones ``superseded`` (only the meeting as it is now matters).
    ``attempted_at`` is committed before an event is created and ``sent_at`` after:
    a creation attempted but not confirmed (a worker died mid-call) is never repeated,
    because Moodle may have made the event.
    """

    __tablename__ = "moodle_calendar_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int] = mapped_column(index=True)
    change_key: Mapped[str] = mapped_column(String(100), unique=True)
    #: "put" (create, or replace the event) or "remove".
    action: Mapped[str] = mapped_column(String(10))
    #: The event for core_calendar_create_calendar_events ({} for a removal).
    event: Mapped[JsonObject] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    attempted_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    superseded: Mapped[bool] = mapped_column(default=False)
    moodle_event_id: Mapped[int | None] = mapped_column(nullable=True)
