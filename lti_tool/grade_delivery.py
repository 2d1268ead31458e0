"""The AGS score job: sends one grade outbox row to its platform's gradebook.

The worker (:mod:`lti_tool.worker`) claims, leases, counts and retries the row
like every job (:mod:`activities.jobs`); this module only knows what sending a
grade means. Moodle answers 409 to a score whose timestamp is not newer than the
one it holds, so nothing is applied twice, and never out of order, because
timestamps only grow per learner and column. A 409 means one of two things:

* the row was sent before (a retry, or a worker that died after sending) and no
  newer grade of the learner and column has been delivered since: Moodle holds
  *this very score*. The row is delivered, labelled "already in the gradebook"
  (:data:`activities.grades.ALREADY_IN_GRADEBOOK`);
* otherwise the gradebook holds a newer result: the row is superseded.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from activities import registry
from activities.core import Activity
from activities.db import utcnow
from activities.grades import ALREADY_IN_GRADEBOOK, GradeOutbox, OutboxStatus
from activities.jobs import JobError

from .lti1p3.exceptions import ServiceError
from .lti1p3.service_http import belongs_to
from .models import Platform
from .runtime import Runtime

log = logging.getLogger(__name__)

#: Shown to staff when a launch's AGS claim names another site than the platform's.
FOREIGN_GRADEBOOK = ("the launch named a gradebook address outside the platform's own site; "
                     "Padu does not send grades there")
NO_GRADEBOOK = "the platform gave no gradebook endpoint (AGS) for this activity"
NO_PLATFORM = "the course's platform is no longer registered in Padu"


def _lineitem_url(runtime: Runtime, session: Session, platform: Platform, activity: Activity) -> str | None:
    for url in (activity.lineitem_url, activity.lineitems_url):
        if url and not belongs_to(platform, url):
            log.warning("activity %s: the launch's AGS endpoint is not on platform %s's site; not used",
                        activity.id, platform.id)
            raise ServiceError(FOREIGN_GRADEBOOK, retryable=False)
    return _find_lineitem_url(runtime, session, platform, activity)


def _find_lineitem_url(runtime: Runtime, session: Session, platform: Platform, activity: Activity) -> str | None:
    if activity.lineitem_url:
        return activity.lineitem_url
    if not activity.lineitems_url:
        return None
    url = runtime.ags.find_or_create_lineitem(
        platform, activity.lineitems_url, resource_link_id=activity.resource_link_id,
        resource_id=activity.key, tag=registry.line_item_tag(activity.kind),
        label=activity.title or activity.kind, score_maximum=activity.score_maximum,
    )
    session.execute(update(Activity).where(Activity.id == activity.id).values(lineitem_url=url))
    session.commit()
    return url


def _stamp_for_sending(session: Session, row: GradeOutbox) -> bool:
    """Fix the score's timestamp once, just before its first send.

    Moodle refuses (409) a score whose timestamp is not later, to the second,
    than the time it *saved* the previous one — not the previous score's own
    timestamp. So the stamp is at least one second past the moment the previous
    delivery of this learner and column was confirmed (which is after Moodle
    saved it). A result recorded while an earlier one was still on its way
    would otherwise be refused and the gradebook keep the older grade.

    A re-send (retry, or a worker that died after sending) keeps the stamp: if
    the platform already stored it, it answers 409 and nothing is applied twice.
    Returns False for a re-send, True when the row was stamped now.
    """
    if row.stamped_at is not None:
        return False
    previous = session.execute(
        select(func.max(GradeOutbox.delivered_at), func.max(GradeOutbox.timestamp)).where(
            GradeOutbox.activity_id == row.activity_id,
            GradeOutbox.person_id == row.person_id,
            GradeOutbox.id != row.id,
            GradeOutbox.delivered_at.is_not(None),
        )
    ).one()
    now = utcnow()
    stamp = max(now.replace(microsecond=0), row.timestamp)
    for moment in previous:
        if moment is not None:
            stamp = max(stamp, moment.replace(microsecond=0) + dt.timedelta(seconds=1))
    row.timestamp = stamp
    row.stamped_at = now
    session.commit()
    return True


def _delivered_after(session: Session, row: GradeOutbox) -> bool:
    """Whether a newer grade of the row's learner and column reached the gradebook."""
    return session.scalar(
        select(func.count()).where(
            GradeOutbox.activity_id == row.activity_id,
            GradeOutbox.person_id == row.person_id,
            GradeOutbox.id > row.id,
            GradeOutbox.delivered_at.is_not(None),
        )
    ) != 0


def send_score(runtime: Runtime, session: Session, row: GradeOutbox) -> dict:
    """The AGS-score job's handler: POST the row's score (LTI AGS 2.0 §3.4).

    Returns the values the row settles with; raises :class:`JobError` with
    Padu's reason (``ServiceError`` reasons are Padu's words, never the
    platform's answer) when the send failed.
    """
    activity = row.activity
    platform = session.get(Platform, activity.course.platform_id)
    if platform is None:  # unregistered since the grade was queued
        raise JobError(NO_PLATFORM, retryable=False)
    try:
        url = _lineitem_url(runtime, session, platform, activity)
        if url is None:
            raise JobError(NO_GRADEBOOK, retryable=False)
        resend = not _stamp_for_sending(session, row)
        user_id, score = row.person.sub, row.as_score()
        session.commit()  # no transaction (nor pooled connection) held while the platform answers
        runtime.ags.post_score(platform, url, user_id, score)
    except ServiceError as error:
        if error.status == 409:
            # Moodle: "Refusing score with an earlier timestamp" — it holds this very
            # score (a re-send) or a newer one.
            if resend and not _delivered_after(session, row):
                return {"status": OutboxStatus.DELIVERED.value, "last_error": ALREADY_IN_GRADEBOOK,
                        "delivered_at": utcnow()}
            return {"status": OutboxStatus.SUPERSEDED.value,
                    "last_error": "the gradebook already holds a newer result", "delivered_at": utcnow()}
        raise JobError(error.reason, retryable=error.retryable, retry_after=error.retry_after) from error
    return {"status": OutboxStatus.DELIVERED.value, "last_error": None, "delivered_at": utcnow()}
