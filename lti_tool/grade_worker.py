"""Delivers the grade outbox to the platforms' gradebooks.

Any number of workers may run (a thread in ``padu serve``, ``padu worker``
processes on several hosts). A worker *claims* due rows by giving them a lease
— on PostgreSQL with ``SELECT … FOR UPDATE SKIP LOCKED``, so two workers never
pick the same row — then sends them outside the transaction. A worker killed
mid-batch leaves leases that simply run out; the rows are claimed again. A
re-send of a score Moodle already stored gets a 409 (same timestamp), which is
recorded as superseded: nothing is applied twice, and never out of order,
because timestamps only grow per learner and column.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import socket
import threading
import time

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from activities import registry
from activities.core import Activity
from activities.db import utcnow
from activities.grades import GradeOutbox, OutboxStatus

from . import housekeeping
from .exceptions import ServiceError
from .models import Platform
from .runtime import Runtime

log = logging.getLogger(__name__)

LEASE = dt.timedelta(seconds=120)
BATCH = 20
BACKOFF_BASE = 2.0
BACKOFF_CAP = 3600.0
#: After this many failed tries a retryable problem is shown to staff as failed.
MAX_ATTEMPTS = 15


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def backoff(attempts: int) -> float:
    """Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter")."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempts - 1)))
    return random.uniform(ceiling / 2, ceiling)


def claim(session: Session, me: str, limit: int = BATCH) -> list[int]:
    now = utcnow()
    query = (
        select(GradeOutbox.id)
        .where(
            GradeOutbox.status == OutboxStatus.PENDING.value,
            GradeOutbox.next_attempt_at <= now,
            or_(GradeOutbox.leased_until.is_(None), GradeOutbox.leased_until < now),
        )
        .order_by(GradeOutbox.id)
        .limit(limit)
    )
    if session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(session.scalars(query))
    if ids:
        session.execute(
            update(GradeOutbox).where(GradeOutbox.id.in_(ids)).values(leased_until=now + LEASE, leased_by=me)
        )
    session.commit()
    return ids


def _settle(session: Session, row_id: int, me: str, **values) -> None:
    """Write the outcome, only if this worker still holds the row's lease and the
    row is still pending (a newer result may have superseded it meanwhile)."""
    values.setdefault("leased_until", None)
    session.execute(
        update(GradeOutbox)
        .where(GradeOutbox.id == row_id, GradeOutbox.leased_by == me, GradeOutbox.status == OutboxStatus.PENDING.value)
        .values(**values)
    )
    session.commit()


def _lineitem_url(runtime: Runtime, session: Session, platform: Platform, activity: Activity) -> str | None:
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


def _stamp_for_sending(session: Session, row: GradeOutbox) -> None:
    """Fix the score's timestamp once, just before its first send.

    Moodle refuses (409) a score whose timestamp is not later, to the second,
    than the time it *saved* the previous one — not the previous score's own
    timestamp. So the stamp is at least one second past the moment the previous
    delivery of this learner and column was confirmed (which is after Moodle
    saved it). A result recorded while an earlier one was still on its way
    would otherwise be refused and the gradebook keep the older grade.

    A re-send (retry, or a worker that died after sending) keeps the stamp: if
    the platform already stored it, it answers 409 and nothing is applied twice.
    """
    if row.stamped_at is not None:
        return
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


def deliver(runtime: Runtime, session: Session, row_id: int, me: str) -> str:
    """Send one claimed row; returns the state it ended in."""
    row = session.get(GradeOutbox, row_id, populate_existing=True)
    if row is None or row.status != OutboxStatus.PENDING.value or row.leased_by != me:
        return "skipped"
    activity = row.activity
    platform = session.get(Platform, activity.course.platform_id)
    attempts = row.attempts + 1
    try:
        url = _lineitem_url(runtime, session, platform, activity)
        if url is None:
            _settle(session, row_id, me, status=OutboxStatus.FAILED.value, attempts=attempts,
                    last_error="the platform gave no gradebook endpoint (AGS) for this activity")
            return OutboxStatus.FAILED.value
        _stamp_for_sending(session, row)
        runtime.ags.post_score(platform, url, row.person.sub, row.as_score())
    except ServiceError as error:
        if error.status == 409:
            # Moodle: "Refusing score with an earlier timestamp" — it already
            # holds this result or a newer one.
            _settle(session, row_id, me, status=OutboxStatus.SUPERSEDED.value, attempts=attempts,
                    last_error="the gradebook already holds this or a newer result", delivered_at=utcnow())
            return OutboxStatus.SUPERSEDED.value
        if error.retryable and attempts < MAX_ATTEMPTS:
            delay = error.retry_after if error.retry_after is not None else backoff(attempts)
            _settle(session, row_id, me, attempts=attempts, last_error=error.reason[:2000],
                    next_attempt_at=utcnow() + dt.timedelta(seconds=delay))
            log.info("grade %s: will retry in %.1fs (%s)", row_id, delay, error.reason)
            return "retry"
        _settle(session, row_id, me, status=OutboxStatus.FAILED.value, attempts=attempts,
                last_error=error.reason[:2000])
        log.warning("grade %s failed: %s", row_id, error.reason)
        return OutboxStatus.FAILED.value
    _settle(session, row_id, me, status=OutboxStatus.DELIVERED.value, attempts=attempts, last_error=None,
            delivered_at=utcnow())
    return OutboxStatus.DELIVERED.value


def run_once(runtime: Runtime, me: str | None = None) -> int:
    """Claim and deliver one batch; returns how many rows were handled."""
    me = me or worker_id()
    with runtime.session_factory() as session:
        ids = claim(session, me)
        for row_id in ids:
            deliver(runtime, session, row_id, me)
        return len(ids)


def run_forever(runtime: Runtime, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    me = worker_id()
    log.info("grade worker %s started", me)
    while not stop.is_set():
        try:
            handled = run_once(runtime, me)
        except (SQLAlchemyError, OSError):
            # The worker must outlive a database hiccup: log, wait, claim again.
            log.exception("grade worker: batch failed; retrying after a pause")
            handled = 0
        # Daily housekeeping (purges, upload sweep): at most once a day across all workers;
        # it logs its own failures and never raises, so it cannot stop grade delivery.
        housekeeping.run_in_worker(runtime)
        if not handled:
            stop.wait(runtime.settings.worker_poll_seconds)
