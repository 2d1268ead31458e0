"""The kinds of job a worker runs, and their handlers (see :mod:`activities.jobs`).

A handler takes the runtime, a session and the claimed row, does the work, and
returns the values the row settles with (``{}``: done), or raises
``JobError`` with Padu's reason. It must not settle the row itself: the
worker counts attempts, retries, backs off and fails the row, the same way for
every kind.

Registered today are the kinds with a real handler: the AGS score delivery
(rows of the grade outbox), the NRPS roster refresh and the Moodle course sync
(completion, grades, groups), the Moodle messages and the meetings' Moodle calendar
changes (rows of ``job``). A new kind is a name, a handler, two phrases for Padu's reasons; see
"Adding a kind" in :mod:`activities.jobs`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from activities.core import Course
from activities.grades import GRADES
from activities.jobs import JOBS, Job, JobError, Queue

from . import grade_delivery
from .lti1p3 import nrps
from .lti1p3.exceptions import ServiceError
from .moodle import calendar as moodle_calendar
from .moodle import messages as moodle_messages
from .moodle import sync as moodle_sync
from .runtime import Runtime


@dataclasses.dataclass(frozen=True)
class Kind:
    name: str
    run: Callable[[Runtime, Session, Any], dict]
    #: Names the work in Padu's reasons: "<title> was interrupted 15 times; …".
    title: str
    #: "Padu could not <doing> (an error inside Padu …)".
    doing: str
    #: Runs a *wave* of claimed rows at once (each of another sequence), their attempts counted and
    #: committed; returns each row's outcome (values, JobError or an error
    #: inside Padu). None: the worker runs the rows one by one with ``run``.
    run_wave: Callable[[Runtime, Session, list[Any]], dict[int, Any]] | None = None


def refresh_roster(runtime: Runtime, session: Session, job: Job) -> dict:
    """The ``nrps.roster`` handler: fetch and store one course's roster."""
    course = session.get(Course, job.payload.get("course_id"))
    if course is None or not course.memberships_url:
        return {}  # the course is gone, or its platform stopped offering NRPS: nothing to do
    try:
        nrps.refresh(session, runtime.services, course)
    except ServiceError as error:
        raise JobError(error.reason, retryable=error.retryable, retry_after=error.retry_after) from error
    return {}


AGS_SCORE = Kind("ags.score", grade_delivery.send_score, title="delivery", doing="send this grade",
                 run_wave=grade_delivery.send_scores)
ROSTER_REFRESH = Kind(nrps.JOB_KIND, refresh_roster, title="the roster refresh",
                      doing="refresh the course roster")
MOODLE_SYNC = Kind(moodle_sync.JOB_KIND, moodle_sync.run_job, title="the Moodle sync",
                   doing="read the course from Moodle")
MOODLE_MESSAGE = Kind(moodle_messages.JOB_KIND, moodle_messages.run_job, title="the Moodle message",
                      doing="send this Moodle message")
MOODLE_CALENDAR = Kind(moodle_calendar.JOB_KIND, moodle_calendar.run_job, title="the Moodle calendar change",
                       doing="change this meeting's Moodle calendar event")

#: The kinds stored in the ``job`` table, by name.
KINDS: dict[str, Kind] = {kind.name: kind for kind in (ROSTER_REFRESH, MOODLE_SYNC, MOODLE_MESSAGE, MOODLE_CALENDAR)}

#: Every queue a worker serves, grades first. A worker claims only the ``job`` rows of kinds it knows.
QUEUES: tuple[Queue, ...] = (
    GRADES,
    dataclasses.replace(JOBS, claimable=lambda: (Job.kind.in_(list(KINDS)),)),
)


def kind_of(queue: Queue, row: Any) -> Kind:
    return AGS_SCORE if queue.model is GRADES.model else KINDS[row.kind]


def wave_kind(queue: Queue) -> Kind | None:
    """The kind that runs ``queue``'s rows in waves, if its rows are all of one such kind."""
    return AGS_SCORE if queue.model is GRADES.model else None
