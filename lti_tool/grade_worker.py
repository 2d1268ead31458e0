"""Delivers the grade outbox to the platforms' gradebooks.

Any number of workers may run (a thread in ``padu serve``, ``padu worker``
processes on several hosts). A worker *claims* due rows by giving them a lease
— on PostgreSQL with ``SELECT … FOR UPDATE SKIP LOCKED``, so two workers never
pick the same row — then sends them outside the transaction. A worker killed
mid-batch leaves leases that simply run out; the rows are claimed again. A
re-send of a score Moodle already stored gets a 409 (same timestamp), which is
recorded as superseded: nothing is applied twice, and never out of order,
because timestamps only grow per learner and column.

No platform can stop delivery to the others. Each platform has its own *lane*:
``run_forever`` hands a platform's due rows to a thread of a small pool and
claims nothing more for that platform until the lane is done, so a platform
that answers slowly holds one lane, never the worker. Every call has a total
deadline and a size cap (``outbound``), Retry-After counts for at most an hour,
and an attempt is counted *before* the row is sent: a row whose delivery keeps
crashing a worker ends failed, with a reason, after ``MAX_ATTEMPTS`` tries
instead of killing the next worker forever.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import random
import socket
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from activities import registry
from activities.core import Activity, Course
from activities.db import utcnow
from activities.grades import GradeOutbox, OutboxStatus

from . import housekeeping
from .lti1p3.exceptions import ServiceError
from .models import Platform
from .runtime import Runtime
from .lti1p3.service_http import belongs_to

log = logging.getLogger(__name__)

LEASE = dt.timedelta(seconds=120)
BATCH = 20
BACKOFF_BASE = 2.0
BACKOFF_CAP = 3600.0
#: After this many failed tries a retryable problem is shown to staff as failed.
MAX_ATTEMPTS = 15
#: Platforms delivered to at the same time by one ``run_forever``.
LANES = 8


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def backoff(attempts: int) -> float:
    """Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And Jitter")."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempts - 1)))
    return random.uniform(ceiling / 2, ceiling)


def _due(now: dt.datetime):
    return (
        GradeOutbox.status == OutboxStatus.PENDING.value,
        GradeOutbox.next_attempt_at <= now,
        or_(GradeOutbox.leased_until.is_(None), GradeOutbox.leased_until < now),
    )


def _of_platform(platform_id: int):
    return GradeOutbox.activity_id.in_(
        select(Activity.id).join(Course, Course.id == Activity.course_id).where(Course.platform_id == platform_id)
    )


def due_platforms(session: Session, skip: set[int] = frozenset()) -> list[int]:
    """Platforms with rows due now, except ``skip`` (those whose lane is busy)."""
    query = (
        select(Course.platform_id).distinct()
        .join(Activity, Activity.course_id == Course.id)
        .join(GradeOutbox, GradeOutbox.activity_id == Activity.id)
        .where(*_due(utcnow()))
    )
    if skip:
        query = query.where(Course.platform_id.not_in(skip))
    platforms = list(session.scalars(query))
    session.commit()
    return platforms


def claim(session: Session, me: str, limit: int = BATCH, platform_id: int | None = None) -> list[int]:
    now = utcnow()
    query = select(GradeOutbox.id).where(*_due(now)).order_by(GradeOutbox.id).limit(limit)
    if platform_id is not None:
        query = query.where(_of_platform(platform_id))
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


#: Shown to staff when a launch's AGS claim names another site than the platform's.
FOREIGN_GRADEBOOK = ("the launch named a gradebook address outside the platform's own site; "
                     "Padu does not send grades there")


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


def _begin_attempt(session: Session, row_id: int, me: str) -> bool:
    """Count the attempt and renew the lease *before* sending: a worker that dies
    mid-send has still used one try. False if the row is no longer ours."""
    started = session.execute(
        update(GradeOutbox)
        .where(GradeOutbox.id == row_id, GradeOutbox.leased_by == me, GradeOutbox.status == OutboxStatus.PENDING.value)
        .values(attempts=GradeOutbox.attempts + 1, leased_until=utcnow() + LEASE)
    ).rowcount
    session.commit()
    return bool(started)


def deliver(runtime: Runtime, session: Session, row_id: int, me: str) -> str:
    """Send one claimed row; returns the state it ended in."""
    row = session.get(GradeOutbox, row_id, populate_existing=True)
    if row is None or row.status != OutboxStatus.PENDING.value or row.leased_by != me:
        return "skipped"
    if row.attempts >= MAX_ATTEMPTS:
        # The earlier tries never settled: each one ended with its worker.
        _settle(session, row_id, me, status=OutboxStatus.FAILED.value,
                last_error=f"delivery was interrupted {row.attempts} times; Padu stopped trying")
        log.error("grade %s: %d interrupted deliveries, marked failed", row_id, row.attempts)
        return OutboxStatus.FAILED.value
    if not _begin_attempt(session, row_id, me):
        return "skipped"
    session.refresh(row)
    attempts = row.attempts
    activity = row.activity
    platform = session.get(Platform, activity.course.platform_id)
    try:
        url = _lineitem_url(runtime, session, platform, activity)
        if url is None:
            _settle(session, row_id, me, status=OutboxStatus.FAILED.value,
                    last_error="the platform gave no gradebook endpoint (AGS) for this activity")
            return OutboxStatus.FAILED.value
        _stamp_for_sending(session, row)
        runtime.ags.post_score(platform, url, row.person.sub, row.as_score())
    except ServiceError as error:
        if error.status == 409:
            # Moodle: "Refusing score with an earlier timestamp" — it already
            # holds this result or a newer one.
            _settle(session, row_id, me, status=OutboxStatus.SUPERSEDED.value,
                    last_error="the gradebook already holds this or a newer result", delivered_at=utcnow())
            return OutboxStatus.SUPERSEDED.value
        if error.retryable and attempts < MAX_ATTEMPTS:
            delay = error.retry_after if error.retry_after is not None else backoff(attempts)
            delay = min(BACKOFF_CAP, max(0.0, delay))
            _settle(session, row_id, me, last_error=error.reason[:2000],
                    next_attempt_at=utcnow() + dt.timedelta(seconds=delay))
            log.info("grade %s: will retry in %.1fs (%s)", row_id, delay, error.reason)
            return "retry"
        _settle(session, row_id, me, status=OutboxStatus.FAILED.value, last_error=error.reason[:2000])
        log.warning("grade %s failed: %s", row_id, error.reason)
        return OutboxStatus.FAILED.value
    _settle(session, row_id, me, status=OutboxStatus.DELIVERED.value, last_error=None, delivered_at=utcnow())
    return OutboxStatus.DELIVERED.value


def deliver_all(runtime: Runtime, me: str, ids: list[int]) -> int:
    """Deliver claimed rows one by one; no row's failure stops the others."""
    with runtime.session_factory() as session:
        for row_id in ids:
            try:
                deliver(runtime, session, row_id, me)
            except Exception:  # the outermost per-job boundary: one grade must not stop the worker
                log.exception("grade %s: delivery failed inside Padu", row_id)
                session.rollback()
                _after_crash(session, row_id, me)
    return len(ids)


def _after_crash(session: Session, row_id: int, me: str) -> None:
    """The attempt is already counted: schedule the row again, or fail it for good."""
    row = session.get(GradeOutbox, row_id, populate_existing=True)
    if row is None:
        return
    if row.attempts >= MAX_ATTEMPTS:
        _settle(session, row_id, me, status=OutboxStatus.FAILED.value,
                last_error="Padu could not send this grade (an error inside Padu, see its log); it stopped trying")
    else:
        _settle(session, row_id, me,
                last_error="Padu could not send this grade (an error inside Padu); it will try again",
                next_attempt_at=utcnow() + dt.timedelta(seconds=backoff(max(1, row.attempts))))


def run_once(runtime: Runtime, me: str | None = None) -> int:
    """Claim and deliver one batch, every platform in turn; returns how many rows were handled."""
    me = me or worker_id()
    with runtime.session_factory() as session:
        ids = claim(session, me)
    return deliver_all(runtime, me, ids)


class Lanes:
    """At most one lane per platform at a time, ``size`` platforms at once."""

    def __init__(self, size: int = LANES):
        self._pool = ThreadPoolExecutor(size, thread_name_prefix="grade-lane")
        self._busy: dict[int, Future] = {}
        self.size = size

    def busy(self) -> set[int]:
        self._busy = {platform: future for platform, future in self._busy.items() if not future.done()}
        return set(self._busy)

    def start(self, platform_id: int, work, *args) -> None:
        self._busy[platform_id] = self._pool.submit(_lane, work, *args)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _lane(work, *args) -> None:
    try:
        work(*args)
    except Exception:  # a lane's outermost boundary (the database went away mid-batch): log, the poll goes on
        log.exception("grade worker: a delivery lane failed; its rows are claimed again when their lease ends")


def drain_platform(runtime: Runtime, me: str, platform_id: int, ids: list[int], stop: threading.Event) -> None:
    """One platform's lane: deliver its due rows, batch after batch, until none is due."""
    while ids and not stop.is_set():
        deliver_all(runtime, me, ids)
        with runtime.session_factory() as session:
            ids = claim(session, me, platform_id=platform_id)


def poll(runtime: Runtime, me: str, lanes: Lanes, stop: threading.Event) -> int:
    """Open a lane for each platform with due rows and none open yet; returns rows handed out."""
    handed = 0
    with runtime.session_factory() as session:
        busy = lanes.busy()
        for platform_id in due_platforms(session, busy):
            if len(busy) >= lanes.size:
                break
            ids = claim(session, me, platform_id=platform_id)
            if ids:
                lanes.start(platform_id, drain_platform, runtime, me, platform_id, ids, stop)
                busy.add(platform_id)
                handed += len(ids)
    return handed


def run_forever(runtime: Runtime, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    me = worker_id()
    lanes = Lanes()
    log.info("grade worker %s started", me)
    try:
        while not stop.is_set():
            try:
                poll(runtime, me, lanes, stop)
                # Daily housekeeping (purges, upload sweep): at most once a day across all workers;
                # it logs its own failures and never raises, so it cannot stop grade delivery.
                housekeeping.run_in_worker(runtime)
            except Exception:  # the worker's outermost boundary: outlive a database or Redis hiccup
                log.exception("grade worker: poll failed; retrying after a pause")
            stop.wait(runtime.settings.worker_poll_seconds)
    finally:
        lanes.close()
