"""Sending the Moodle messages the program switched on: the ``moodle.message`` job kind.

Every minute one worker collects the due notifications
(:func:`activities.moodle.notifications.collect`) and queues one job per row.
The handler sends a row at most once: it commits ``attempted_at`` before
calling ``core_message_send_instant_messages`` (never repeated by the client
after a failure Moodle may have survived) and ``sent_at`` after; a row found
attempted but not sent (its worker died mid-call) is not sent again. A meeting
reminder (or the message that a meeting moved) whose meeting was cancelled, moved or
has started by then is not sent at all.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

import moodle_client as mc
from activities.core import Person
from activities.db import utcnow
from activities.jobs import Job, JobError
from activities.moodle.models import Notification
from activities.moodle.notifications import collect, still_due

from . import once

if TYPE_CHECKING:
    from ..runtime import Runtime

log = logging.getLogger(__name__)

JOB_KIND = "moodle.message"
INTERVAL = dt.timedelta(minutes=1)
SENT = once.Deed(done="delivered this message", redo="send it")


def queue_due(session: Session, now: dt.datetime | None = None) -> int:
    """Collect the due notifications and queue a job for each, in the caller's transaction."""
    return once.enqueue_each(session, JOB_KIND, "notification_id", collect(session, now))


def queue_periodic(runtime: Runtime, now: dt.datetime | None = None) -> int | None:
    """:func:`queue_due` at most once per ``INTERVAL`` across all workers; never raises."""
    from .. import housekeeping

    return housekeeping.run_claimed(runtime, JOB_KIND, INTERVAL, queue_due, now=now,
                                    failure="moodle messages: could not collect the due messages; the next poll tries again")


def send(session: Session, secret_key: str, http, timeout: float, notification: Notification,
         now: dt.datetime | None = None) -> None:
    """Send one notification at most once; commits. :class:`JobError` when it cannot be sent.
    ``now`` is for tests (whether a meeting reminder is still due); the clock otherwise."""
    if not once.due(notification, SENT):
        return
    if not still_due(session, notification, now):
        raise JobError("the meeting was cancelled, moved or removed, or has started: the message is no longer "
                       "true, so Padu does not send it", retryable=False)
    learner = session.get(Person, notification.learner_id)
    if learner is None or not learner.sub.isdigit():
        raise JobError("the learner is not a Moodle user Padu can write to", retryable=False)
    moodle = once.client(session, secret_key, notification.platform_id, http, timeout)
    # A refused message stays attempted, as it always has: its job is not retried either way.
    with moodle, once.attempt(session, notification, SENT, refused_clears=False):
        results = mc.send_instant_messages(moodle, [mc.NewMessage(
            touserid=int(learner.sub), text=notification.text, textformat=mc.models.FORMAT_PLAIN,
            clientmsgid=f"padu-{notification.event_key}"[:100])])
    if not results or not results[0].sent:
        raise JobError("Moodle refused the message (messaging disabled or the learner blocks it)", retryable=False)
    notification.sent_at, notification.moodle_message_id = utcnow(), results[0].msgid
    session.commit()


def run_job(runtime: Runtime, session: Session, job: Job) -> dict:
    """The ``moodle.message`` handler."""
    notification = session.get(Notification, job.payload.get("notification_id"))
    if notification is None:
        return {}
    send(session, runtime.settings.secret_key, runtime.http, runtime.settings.http_timeout, notification)
    return {}
