"""Writing what a sync read from Moodle, and reading it back for gates, coaching and pages.

The sync (``lti_tool.moodle.sync``) hands this module plain values, never the
web-services client's types, so the domain stays free of HTTP. Each write
returns the learners whose facts changed, so the caller can tell phase gating
(:func:`activities.events.fact_changed`) in the same transaction. A value read
again unchanged only moves ``read_at``: "as of" on the learner page is the
time of the last read, not of the last change.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..core import Course, Membership, Person, Role
from ..db import utcnow
from .models import ActivityFact, CourseSync, Group, GroupMember, Module

#: The idnumber of the Moodle group Padu keeps in step with a phase (phase id appended).
PHASE_GROUP_IDNUMBER = "padu-phase-"


@dataclasses.dataclass(frozen=True)
class ModuleRead:
    cmid: int
    section: int
    section_name: str
    name: str
    modname: str
    completion: int


@dataclasses.dataclass(frozen=True)
class Reading:
    """One learner's completion and grade of one activity, as Moodle answered."""

    completed: bool
    grade_percent: float | None


@dataclasses.dataclass(frozen=True)
class GroupRead:
    moodle_id: int
    name: str
    idnumber: str
    #: Moodle user ids of the members.
    members: tuple[int, ...]


def sync_row(session: Session, course_id: int) -> CourseSync:
    """The course's sync row, made on first use."""
    row = session.get(CourseSync, course_id)
    if row is None:
        row = CourseSync(course_id=course_id, phase_groups=False)
        session.add(row)
        session.flush()
    return row


def set_phase_groups(session: Session, course_id: int, on: bool) -> CourseSync:
    """Switch "keep one Moodle group per phase in step" for the course (applied at the next sync)."""
    row = sync_row(session, course_id)
    row.phase_groups = on
    session.flush()
    return row


def synced_at(session: Session, course_id: int) -> dt.datetime | None:
    """When the course was last read from Moodle, or None if never."""
    return session.scalar(select(CourseSync.synced_at).where(CourseSync.course_id == course_id))


def learners_by_moodle_id(session: Session, course_id: int) -> dict[int, int]:
    """Moodle user id → Padu person id of the course's learners. A launch's ``sub`` *is* the
    Moodle user id (verified against the recorded launches), so no lookup in Moodle is needed."""
    rows = session.execute(
        select(Person.sub, Person.id).join(Membership, Membership.person_id == Person.id)
        .where(Membership.course_id == course_id, Membership.role == Role.LEARNER.value))
    return {int(sub): person_id for sub, person_id in rows if sub.isdigit()}


def moodle_course_id(course: Course) -> int | None:
    """The Moodle course id of a course: its LTI context id (verified against the recordings)."""
    return int(course.lti_context_id) if course.lti_context_id.isdigit() else None


def store_modules(session: Session, course_id: int, modules: Iterable[ModuleRead], now: dt.datetime) -> None:
    """Replace the course's activity list with what Moodle listed now."""
    stored = {m.cmid: m for m in session.scalars(select(Module).where(Module.course_id == course_id))}
    seen: set[int] = set()
    for read in modules:
        seen.add(read.cmid)
        row = stored.get(read.cmid)
        if row is None:
            row = Module(course_id=course_id, cmid=read.cmid)
            session.add(row)
        row.section, row.section_name, row.name = read.section, read.section_name, read.name
        row.modname, row.completion, row.read_at = read.modname, read.completion, now
    gone = [cmid for cmid in stored if cmid not in seen]
    if gone:
        session.execute(delete(Module).where(Module.course_id == course_id, Module.cmid.in_(gone)))
    session.flush()


def modules_of(session: Session, course_id: int) -> list[Module]:
    """The course's activities in course-page order (section, then as listed)."""
    return list(session.scalars(select(Module).where(Module.course_id == course_id)
                                .order_by(Module.section, Module.id)))


def store_readings(session: Session, course_id: int, readings: Mapping[tuple[int, int], Reading],
                   now: dt.datetime) -> set[int]:
    """Store (learner id, cmid) → reading; returns the learners whose completion or grade changed.

    A learner or activity that Moodle no longer answers for keeps its last
    reading (a learner unenrolled in Moodle stays as Padu last saw them).
    """
    learner_ids = {learner for learner, _cmid in readings}
    stored: dict[tuple[int, int], ActivityFact] = {}
    if learner_ids:
        for row in session.scalars(select(ActivityFact).where(
                ActivityFact.course_id == course_id, ActivityFact.learner_id.in_(list(learner_ids)))):
            stored[(row.learner_id, row.cmid)] = row
    changed: set[int] = set()
    for (learner_id, cmid), reading in readings.items():
        found = stored.get((learner_id, cmid))
        if found is None:
            session.add(ActivityFact(course_id=course_id, learner_id=learner_id, cmid=cmid,
                                     completed=reading.completed, grade_percent=reading.grade_percent, read_at=now))
            changed.add(learner_id)
            continue
        if found.completed != reading.completed or found.grade_percent != reading.grade_percent:
            found.completed, found.grade_percent = reading.completed, reading.grade_percent
            changed.add(learner_id)
        found.read_at = now
    if learner_ids:
        session.execute(update(ActivityFact).where(ActivityFact.course_id == course_id,
                                                   ActivityFact.learner_id.in_(list(learner_ids)))
                        .values(read_at=now))
    session.flush()
    return changed


def readings_of(session: Session, course_id: int, cmid: int,
                learner_ids: Collection[int]) -> dict[int, ActivityFact]:
    """By learner: the stored reading of one activity; one query."""
    if not learner_ids:
        return {}
    return {row.learner_id: row for row in session.scalars(select(ActivityFact).where(
        ActivityFact.course_id == course_id, ActivityFact.cmid == cmid,
        ActivityFact.learner_id.in_(list(learner_ids))))}


def store_groups(session: Session, course_id: int, groups: Iterable[GroupRead], now: dt.datetime) -> None:
    """Replace the course's groups and memberships with what Moodle listed now (members
    Padu does not know as people of this platform are left out)."""
    course = session.get(Course, course_id)
    if course is None:
        return
    groups = list(groups)
    moodle_users = {u for g in groups for u in g.members}
    people: dict[str, int] = {}
    if moodle_users:
        people = {sub: person_id for sub, person_id in session.execute(select(Person.sub, Person.id).where(
            Person.platform_id == course.platform_id, Person.sub.in_([str(u) for u in moodle_users])))}
    stored = {g.moodle_id: g for g in session.scalars(select(Group).where(Group.course_id == course_id))}
    seen: set[int] = set()
    for read in groups:
        seen.add(read.moodle_id)
        row = stored.get(read.moodle_id)
        if row is None:
            row = Group(course_id=course_id, moodle_id=read.moodle_id)
            session.add(row)
        row.name, row.idnumber, row.read_at = read.name, read.idnumber, now
        session.flush()
        wanted = {people[str(u)] for u in read.members if str(u) in people}
        current = set(session.scalars(select(GroupMember.person_id).where(GroupMember.group_id == row.id)))
        if current - wanted:
            session.execute(delete(GroupMember).where(GroupMember.group_id == row.id,
                                                      GroupMember.person_id.in_(list(current - wanted))))
        for person_id in sorted(wanted - current):
            session.add(GroupMember(group_id=row.id, person_id=person_id))
    gone = [moodle_id for moodle_id in stored if moodle_id not in seen]
    if gone:
        session.execute(delete(Group).where(Group.course_id == course_id, Group.moodle_id.in_(gone)))
    session.flush()


def groups_synced(session: Session, course_id: int) -> bool:
    """Whether the course's groups were ever read (then an empty list means "in no group")."""
    return synced_at(session, course_id) is not None


def group_names_of(session: Session, course_id: int, person_id: int) -> list[str] | None:
    """The names of the Moodle groups a person is in, or None when Padu never read the course's
    groups (a coaching task for some groups then cannot tell, and says why)."""
    if not groups_synced(session, course_id):
        return None
    return list(session.scalars(select(Group.name).join(GroupMember, GroupMember.group_id == Group.id)
                                .where(Group.course_id == course_id, GroupMember.person_id == person_id)
                                .order_by(Group.name)))


def members_by_moodle_group(session: Session, course_id: int) -> dict[int, set[int]]:
    """Moodle group id → Padu person ids, as last read."""
    members: dict[int, set[int]] = defaultdict(set)
    for moodle_id, person_id in session.execute(
            select(Group.moodle_id, GroupMember.person_id).join(GroupMember, GroupMember.group_id == Group.id)
            .where(Group.course_id == course_id)):
        members[moodle_id].add(person_id)
    return members


def record_success(session: Session, course_id: int, now: dt.datetime | None = None) -> None:
    row = sync_row(session, course_id)
    row.synced_at, row.last_error = now or utcnow(), None
    session.flush()


def record_failure(session: Session, course_id: int, reason: str) -> None:
    sync_row(session, course_id).last_error = reason
    session.flush()
