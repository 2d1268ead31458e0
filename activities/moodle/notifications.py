"""Which Moodle messages are due: a phase opened for a learner, a coaching review was done, a
revision was asked, a meeting starts within the hour. Each event becomes one
:class:`.models.Notification` (its key is unique), only for a course whose program switched that
message on, and only for what happened after.

Events are found by reading the stored outcomes (phase states, reviews), not by hooking
every place that changes them: a phase opens by a fact, an override, a sign-off, a window
or an edit, and a scan sees them all. The worker runs :func:`collect` every minute and sends
the rows (``lti_tool.moodle.messages``). The texts are Indonesian, the learners' language, and
go to Moodle as plain text (FORMAT_PLAIN: Moodle escapes it, so a title is never read as HTML).

A meeting reminder is about the future: with its switch on, every scan reminds of the meetings
(not cancelled) that start within :data:`MEETING_LEAD` and have not started, each learner they
expect once. Its key holds the start time, so a meeting moved after its reminder reminds again
with the new time (the old one was wrong); a meeting cancelled before the scan never reminds,
and a reminder queued but not yet sent is dropped when the meeting is cancelled, moved or has
started by then (:func:`still_due`). A reminder is of something still to come, so switching it
on at 08:30 reminds of a meeting at 09:00, and of no meeting that has started.

A reminder already on its way to a learner may stop being true before the time it gave: staff
cancel the meeting (or remove it), or move it. Every scan looks at the reminders of the last
hour whose time has not come yet, and tells each reminded learner once: the meeting is
cancelled (:data:`MEETING_CANCELLED`), or it moved to a time it gives (:data:`MEETING_MOVED`; a
move to within the hour needs no such message, the reminder of the new time says it). The
meeting's new time then has its own reminder an hour before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_datetime
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..coaching.models import Decision, Review, Submission, SubmissionVersion
from ..core import Activity, Course, Membership, Role
from ..db import utcnow
from ..gating.models import Phase, PhaseState, Program, State
from ..meetings.models import Meeting, MeetingKind
from .models import Connection, CourseSync, Notification

SWITCHES = ("phase_open", "review", "revision", "meeting")
#: A meeting is reminded of when it starts within this time.
MEETING_LEAD = dt.timedelta(hours=1)
MEETING_SOON = "meeting_soon"
#: A reminded meeting was cancelled or removed before the time its reminder gave.
MEETING_CANCELLED = "meeting_cancelled"
#: A reminded meeting was moved, before the time its reminder gave, to a time more than an hour off.
MEETING_MOVED = "meeting_moved"


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
        if sync.notify_meeting_since is not None:
            found += _meetings_soon(session, course, now)
            found += _reminded_meetings_changed(session, course, now)
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


#: Meetings with their program's time zone, in which a message gives their times.
_MEETINGS_WITH_ZONE = (select(Meeting, Program.time_zone).join(Phase, Phase.id == Meeting.phase_id)
                       .join(Program, Program.id == Phase.program_id))


def _meetings_soon(session: Session, course: Course, now: dt.datetime) -> list[Notification]:
    """A reminder to every learner a meeting starting within the hour expects (two statements).

    Expected, as attendance counts it: a learner of the course the meeting is for
    (:meth:`Meeting.expects`: its group, or everyone), and, because a meeting belongs to a
    phase, one for whom that phase is not locked.
    """
    meetings = session.execute(
        _MEETINGS_WITH_ZONE.where(Meeting.course_id == course.id, Meeting.cancelled_at.is_(None),
                                  Meeting.starts_at > now, Meeting.starts_at <= now + MEETING_LEAD)).all()
    if not meetings:
        return []
    open_for: dict[int, list[int]] = {}
    for phase_id, learner_id in session.execute(
            select(PhaseState.phase_id, PhaseState.learner_id)
            .join(Membership, (Membership.person_id == PhaseState.learner_id) & (Membership.course_id == course.id))
            .where(PhaseState.phase_id.in_({m.phase_id for m, _zone in meetings}),
                   PhaseState.state != State.LOCKED.value, Membership.role == Role.LEARNER.value)
            .order_by(PhaseState.learner_id)):
        open_for.setdefault(phase_id, []).append(learner_id)
    found = []
    for meeting, zone in meetings:
        text = meeting_text(meeting, zone)
        found += [Notification(platform_id=course.platform_id, course_id=course.id, learner_id=learner_id,
                               event_key=meeting_key(meeting, learner_id), kind=MEETING_SOON, text=text)
                  for learner_id in open_for.get(meeting.phase_id, ()) if meeting.expects(learner_id)]
    return found


def _reminded_meetings_changed(session: Session, course: Course, now: dt.datetime) -> list[Notification]:
    """A message to every learner reminded of a meeting that has since been cancelled, removed or
    moved, before the time the reminder gave (two statements, a third when a meeting was removed).

    A reminder is made within the hour before the time it gives, so only those of the last hour
    can still be ahead. One whose sending was attempted counts as received: Moodle may have
    delivered it.
    """
    reminded = []
    for key, learner_id in session.execute(
            select(Notification.event_key, Notification.learner_id)
            .where(Notification.course_id == course.id, Notification.kind == MEETING_SOON,
                   Notification.attempted_at.is_not(None), Notification.created_at > now - MEETING_LEAD)):
        meeting_id, start = _meeting_event(key)
        if start > now.timestamp():
            reminded.append((meeting_id, start, learner_id))
    if not reminded:
        return []
    ids = {meeting_id for meeting_id, _start, _learner in reminded}
    meetings = {meeting.id: (meeting, zone) for meeting, zone in
                session.execute(_MEETINGS_WITH_ZONE.where(Meeting.id.in_(ids)))}
    course_zone = ""
    if len(meetings) < len(ids):  # one was removed: the course's program gives the zone (rare: read only then)
        course_zone = session.scalar(select(Program.time_zone).where(Program.course_id == course.id)) or ""
    found = []
    for meeting_id, start, learner_id in reminded:
        meeting, zone = meetings.get(meeting_id, (None, course_zone))
        if meeting is None or meeting.cancelled:
            kind, key = MEETING_CANCELLED, f"{MEETING_CANCELLED}:{meeting_id}:{learner_id}"
            title = f" “{meeting.title}”" if meeting is not None else ""
            text = f"Pertemuan{title} yang dijadwalkan {_when(start, zone)} dibatalkan."
        elif _epoch(meeting.starts_at) != start and meeting.starts_at > now + MEETING_LEAD:
            kind, key = MEETING_MOVED, f"{MEETING_MOVED}:{meeting_id}:{learner_id}:{_epoch(meeting.starts_at)}"
            text = (f"Jadwal pertemuan “{meeting.title}” berubah: kini {_when(meeting.starts_at, zone)}, "
                    f"bukan {_when(start, zone)}.{_where(meeting)}")
        else:
            continue
        found.append(Notification(platform_id=course.platform_id, course_id=course.id, learner_id=learner_id,
                                  event_key=key, kind=kind, text=text))
    return found


def meeting_key(meeting: Meeting, learner_id: int) -> str:
    """``meeting_soon:<meeting>:<learner>:<start, epoch seconds>``: a moved meeting is a new event."""
    return f"{MEETING_SOON}:{meeting.id}:{learner_id}:{_epoch(meeting.starts_at)}"


def _meeting_event(key: str) -> tuple[int, int]:
    """The meeting and the start (epoch seconds) a reminder's or a move's key (:func:`meeting_key`) names."""
    _kind, meeting_id, _learner, start = key.split(":")
    return int(meeting_id), int(start)


def _epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def meeting_text(meeting: Meeting, time_zone: str) -> str:
    """The reminder: the title, the start in the program's zone ("Senin, 14 Desember 2026, pukul 09.00 WIB"),
    and the link (online) or the place (in person) when it has one."""
    return (f"Pengingat: pertemuan “{meeting.title}” dimulai kurang dari satu jam lagi, "
            f"{_when(meeting.starts_at, time_zone)}.{_where(meeting)}")


def _when(moment: dt.datetime | int, time_zone: str) -> str:
    """A moment (or epoch seconds) as a learner reads it: "Senin, 14 Desember 2026, pukul 09.00 WIB"."""
    if isinstance(moment, int):
        moment = dt.datetime.fromtimestamp(moment, dt.UTC)
    try:
        zone = ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):  # the zone is checked when set; a removed one falls back to Jakarta's
        zone = ZoneInfo("Asia/Jakarta")
    return format_datetime(moment, "EEEE, d MMMM yyyy, 'pukul' HH.mm zzz", tzinfo=zone, locale="id")


def _where(meeting: Meeting) -> str:
    if meeting.kind == MeetingKind.ONLINE.value and meeting.link:
        return f" Tautan: {meeting.link}"
    if meeting.place:
        return f" Tempat: {meeting.place}"
    return ""


def still_due(session: Session, notification: Notification, now: dt.datetime | None = None) -> bool:
    """Whether a queued message is still true when it is about to be sent: a meeting reminder, or the
    message that a meeting moved, is not once its meeting is cancelled, moved (again) or removed, or
    has started; every other message is (a cancelled meeting stays cancelled)."""
    if notification.kind not in (MEETING_SOON, MEETING_MOVED):
        return True
    now = now or utcnow()
    meeting_id, start = _meeting_event(notification.event_key)
    meeting = session.get(Meeting, meeting_id)
    return meeting is not None and not meeting.cancelled and _epoch(meeting.starts_at) == start and meeting.starts_at > now
