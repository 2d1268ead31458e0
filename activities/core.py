"""Who and where: courses, people, their memberships, and configured activities.

These are the records every activity hangs its own data on. A course and a
person belong to one platform (one agency's Moodle): the same Moodle course id
or user id on two platforms are two different rows, never mixed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import secrets
from typing import Any, TypeVar, cast

from sqlalchemy import (
    Connection,
    ForeignKey,
    Row,
    Select,
    String,
    Table,
    Text,
    UniqueConstraint,
    Update,
    and_,
    bindparam,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from .db import Base, JsonObject, utcnow

#: A membership's ``last_launch_at`` moves at most this often.
LAUNCH_MARK_INTERVAL = dt.timedelta(minutes=1)


class Role(str, enum.Enum):
    """What a person may do in a course, in Padu's terms (mapped from LTI roles)."""

    STAFF = "staff"  # course designer, teacher, administrator
    FACILITATOR = "facilitator"  # facilitator, coach, teaching assistant, mentor
    LEARNER = "learner"

    @property
    def is_staff(self) -> bool:
        return self is Role.STAFF

    @property
    def can_facilitate(self) -> bool:
        return self in (Role.STAFF, Role.FACILITATOR)


class Course(Base):
    """An LTI context (a Moodle course) of one platform."""

    __tablename__ = "course"
    __table_args__ = (UniqueConstraint("platform_id", "lti_context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"), index=True)
    lti_context_id: Mapped[str] = mapped_column(String(255))
    label: Mapped[str] = mapped_column(String(255), default="")
    title: Mapped[str] = mapped_column(String(500), default="")
    #: NRPS context_memberships_url last seen in a launch, if the platform offers NRPS.
    memberships_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Person(Base):
    """A user of one platform, identified by the platform's ``sub``."""

    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("platform_id", "sub"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform_id: Mapped[int] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"), index=True)
    sub: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(500), default="")
    email: Mapped[str] = mapped_column(String(500), default="")
    username: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    @property
    def display_name(self) -> str:
        return display_name(self.name, self.username, self.email, self.sub)


def display_name(name: str, username: str, email: str, sub: str) -> str:
    """How Padu names a person: :attr:`Person.display_name`, also for plain rows (a cohort's thousands)."""
    return name or username or email or f"#{sub}"


class Membership(Base):
    """A person's role in a course, learned from a launch or from the NRPS roster."""

    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("course_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    #: "launch" once the person has opened Padu in this course; "roster" if only NRPS knows them.
    source: Mapped[str] = mapped_column(String(20), default="launch")
    last_launch_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    person: Mapped[Person] = relationship(lazy="joined")


class Activity(Base):
    """One Padu activity placed in a course: a resource link and its configuration.

    ``kind`` is empty until staff set the activity up; ``key`` travels in the
    resource link's custom parameters (``padu_key``) so that a link made by
    Deep Linking finds its configuration at the first launch.
    """

    __tablename__ = "activity"
    __table_args__ = (UniqueConstraint("course_id", "resource_link_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True, default=lambda: secrets.token_urlsafe(12))
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    resource_link_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    kind: Mapped[str] = mapped_column(String(40), default="")
    title: Mapped[str] = mapped_column(String(500), default="")
    settings: Mapped[JsonObject] = mapped_column(default=dict)
    score_maximum: Mapped[float] = mapped_column(default=100.0)
    #: "id" or "en": the configuring teacher's launch language, in which Padu writes
    #: gradebook comments; empty (Indonesian) for activities configured before it was kept.
    locale: Mapped[str] = mapped_column(String(10), default="", server_default="")
    #: AGS line item URL of this activity's gradebook column, once known.
    lineitem_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: AGS line items container of the course, to find or create the column.
    lineitems_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    course: Mapped[Course] = relationship(lazy="joined")

    @property
    def is_configured(self) -> bool:
        return bool(self.kind)


def upsert_course(session: Session, platform_id: int, lti_context_id: str, label: str = "", title: str = "") -> Course:
    """The course of a launch or a roster, made if new; a label or title given replaces the stored one."""
    key = (Course.platform_id == platform_id, Course.lti_context_id == lti_context_id)
    course = session.scalar(select(Course).where(*key))
    if course is None:
        course = _insert_then_read(session, Course, select(Course).where(*key), platform_id=platform_id,
                                   lti_context_id=lti_context_id, label=label, title=title)
    _set_changed(course, label=label, title=title)
    return course


def upsert_person(session: Session, platform_id: int, sub: str, **profile: str) -> Person:
    """The person a platform calls ``sub``, made if new; a non-empty name, email or username replaces the stored one."""
    key = (Person.platform_id == platform_id, Person.sub == sub)
    given = {name: value for name in ("name", "email", "username") if (value := profile.get(name))}
    person = session.scalar(select(Person).where(*key))
    if person is None:
        person = _insert_then_read(session, Person, select(Person).where(*key),
                                   platform_id=platform_id, sub=sub, **given)
    _set_changed(person, **given)
    return person


def upsert_membership(
    session: Session, course: Course, person: Person, role: Role, *, source: str = "launch"
) -> Membership:
    """Record a role. A launch is the truth and marks the person as having launched;
    a roster entry never downgrades what a launch said."""
    query = select(Membership).where(Membership.course_id == course.id, Membership.person_id == person.id)
    membership = session.scalar(query)
    now = utcnow()
    if membership is None:
        membership = _insert_then_read(
            session, Membership, query, course_id=course.id, person_id=person.id, role=role.value, source=source,
            last_launch_at=now if source == "launch" else None)
    _record_role(membership, role, source, now)
    return membership


def _record_role(membership: Membership, role: Role, source: str, now: dt.datetime) -> None:
    if source == "launch":
        _set_changed(membership, role=role.value, source="launch")
        if launch_mark_due(membership.last_launch_at, now):
            membership.last_launch_at = now
    elif membership.source != "launch":
        _set_changed(membership, role=role.value)


@functools.cache
def launch_known() -> Select[*tuple[Any, ...]]:
    """What a relaunch compares, in one row of plain columns (parameters ``the_platform_id``,
    ``sub``, ``context_id``, ``resource_link_id``); no row before a person's first launch
    in a course. Built once: a statement made per call costs more CPU than running it.

    Plain columns, not ORM rows: a relaunch only compares them (making four ORM objects cost
    more than the query). The activity of the launch's resource link comes in the same row
    when it is bound already (with its kind, so that the launch can send the browser
    straight to its page), and so does whether the platform has a Moodle web-services
    token (the launch queues a course sync then): one statement fewer than asking apart.
    On PostgreSQL the launch runs it as part of its one statement (``lti_tool.sessions``).
    Built on first use, not at import: ``activities.moodle`` imports this module."""
    from .moodle.models import PLATFORM_CONNECTED

    moodle_connected = PLATFORM_CONNECTED.exists()
    return (
        select(Course.id.label("course_id"), Course.label, Course.title, Course.memberships_url,
               Person.id.label("person_id"), Person.name, Person.email, Person.username,
               Membership.id.label("membership_id"), Membership.role, Membership.source, Membership.last_launch_at,
               Activity.id.label("activity_id"), Activity.kind.label("activity_kind"), Activity.lineitem_url,
               Activity.lineitems_url, moodle_connected.label("moodle_connected"))
        .select_from(Course)
        .join(Person, and_(Person.platform_id == bindparam("the_platform_id"), Person.sub == bindparam("sub")))
        .join(Membership, and_(Membership.course_id == Course.id, Membership.person_id == Person.id))
        .outerjoin(Activity, and_(Activity.course_id == Course.id,
                                  Activity.resource_link_id == bindparam("resource_link_id")))
        .where(Course.platform_id == bindparam("the_platform_id"), Course.lti_context_id == bindparam("context_id"))
    )


@dataclasses.dataclass(frozen=True)
class LaunchRows:
    """What :func:`record_launch` found or made."""

    course_id: int
    person_id: int
    #: The activity already bound to the launch's resource link, if any (else the caller binds one).
    activity_id: int | None
    #: The membership is new, or its role (or its source) changed with this launch.
    role_changed: bool
    #: The course as an ORM row when this launch made or loaded one (a first launch), else None.
    course: Course | None = None
    #: Whether the platform has a Moodle web-services token, read with the rest on a relaunch;
    #: None when not read (a first launch): whoever needs it asks.
    moodle_connected: bool | None = None
    #: The bound activity's kind ("" while not set up), read with the rest on a relaunch.
    activity_kind: str | None = None


@dataclasses.dataclass(frozen=True)
class LaunchFacts:
    """What a launch says about its course, person and activity, besides who and where."""

    label: str = ""
    title: str = ""
    #: The NRPS roster URL, and the AGS line item URLs of the resource link.
    memberships_url: str = ""
    lineitem_url: str = ""
    lineitems_url: str = ""
    name: str = ""
    email: str = ""
    username: str = ""


def record_launch(
    session: Session, platform_id: int, lti_context_id: str, sub: str, role: Role, facts: LaunchFacts, *,
    resource_link_id: str | None = None,
) -> LaunchRows:
    """What a launch says about its course (and its NRPS roster URL), person, membership and,
    when ``resource_link_id`` is bound already, activity (its AGS line item URLs).

    Every launch after a person's first in a course reads all of it (and whether the platform
    has a Moodle web-services token) in one query (:func:`launch_known`), compares, and writes
    (Core UPDATEs) only what changed: a relaunch that changes nothing writes nothing here.
    Otherwise the upserts one by one, which make what is missing; the caller then binds the
    activity."""
    connection = session.connection()
    found = connection.execute(launch_known(), {"the_platform_id": platform_id, "sub": sub, "context_id": lti_context_id,
                                                "resource_link_id": resource_link_id}).first()
    if found is None:
        return record_first_launch(session, platform_id, lti_context_id, sub, role, facts)
    record_membership(connection, found, role)
    return record_relaunch(connection, found, role, facts)


def record_first_launch(session: Session, platform_id: int, lti_context_id: str, sub: str, role: Role,
                        facts: LaunchFacts) -> LaunchRows:
    """A person's first launch in a course: course, person and membership made (or found, if a
    roster or another course made them), each upserted."""
    course = upsert_course(session, platform_id, lti_context_id, facts.label, facts.title)
    _set_changed(course, memberships_url=facts.memberships_url)
    person = upsert_person(session, platform_id, sub, name=facts.name, email=facts.email, username=facts.username)
    upsert_membership(session, course, person, role)
    return LaunchRows(course.id, person.id, None, role_changed=True, course=course)


def record_membership(connection: Connection, found: Row[Any], role: Role) -> None:
    """A relaunch's membership, ``found`` being its :func:`launch_known` row: the role and source
    ``launch`` written if they differ, and the launch mark when :func:`launch_mark_due`."""
    now = utcnow()
    _update_changed(connection, Membership, found.membership_id, role=(found.role, role.value),
                    source=(found.source, "launch"),
                    last_launch_at=(found.last_launch_at, now if launch_mark_due(found.last_launch_at, now) else None))


def record_relaunch(connection: Connection, found: Row[Any], role: Role, facts: LaunchFacts) -> LaunchRows:
    """A relaunch, ``found`` being its :func:`launch_known` row: what the platform changed of
    the course, the person and the bound activity written (the membership is the caller's:
    :func:`record_membership`, or on PostgreSQL :func:`mark_launch` within the launch's
    statement)."""
    _update_changed(connection, Course, found.course_id, label=(found.label, facts.label),
                    title=(found.title, facts.title), memberships_url=(found.memberships_url, facts.memberships_url))
    _update_changed(connection, Person, found.person_id, name=(found.name, facts.name),
                    email=(found.email, facts.email), username=(found.username, facts.username))
    if found.activity_id is not None:
        _update_changed(connection, Activity, found.activity_id, lineitem_url=(found.lineitem_url, facts.lineitem_url),
                        lineitems_url=(found.lineitems_url, facts.lineitems_url))
    return LaunchRows(found.course_id, found.person_id, found.activity_id,
                      role_changed=found.role != role.value or found.source != "launch",
                      moodle_connected=bool(found.moodle_connected), activity_kind=found.activity_kind)


def launch_mark_due(last_launch_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a launch moves a membership's ``last_launch_at``: to the minute, like a session's
    ``last_seen_at``, so that a relaunch within it writes nothing. (:func:`mark_launch` says
    the same in SQL.)"""
    return last_launch_at is None or now - last_launch_at >= LAUNCH_MARK_INTERVAL


def mark_launch(membership_id: Any) -> Update:
    """The membership ``membership_id`` (an expression) marked as launched at ``:the_now`` when
    :func:`launch_mark_due` (``:mark_since`` is ``:the_now`` minus :data:`LAUNCH_MARK_INTERVAL`),
    in SQL: for a statement that cannot compare first; no row updated when not due."""
    now = bindparam("the_now", type_=Membership.last_launch_at.type)
    return (
        update(Membership)
        .where(Membership.id == membership_id,
               or_(Membership.last_launch_at.is_(None), Membership.last_launch_at <= bindparam("mark_since")))
        .values(last_launch_at=now, updated_at=now)
    )


def _update_changed(connection: Connection, model: type[Base], row_id: int, **pairs: tuple[object, object]) -> None:
    """One UPDATE of the columns whose new value (the second of each pair) is given and differs
    from the stored one (the first); none when nothing differs."""
    values = {name: new for name, (old, new) in pairs.items() if new and new != old}
    if values:
        table = cast(Table, model.__table__)
        connection.execute(update(table).where(table.c.id == row_id).values(**values))


_RowT = TypeVar("_RowT", bound=Base)


def _insert_then_read(session: Session, model: type[_RowT], query: Select[_RowT], **values: object) -> _RowT:
    """Insert a row unless its unique key exists, then read it: two first launches of a
    course (or person, or membership, or link) at once both get the one row, neither a
    unique violation. ``INSERT … ON CONFLICT DO NOTHING`` waits for a concurrent
    inserter's commit (PostgreSQL) or its write lock (SQLite) instead of failing, and the
    read that follows sees the row either way (each statement sees what was committed
    before it, in PostgreSQL's default READ COMMITTED)."""
    connection = session.connection()
    insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    connection.execute(insert(model).values(**values).on_conflict_do_nothing())
    return session.scalars(query).one()


def _set_changed(row: Base, **values: object) -> None:
    """Set the attributes whose value differs; an equal value is not even set, so that an
    unchanged row is not written."""
    for name, value in values.items():
        if value and getattr(row, name) != value:
            setattr(row, name, value)


def members(session: Session, course_id: int, role: Role | None = None) -> list[Membership]:
    """Everyone known in a course (launched or from the roster), by name."""
    query = select(Membership).where(Membership.course_id == course_id).join(Membership.person)
    if role is not None:
        query = query.where(Membership.role == role.value)
    return list(session.scalars(query.order_by(Person.name, Person.sub)))


_BOUND_ACTIVITY = select(Activity).where(Activity.course_id == bindparam("course_id"),
                                         Activity.resource_link_id == bindparam("resource_link_id"))


def bind_resource_link(
    session: Session,
    course: Course,
    resource_link_id: str,
    *,
    key: str | None = None,
    kind_hint: str = "",
    title: str = "",
) -> Activity:
    """The activity behind a resource link, made or found on its launch.

    Order: a link already bound; else the activity Deep Linking made (its
    ``key`` came back in the custom parameters) if it is in this course and not
    yet bound; else a copy of that activity's configuration (Moodle copied the
    link with a course backup or import) if it is on the same platform; else a
    new, unconfigured activity, whose kind may come from a custom parameter a
    teacher typed.
    """
    activity = session.scalar(_BOUND_ACTIVITY, {"course_id": course.id, "resource_link_id": resource_link_id})
    if activity is not None:
        return activity
    # Only an activity of the same platform: the key travels in every launch's custom
    # claim, so anyone who launched it may know it, and an agency's configuration
    # must never move to another agency's Moodle.
    source = session.scalar(
        select(Activity).join(Activity.course).where(Activity.key == key, Course.platform_id == course.platform_id)
    ) if key else None
    if source is not None and source.course_id == course.id and source.resource_link_id is None:
        source.resource_link_id = resource_link_id
        session.flush()
        return source
    values: dict[str, object] = {"course_id": course.id, "resource_link_id": resource_link_id, "title": title,
                                 "key": secrets.token_urlsafe(12)}
    if source is not None:
        values.update(kind=source.kind, settings=dict(source.settings or {}), score_maximum=source.score_maximum,
                      locale=source.locale, title=source.title or title)
    elif kind_hint:
        values["kind"] = kind_hint
    # Two first launches of a link at once: one row, whichever inserts first.
    return _insert_then_read(session, Activity, select(Activity).where(
        Activity.course_id == course.id, Activity.resource_link_id == resource_link_id), **values)
