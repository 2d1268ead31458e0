"""Which Moodle messages are due: a phase opened for a learner, a coaching review was done, a
revision was asked. Each event becomes one :class:`.models.Notification` (its key is unique),
only for a course whose program switched that message on, and only for what happened after.

Events are found by reading the stored outcomes (phase states, reviews), not by hooking
every place that changes them: a phase opens by a fact, an override, a sign-off, a window
or an edit, and a scan sees them all. The worker runs :func:`collect` every minute and sends
the rows (``lti_tool.moodle.messages``). The texts are Indonesian, the learners' language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..coaching.models import Decision, Review, Submission, SubmissionVersion
from ..core import Activity, Course
from ..db import utcnow
from ..gating.models import Phase, PhaseState, Program, State
from .models import Connection, CourseSync, Notification

SWITCHES = ("phase_open", "review", "revision")


def set_switches(session: Session, sync: CourseSync, on: Iterable[str], now: dt.datetime | None = None) -> None:
    """Turn the message switches in ``on`` on (keeping when they first were) and the others off.

    Turning "phase opened" on records every phase already open as announced (a row
    with nothing to send): only a phase that leaves *locked* afterwards is news.
    """
    now = now or utcnow()
    wanted = set(on)
    for name in SWITCHES:
        column = f"notify_{name}_since"
        if name not in wanted:
            setattr(sync, column, None)
        elif getattr(sync, column) is None:
            setattr(sync, column, now)
            if name == "phase_open":
                _mark_open_phases_known(session, sync.course_id, now)
    session.flush()


def _mark_open_phases_known(session: Session, course_id: int, now: dt.datetime) -> None:
    course = session.get(Course, course_id)
    if course is None:
        return
    current = _phases_opened(session, course)
    known = _known(session, [n.event_key for n in current])
    for notification in current:
        if notification.event_key not in known:
            notification.text, notification.attempted_at, notification.sent_at = "", now, now
            notification.created_at = now
            session.add(notification)


def _known(session: Session, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    return set(session.scalars(select(Notification.event_key).where(Notification.event_key.in_(keys))))


def collect(session: Session, now: dt.datetime | None = None) -> list[Notification]:
    """Add a notification for every event not announced yet; returns the new rows (flushed)."""
    now = now or utcnow()
    found: list[Notification] = []
    rows = session.execute(select(CourseSync, Course).join(Course, Course.id == CourseSync.course_id)
                           .join(Connection, Connection.platform_id == Course.platform_id))
    for sync, course in rows:
        if sync.notify_phase_open_since is not None:
            found += _phases_opened(session, course)
        if sync.notify_review_since is not None or sync.notify_revision_since is not None:
            found += _reviews(session, course, sync)
    fresh = {n.event_key: n for n in found}
    known = _known(session, list(fresh))
    added = [n for key, n in fresh.items() if key not in known]
    for notification in added:
        notification.created_at = now
        session.add(notification)
    session.flush()
    return added


def _phases_opened(session: Session, course: Course) -> list[Notification]:
    """A notification for every phase not locked for a learner (the caller drops those already known)."""
    query = (select(PhaseState.phase_id, PhaseState.learner_id, Phase.title)
             .join(Phase, Phase.id == PhaseState.phase_id).join(Program, Program.id == Phase.program_id)
             .where(Program.course_id == course.id, PhaseState.state != State.LOCKED.value))
    return [Notification(platform_id=course.platform_id, course_id=course.id, learner_id=learner_id,
                         event_key=f"phase_open:{phase_id}:{learner_id}", kind="phase_open",
                         text=f"Fase “{title}” di kursus {course.title or course.label} kini terbuka untuk Anda.")
            for phase_id, learner_id, title in session.execute(query)]


def _reviews(session: Session, course: Course, sync: CourseSync) -> list[Notification]:
    since = min(t for t in (sync.notify_review_since, sync.notify_revision_since) if t is not None)
    query = (select(Review.id, Review.decision, Review.created_at, Submission.learner_id, Activity.title)
             .join(SubmissionVersion, SubmissionVersion.id == Review.version_id)
             .join(Submission, Submission.id == SubmissionVersion.submission_id)
             .join(Activity, Activity.id == Submission.activity_id)
             .where(Activity.course_id == course.id, Review.created_at >= since))
    found = []
    for review_id, decision, created_at, learner_id, title in session.execute(query):
        if decision == Decision.REVISE.value:
            kind, switched_on = "revision", sync.notify_revision_since
            text = f"Coach Anda meminta revisi untuk tugas “{title}”. Buka tugas itu untuk melihat umpan baliknya."
        else:
            kind, switched_on = "review", sync.notify_review_since
            text = f"Tugas “{title}” Anda sudah dinilai dan diterima. Buka tugas itu untuk melihat umpan baliknya."
        if switched_on is None or created_at < switched_on:
            continue
        found.append(Notification(platform_id=course.platform_id, course_id=course.id, learner_id=learner_id,
                                  event_key=f"review:{review_id}", kind=kind, text=text))
    return found
