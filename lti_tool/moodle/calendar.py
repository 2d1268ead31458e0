"""Sending the meetings' Moodle calendar changes: the ``moodle.calendar`` job kind.

Every minute one worker scans for changed meetings (:func:`activities.moodle.calendar.collect`)
and queues one job per change. The jobs of a platform run one after another (its lane),
so the changes of a meeting reach Moodle in order. A change is sent at most once:

* an update is a delete and a create (``core_calendar_delete_calendar_events``, then
  ``core_calendar_create_calendar_events``; Moodle 4.5's only update function,
  ``core_calendar_submit_create_update_form``, takes the calendar's web form as a string).
  Deleting is safe to repeat (an event already gone is taken as deleted) and the
  forgotten event id is committed before anything is created;
* ``attempted_at`` is committed before the create and ``sent_at`` with the new event id
  after; a create found attempted but not confirmed (its worker died mid-call, or Moodle
  did not answer) is never repeated, because Moodle may have made the event.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

import moodle_client as mc
from activities.db import utcnow
from activities.jobs import Job, JobError
from activities.moodle.calendar import REMOVE, collect
from activities.moodle.models import CalendarChange, CalendarLink

from . import once
from .sync import reason_of

if TYPE_CHECKING:
    from ..runtime import Runtime

log = logging.getLogger(__name__)

JOB_KIND = "moodle.calendar"
INTERVAL = dt.timedelta(minutes=1)
CREATED = once.Deed(done="created this calendar event", redo="create it")


def queue_due(session: Session, now: dt.datetime | None = None) -> int:
    """Collect the meetings' calendar changes and queue a job for each, in the caller's transaction."""
    return once.enqueue_each(session, JOB_KIND, "change_id", collect(session, now))


def queue_periodic(runtime: Runtime, now: dt.datetime | None = None) -> int | None:
    """:func:`queue_due` at most once per ``INTERVAL`` across all workers; never raises."""
    from .. import housekeeping

    return housekeeping.run_claimed(
        runtime, JOB_KIND, INTERVAL, queue_due, now=now,
        failure="moodle calendar: could not collect the meetings' changes; the next poll tries again")


def send(session: Session, secret_key: str, http, timeout: float, change: CalendarChange) -> None:
    """Apply one change to Moodle at most once; commits. :class:`JobError` when it cannot be applied."""
    if not once.due(change, CREATED):
        return  # applied, or superseded by a newer change of the meeting
    link = session.get(CalendarLink, change.meeting_id)
    if link is None:
        return
    with once.client(session, secret_key, change.platform_id, http, timeout) as moodle:
        if link.moodle_event_id is not None:
            _delete(session, moodle, link)
        if change.action == REMOVE:
            change.sent_at = utcnow()
            session.commit()
            return
        _create(session, moodle, link, change)


def _delete(session: Session, moodle: mc.MoodleClient, link: CalendarLink) -> None:
    assert link.moodle_event_id is not None
    try:
        mc.delete_calendar_events(moodle, [link.moodle_event_id])
    except mc.RecordNotFound:
        pass  # already gone (a teacher deleted it in Moodle): what was wanted
    except mc.MoodleError as error:
        raise reason_of(error) from None
    link.moodle_event_id = None
    session.commit()


def _create(session: Session, moodle: mc.MoodleClient, link: CalendarLink, change: CalendarChange) -> None:
    with once.attempt(session, change, CREATED, refused_clears=True):
        created = mc.create_calendar_events(moodle, [mc.NewCalendarEvent(**change.event)])
    if not created.events:
        once.not_attempted(session, change)
        raise JobError("Moodle refused to create the calendar event (the token's user may not add course "
                       "events)", retryable=False)
    link.moodle_event_id = change.moodle_event_id = created.events[0].id
    change.sent_at = utcnow()
    session.commit()


def run_job(runtime: Runtime, session: Session, job: Job) -> dict:
    """The ``moodle.calendar`` handler."""
    change = session.get(CalendarChange, job.payload.get("change_id"))
    if change is None:
        return {}
    send(session, runtime.settings.secret_key, runtime.http, runtime.settings.http_timeout, change)
    return {}
