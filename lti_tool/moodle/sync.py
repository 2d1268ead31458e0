"""The course sync: read a course's activities, learners' completion and grades and the
course's groups from Moodle, store them with the time read, and let gating recompute.

It runs in the worker as the ``moodle.sync`` job (one pending per course), queued
periodically for every course of a connected platform that uses it (a gating
program or a coaching task), at a launch (at most every ``LAUNCH_INTERVAL``), and
once by ``padu sync --course ID``. When Moodle is slow or refuses, the job fails
with a retryable :class:`~activities.jobs.JobError` and the worker backs off; the
periodic enqueue finds that job still pending (its dedup key) and adds none.

A learner whose completion or grade changed is passed to
:func:`activities.events.fact_changed` in the same transaction, so phase gating
recomputes and queues the gate grade before the sync commits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

import moodle_client as mc
from activities import events
from activities.core import Activity, Course
from activities.db import utcnow
from activities.gating.models import Phase, Program, Requirement
from activities.jobs import Job, JobError, enqueue
from activities.moodle import store
from activities.moodle.models import PLATFORM_CONNECTED, Connection
from activities.moodle.requirements import MoodleActivityCompleted, MoodleGradeAtLeast

from . import connection
from . import groups as group_sync
from .token import TokenUnreadable

if TYPE_CHECKING:
    from ..cache import Cache
    from ..runtime import Runtime

log = logging.getLogger(__name__)

JOB_KIND = "moodle.sync"
#: Every course that uses the sync is read again this often (and at most this often at launches).
INTERVAL = dt.timedelta(minutes=15)
LAUNCH_INTERVAL = dt.timedelta(minutes=5)
NATIVE_KINDS = (MoodleActivityCompleted.kind, MoodleGradeAtLeast.kind)


@dataclasses.dataclass
class Report:
    modules: int = 0
    learners_read: int = 0
    changed: int = 0
    groups: int = 0
    phase_groups: group_sync.Applied | None = None

    def __str__(self) -> str:
        text = (f"{self.modules} activities, {self.learners_read} learners read, {self.changed} changed, "
                f"{self.groups} groups")
        if self.phase_groups is not None:
            applied = self.phase_groups
            text += (f"; phase groups: {applied.created} created, {applied.added} members added, "
                     f"{applied.removed} removed")
        return text


def dedup_key(course_id: int) -> str:
    return f"{JOB_KIND}:{course_id}"


def request(session: Session, course: Course | None) -> Job | None:
    """Queue a sync of the course inside the caller's transaction, if its platform has a token."""
    if course is None or not _connected(session, course.platform_id):
        return None
    return _queue(session, course.id, course.platform_id)


def _connected(session: Session, platform_id: int) -> bool:
    # Core: the ORM's execution of a one-column select cost more than the query (every launch asks).
    return session.connection().execute(PLATFORM_CONNECTED, {"the_platform_id": platform_id}).scalar() is not None


def _queue(session: Session, course_id: int, platform_id: int) -> Job:
    return enqueue(session, JOB_KIND, {"course_id": course_id}, platform_id=platform_id,
                   dedup_key=dedup_key(course_id))


def after_launch(session: Session, cache: Cache, course_id: int, platform_id: int, *,
                 connected: bool | None = None) -> Job | None:
    """At a launch: queue a sync (never wait for it) unless one was queued lately.

    ``connected``: whether the platform has a token, when the launch's own read found it out
    in this transaction (``LaunchRows.moodle_connected``): then it is not asked again. None: asked here."""
    if connected is None:
        connected = _connected(session, platform_id)
    if not connected:
        return None
    if not cache.add(f"moodle-sync:{course_id}", 1, int(LAUNCH_INTERVAL.total_seconds())):
        return None
    return _queue(session, course_id, platform_id)


def courses_to_sync(session: Session) -> list[Course]:
    """Courses of connected platforms that use what a sync reads: a gating program or a coaching task."""
    uses = or_(Course.id.in_(select(Program.course_id)),
               Course.id.in_(select(Activity.course_id).where(Activity.kind == "coaching")))
    return list(session.scalars(select(Course).join(Connection, Connection.platform_id == Course.platform_id)
                                .where(uses).order_by(Course.id)))


def enqueue_periodic(runtime: Runtime, now: dt.datetime | None = None) -> int | None:
    """Queue a sync of every course that uses it, at most once per ``INTERVAL`` across all
    workers (the housekeeping claim); None when not due. Never raises: the worker goes on."""
    from .. import housekeeping

    def queue(session: Session, _now: dt.datetime) -> int:
        courses = courses_to_sync(session)
        for course in courses:
            request(session, course)
        return len(courses)

    return housekeeping.run_claimed(runtime, JOB_KIND, INTERVAL, queue, now=now,
                                    failure="moodle sync: could not queue the periodic syncs; the next poll tries again")


def _native_cmids(session: Session, course_id: int) -> set[int]:
    """The activities the course's native requirements read (no requirement: no per-learner calls)."""
    params = session.scalars(select(Requirement.params).join(Phase, Phase.id == Requirement.phase_id)
                             .join(Program, Program.id == Phase.program_id)
                             .where(Program.course_id == course_id, Requirement.kind.in_(NATIVE_KINDS)))
    return {int(p["cmid"]) for p in params if isinstance(p, dict) and "cmid" in p}


def sync_course(session: Session, moodle: mc.MoodleClient, course: Course, now: dt.datetime | None = None) -> Report:
    """Read the course from Moodle and store it (in the caller's transaction); raises the client's errors."""
    now = now or utcnow()
    courseid = store.moodle_course_id(course)
    if courseid is None:
        raise JobError(f"course {course.id}'s context id is not a Moodle course id", retryable=False)
    report = Report()
    sections = mc.get_course_contents(moodle, courseid)
    modules = [store.ModuleRead(cmid=m.id, section=s.section, section_name=s.name, name=m.name, modname=m.modname,
                                completion=m.completion)
               for s in sections for m in s.modules]
    store.store_modules(session, course.id, modules, now)
    report.modules = len(modules)

    cmids = _native_cmids(session, course.id) & {m.cmid for m in modules}
    if cmids:
        learners = store.learners_by_moodle_id(session, course.id)
        percent: dict[tuple[int, int], float | None] = {}
        for user_grades in mc.get_grade_items(moodle, courseid):
            learner_id = learners.get(user_grades.userid)
            if learner_id is None:
                continue
            for cmid in cmids:
                item = user_grades.for_cmid(cmid)
                percent[(learner_id, cmid)] = item.percentage if item is not None else None
        readings: dict[tuple[int, int], store.Reading] = {}
        for userid, learner_id in sorted(learners.items()):
            try:
                statuses = mc.get_activities_completion_status(moodle, courseid, userid)
            except (mc.RecordNotFound, mc.InvalidParameter):
                continue  # no longer enrolled in Moodle: keep what was last read
            report.learners_read += 1
            for cmid in cmids:
                status = statuses.get(cmid)
                readings[(learner_id, cmid)] = store.Reading(
                    completed=bool(status is not None and status.isoverallcomplete),
                    grade_percent=percent.get((learner_id, cmid)))
        changed = store.store_readings(session, course.id, readings, now)
        report.changed = len(changed)
        events.fact_changed(session, course.id, sorted(changed))

    course_groups = mc.get_course_groups(moodle, courseid)
    members = mc.get_group_members(moodle, [g.id for g in course_groups]) if course_groups else {}
    reads = [store.GroupRead(moodle_id=g.id, name=g.name, idnumber=g.idnumber, members=members.get(g.id, ()))
             for g in course_groups]
    if store.sync_row(session, course.id).phase_groups:
        report.phase_groups, reads = group_sync.apply(session, moodle, courseid, course.id, reads)
    store.store_groups(session, course.id, reads, now)
    report.groups = len(reads)
    store.record_success(session, course.id, now)
    return report


def reason_of(error: mc.MoodleError) -> JobError:
    """Padu's words for a failed call (Moodle's own text is not stored), and whether to retry."""
    where = error.wsfunction or "a call"
    if isinstance(error, mc.InvalidToken):
        return JobError("Moodle no longer accepts the web-services token; set a new one with "
                        "`padu platform set-ws`", retryable=False)
    if isinstance(error, mc.AccessDenied):
        return JobError(f"the web-services token's service lacks {where}; "
                        + connection.ADMIN_STEPS.format(names=where), retryable=False)
    if isinstance(error, mc.MissingCapability):
        return JobError(f"the web-services token's user may not run {where} in this course "
                        "(a capability is missing)", retryable=False)
    if isinstance(error, mc.TransportError):
        return JobError(f"Moodle did not answer {where} usably ({error.status or 'no answer'}); "
                        "Padu tries again later", retryable=error.retryable)
    return JobError(f"Moodle refused {where} ({error.errorcode or 'no error code'})", retryable=False)


def run_once(session: Session, secret_key: str, runtime_http, timeout: float, course: Course) -> Report:
    """Sync one course now and commit; on failure the course's sync row keeps Padu's reason
    (committed) and :class:`JobError` is raised."""
    try:
        moodle = connection.client_for(session, secret_key, course.platform_id, runtime_http, timeout)
    except TokenUnreadable as error:
        raise _failed(session, course, JobError(str(error), retryable=False)) from None
    if moodle is None:
        raise JobError("this platform has no web-services token (padu platform set-ws)", retryable=False)
    with moodle:
        try:
            report = sync_course(session, moodle, course)
        except mc.MoodleError as error:
            raise _failed(session, course, reason_of(error)) from None
        except JobError as error:
            raise _failed(session, course, error) from None
    session.commit()
    log.info("moodle sync of course %s: %s", course.id, report)
    return report


def _failed(session: Session, course: Course, error: JobError) -> JobError:
    session.rollback()
    store.record_failure(session, course.id, error.reason)
    session.commit()
    return error


def run_job(runtime: Runtime, session: Session, job: Job) -> dict:
    """The ``moodle.sync`` handler."""
    course = session.get(Course, job.payload.get("course_id"))
    if course is None:
        return {}
    run_once(session, runtime.settings.secret_key, runtime.http, runtime.settings.http_timeout, course)
    return {}
