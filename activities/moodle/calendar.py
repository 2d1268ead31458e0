"""One calendar: each meeting of a distance (*jarak jauh*) or classical (*klasikal*) phase is a
Moodle course calendar event, created, changed and removed with the meeting.

LAN found an LMS that says something else than the facilitator; with the program's
switch on (``CourseSync.calendar``) the Moodle calendar shows Padu's meetings. Like
the messages (:mod:`.notifications`), changes are found by a scan, not by hooking
every place that changes a meeting: a meeting is added, edited, cancelled, removed,
or goes with its phase, and comparing each meeting's wanted event with what was
last queued (:class:`.models.CalendarLink`) sees them all. Each difference becomes
one outbox row (:class:`.models.CalendarChange`, its key unique), which the worker
sends (``lti_tool.moodle.calendar``); a scan that finds nothing new adds nothing.

Switching the calendar off stops the changes; the events already in Moodle stay
(the teacher may keep or delete them there).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ..core import Course
from ..db import JsonObject, utcnow
from ..gating.models import Phase, PhaseKind
from ..meetings.models import Meeting, MeetingKind
from .models import CalendarChange, CalendarLink, Connection, CourseSync
from .store import moodle_course_id

#: The phases whose meetings go to the Moodle calendar.
PHASE_KINDS = (PhaseKind.JARAK_JAUH.value, PhaseKind.KLASIKAL.value)
PUT, REMOVE = "put", "remove"
#: Moodle's limit on an event name (event.name is varchar(255)).
MAX_NAME = 255
FORMAT_HTML = 1


def set_calendar(session: Session, sync: CourseSync, on: bool) -> None:
    """Switch the program's Moodle calendar on or off (applied by the next scan)."""
    sync.calendar = on
    session.flush()


def _cancelled(meeting: Meeting) -> bool:
    """A cancelled meeting keeps its row but leaves the calendar."""
    return meeting.cancelled


def event_of(meeting: Meeting, phase_title: str, courseid: int) -> JsonObject:
    """The course event a meeting is in Moodle: its title, its time, where (link or place) and its phase."""
    if meeting.kind == MeetingKind.ONLINE.value:
        where = (f'Daring: <a href="{html.escape(meeting.link, quote=True)}">{html.escape(meeting.link)}</a>'
                 if meeting.link else "Daring")
    else:
        where = f"Tempat: {html.escape(meeting.place)}"
    description = f"<p>{where}</p><p>Fase: {html.escape(phase_title)}</p>"
    return {"name": meeting.title[:MAX_NAME], "description": description, "format": FORMAT_HTML,
            "courseid": courseid, "groupid": 0, "repeats": 0, "eventtype": "course",
            "timestart": int(meeting.starts_at.timestamp()),
            "timeduration": int((meeting.ends_at - meeting.starts_at).total_seconds()), "visible": True}


def wanted_events(session: Session, course: Course) -> dict[int, JsonObject]:
    """Meeting id → the event it should be in Moodle (meetings of the phase kinds above, not cancelled)."""
    courseid = moodle_course_id(course)
    if courseid is None:
        return {}
    rows = session.execute(select(Meeting, Phase.title).join(Phase, Phase.id == Meeting.phase_id)
                           .where(Meeting.course_id == course.id, Phase.kind.in_(PHASE_KINDS)))
    return {meeting.id: event_of(meeting, title, courseid) for meeting, title in rows if not _cancelled(meeting)}


def collect(session: Session, now: dt.datetime | None = None) -> list[CalendarChange]:
    """Queue a change for every meeting whose event differs from what was last queued, in every course
    whose program switched the calendar on; returns the new rows (flushed)."""
    now = now or utcnow()
    added: list[CalendarChange] = []
    rows = session.execute(select(Course).join(CourseSync, CourseSync.course_id == Course.id)
                           .join(Connection, Connection.platform_id == Course.platform_id)
                           .where(CourseSync.calendar.is_(True)).order_by(Course.id))
    for (course,) in rows:
        added += _collect_course(session, course, now)
    session.flush()
    return added


def _collect_course(session: Session, course: Course, now: dt.datetime) -> list[CalendarChange]:
    wanted = wanted_events(session, course)
    links = {link.meeting_id: link for link in session.scalars(
        select(CalendarLink).where(CalendarLink.course_id == course.id))}
    added = []
    for meeting_id in sorted(set(wanted) | set(links)):
        event = wanted.get(meeting_id)
        link = links.get(meeting_id)
        if link is None:
            if event is None:
                continue
            link = CalendarLink(meeting_id=meeting_id, platform_id=course.platform_id, course_id=course.id,
                                wanted=None, changes=0)
            session.add(link)
        if link.wanted == event:
            continue
        added.append(_queue(session, link, event, now))
    return added


def _queue(session: Session, link: CalendarLink, event: JsonObject | None, now: dt.datetime) -> CalendarChange:
    """One change: the unsent older ones of the meeting are superseded (only the newest state counts)."""
    session.execute(update(CalendarChange).where(
        CalendarChange.meeting_id == link.meeting_id, CalendarChange.sent_at.is_(None),
        CalendarChange.attempted_at.is_(None)).values(superseded=True, sent_at=now))
    link.changes += 1
    link.wanted = event
    change = CalendarChange(platform_id=link.platform_id, course_id=link.course_id, meeting_id=link.meeting_id,
                            change_key=f"calendar:{link.meeting_id}:{link.changes}",
                            action=PUT if event is not None else REMOVE, event=event or {}, created_at=now,
                            superseded=False)
    session.add(change)
    return change


def link_of(session: Session, meeting_id: int) -> CalendarLink | None:
    """The meeting's link to its Moodle event (its ``moodle_event_id``), or None."""
    return session.get(CalendarLink, meeting_id)


@dataclasses.dataclass(frozen=True)
class CalendarStatus:
    """What staff see of a course's calendar link: events in Moodle, changes waiting, and changes
    that may have reached Moodle without an answer (never repeated, so worth a look in Moodle)."""

    in_moodle: int
    waiting: int
    uncertain: int


def status_of(session: Session, course_id: int) -> CalendarStatus:
    in_moodle = session.scalar(select(func.count()).select_from(CalendarLink).where(
        CalendarLink.course_id == course_id, CalendarLink.moodle_event_id.is_not(None))) or 0
    unsent = (CalendarChange.course_id == course_id, CalendarChange.sent_at.is_(None))
    waiting = session.scalar(select(func.count(CalendarChange.id)).where(
        *unsent, CalendarChange.attempted_at.is_(None))) or 0
    uncertain = session.scalar(select(func.count(CalendarChange.id)).where(
        *unsent, CalendarChange.attempted_at.is_not(None))) or 0
    return CalendarStatus(in_moodle=in_moodle, waiting=waiting, uncertain=uncertain)
