"""The worker: runs every kind of job (grade deliveries, roster refreshes, …) through one
claim / lease / retry implementation (:mod:`activities.jobs`).

Any number of workers may run (a thread in ``padu serve``, ``padu worker``
processes on several hosts). A worker *claims* due rows by giving them a lease
— on PostgreSQL with ``SELECT … FOR UPDATE SKIP LOCKED``, so two workers never
pick the same row — then runs them outside the transaction, renewing the short
leases while the batch runs (:mod:`lti_tool.heartbeat`). A worker killed
mid-batch leaves leases that run out within seconds; the rows are claimed again.

Grades go out side by side. ``run_forever`` sends a platform's grades as a *stream*
(:mod:`lti_tool.grade_stream`): up to 64 on their way, and whenever some have answered
their outcomes are settled together (:func:`activities.jobs.settle_many`), rows are claimed
for the free threads and their attempts counted and scores stamped together — a few
statements per handful of grades, and no grade waits for the slowest of a batch.
``run_once`` (tests, tools) runs one claimed batch in *waves*: wave *k* holds the *k*-th row
of every learner × column sequence in the batch, its POSTs go out together
(:func:`lti_tool.grade_delivery.send_scores`) and it is settled before the next wave. Both
count attempts, retry and fail rows by the same rules (:func:`_begin_wave`,
:func:`_settle_wave`). A row is not even claimed while an older row of its sequence is on its
way anywhere (:meth:`activities.jobs.Queue.due`), so a newer grade is never overtaken by an
older one. The threads share one access token per platform
(:mod:`lti_tool.lti1p3.access_tokens`).

No platform can stop the work for the others. Each platform has its own *lane*:
``run_forever`` hands a platform's due jobs (of every kind) to a thread of a
small pool and claims nothing more for that platform until the lane is done,
so a platform that answers slowly holds one lane, never the worker. Every call
has a total deadline and a size cap (``outbound``), Retry-After counts for at
most an hour, and an attempt is counted *before* the job runs: a job that keeps
crashing a worker ends failed, with a reason, after ``MAX_ATTEMPTS`` tries
instead of killing the next worker forever.

What each kind does is in :mod:`lti_tool.job_kinds`.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from queue import Empty, SimpleQueue

from sqlalchemy import select
from sqlalchemy.orm import Session, configure_mappers
from sqlalchemy.orm.attributes import set_committed_value

from activities import jobs
from activities.db import utcnow
from activities.jobs import BATCH, MAX_ATTEMPTS, JobError, Queue

from . import grade_stream, heartbeat, housekeeping
from .job_kinds import QUEUES, Kind, kind_of, wave_kind
from .moodle import calendar as moodle_calendar
from .moodle import messages as moodle_messages
from .moodle import sync as moodle_sync
from .runtime import Runtime

log = logging.getLogger(__name__)

#: Platforms worked for at the same time by one ``run_forever``.
LANES = 8
#: Seconds between a worker's looks at the Moodle syncs and messages due (they are shared across
#: workers by the housekeeping claim, so this only bounds the delay).
MOODLE_CHECK = 20.0
#: Grade deliveries (of different learners or columns) one lane runs at the same time.
DELIVERY_THREADS = 16


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def backoff(attempts: int) -> float:
    """See :func:`activities.jobs.backoff`; here so tests can make retries due at once."""
    return jobs.backoff(attempts)


def _finished(queue: Queue) -> dict:
    return {"finished_at": utcnow()} if "finished_at" in queue.model.__table__.c else {}


def run_job(runtime: Runtime, session: Session, queue: Queue, row_id: int, me: str) -> str:
    """Run one claimed row of ``queue``; returns the state it ended in ("retry", "skipped" or a status)."""
    row = session.get(queue.model, row_id, populate_existing=True)
    if row is None or row.leased_by != me:
        return "skipped"
    if row.status != queue.pending:  # replaced by a newer row since the claim
        jobs.release(session, queue, row_id, me)
        return "skipped"
    kind = kind_of(queue, row)
    if row.attempts >= MAX_ATTEMPTS:
        # The earlier tries never settled: each one ended with its worker.
        jobs.settle(session, queue, row_id, me, status=queue.failed, **_finished(queue),
                    last_error=f"{kind.title} was interrupted {row.attempts} times; Padu stopped trying")
        log.error("%s %s: %d interrupted runs, marked failed", kind.name, row_id, row.attempts)
        return queue.failed
    attempts = row.attempts + 1  # what begin_attempt writes (we hold the lease): no second read
    if not jobs.begin_attempt(session, queue, row_id, me):  # replaced a moment ago, or no longer ours
        jobs.release(session, queue, row_id, me)
        return "skipped"
    set_committed_value(row, "attempts", attempts)
    try:
        values = kind.run(runtime, session, row)
    except JobError as error:
        if error.retryable and attempts < MAX_ATTEMPTS:
            delay = jobs.retry_delay(attempts, error.retry_after, backoff=backoff)
            jobs.settle(session, queue, row_id, me, last_error=error.reason[:2000],
                        next_attempt_at=utcnow() + dt.timedelta(seconds=delay))
            log.info("%s %s: will retry in %.1fs (%s)", kind.name, row_id, delay, error.reason)
            return "retry"
        jobs.settle(session, queue, row_id, me, status=queue.failed, last_error=error.reason[:2000],
                    **_finished(queue))
        log.warning("%s %s failed: %s", kind.name, row_id, error.reason)
        return queue.failed
    values = {"status": queue.done, "last_error": None, **_finished(queue), **values}
    jobs.settle(session, queue, row_id, me, **values)
    return values["status"]


def run_all(runtime: Runtime, me: str, queue: Queue, ids: list[int]) -> int:
    """Run claimed rows, their leases renewed meanwhile (:mod:`lti_tool.heartbeat`); no row's
    failure stops the others.

    A queue with a sequence (the grade outbox) runs its sequences side by side on at
    most ``DELIVERY_THREADS`` threads, each sequence's rows one by one in order; the
    rows of other queues run one by one.
    """
    waves = wave_kind(queue)
    with heartbeat.kept(runtime, me, queue, ids):
        if waves is not None and ids:
            _run_waves(runtime, me, queue, ids, waves)
            return len(ids)
        chains = _sequences(runtime, queue, ids) if queue.sequence and len(ids) > 1 else [ids]
        work: SimpleQueue[list[int]] = SimpleQueue()
        for chain in chains:
            work.put(chain)
        threads = min(DELIVERY_THREADS, len(chains))
        if threads == 1:
            _run_chains(runtime, me, queue, work)
        else:
            with ThreadPoolExecutor(threads, thread_name_prefix="delivery") as pool:
                for running in [pool.submit(_run_chains, runtime, me, queue, work) for _ in range(threads)]:
                    running.result()
    return len(ids)


def _run_waves(runtime: Runtime, me: str, queue: Queue, ids: list[int], kind: Kind) -> None:
    """Run claimed rows wave by wave: wave *k* is the *k*-th row (oldest first) of each sequence."""
    model = queue.model
    with runtime.session_factory() as session:
        chains: dict[tuple, list] = {}
        for row in session.scalars(select(model).where(model.id.in_(ids)).order_by(model.id)):
            chains.setdefault(tuple(getattr(row, name) for name in queue.sequence), []).append(row)
        session.commit()
        for depth in range(max((len(chain) for chain in chains.values()), default=0)):
            wave = [chain[depth] for chain in chains.values() if len(chain) > depth]
            try:
                _run_wave(runtime, session, queue, me, wave, kind)
            except Exception:  # the outermost per-wave boundary: the rows' attempts may be counted
                log.exception("%s: a wave of %d rows failed inside Padu", queue.name, len(wave))
                session.rollback()
                for row in wave:
                    _after_crash_logged(session, queue, row.id, me)


def _run_wave(runtime: Runtime, session: Session, queue: Queue, me: str, wave: list, kind: Kind) -> None:
    """One wave: count the attempts (one statement, one commit), run the kind's wave handler, settle (a few)."""
    assert kind.run_wave is not None
    rows = _begin_wave(session, queue, me, wave, kind)
    if not rows:
        return
    outcomes = kind.run_wave(runtime, session, rows)
    _settle_wave(session, queue, me, kind, rows, outcomes)


def _begin_wave(session: Session, queue: Queue, me: str, wave: list, kind: Kind) -> list:
    """Count the attempts of claimed rows (one statement, one commit); returns the rows that may run.
    The others ended failed (tried too often) or were released (replaced since the claim)."""
    for row in wave:
        if row.attempts >= MAX_ATTEMPTS:  # the earlier tries never settled: each one ended with its worker
            jobs.settle(session, queue, row.id, me, status=queue.failed, **_finished(queue),
                        last_error=f"{kind.title} was interrupted {row.attempts} times; Padu stopped trying")
            log.error("%s %s: %d interrupted runs, marked failed", kind.name, row.id, row.attempts)
    candidates = [row.id for row in wave if row.attempts < MAX_ATTEMPTS]
    # Counted and committed before the handler runs (a worker that dies mid-send has used the try);
    # the rows replaced by a newer one since the claim, or no longer ours, are released.
    started = set(jobs.begin_attempts(session, queue, candidates, me))
    rows = [row for row in wave if row.id in started]
    for row in rows:  # what begin_attempts wrote (we hold the leases): no second read
        set_committed_value(row, "attempts", row.attempts + 1)
    return rows


def retry_backoff(attempts: int) -> float:
    """The wait after a failed try without Retry-After: :func:`backoff`, but a quarter of it after
    the first try (a quarter to half a second): most server errors are one-offs, and a grade should
    not wait seconds for one. The later tries keep the whole backoff, so a long outage is still
    waited out for hours before a grade ends failed."""
    return backoff(attempts) / 4 if attempts <= 1 else backoff(attempts)


def _settle_wave(session: Session, queue: Queue, me: str, kind: Kind, rows: list, outcomes: dict) -> None:
    """Write the outcomes of rows that ran (a few statements, one commit): done, retried later, or failed."""
    settled: dict[int, dict] = {}
    crashed = []
    for row in rows:
        outcome = outcomes[row.id]
        if isinstance(outcome, JobError):
            if outcome.retryable and row.attempts < MAX_ATTEMPTS:
                delay = jobs.retry_delay(row.attempts, outcome.retry_after, backoff=retry_backoff)
                settled[row.id] = {"last_error": outcome.reason[:2000],
                                   "next_attempt_at": utcnow() + dt.timedelta(seconds=delay)}
                log.info("%s %s: will retry in %.1fs (%s)", kind.name, row.id, delay, outcome.reason)
            else:
                settled[row.id] = {"status": queue.failed, "last_error": outcome.reason[:2000], **_finished(queue)}
                log.warning("%s %s failed: %s", kind.name, row.id, outcome.reason)
        elif isinstance(outcome, Exception):
            log.error("%s %s: failed inside Padu", queue.name, row.id, exc_info=outcome)
            crashed.append(row.id)
        else:
            settled[row.id] = {"status": queue.done, "last_error": None, **_finished(queue), **outcome}
    jobs.settle_many(session, queue, me, settled)
    for row_id in crashed:
        _after_crash_logged(session, queue, row_id, me)


def _after_crash_logged(session: Session, queue: Queue, row_id: int, me: str) -> None:
    try:
        _after_crash(session, queue, row_id, me)
    except Exception:  # the database went away too: the lease runs out and the row is claimed again
        log.exception("%s %s: could not schedule the row again", queue.name, row_id)
        session.rollback()


def _sequences(runtime: Runtime, queue: Queue, ids: list[int]) -> list[list[int]]:
    """``ids`` grouped by sequence (learner × column), each group oldest first."""
    model = queue.model
    columns = [getattr(model, name) for name in queue.sequence]
    chains: dict[tuple, list[int]] = {}
    with runtime.session_factory() as session:
        for row_id, *key in session.execute(select(model.id, *columns).where(model.id.in_(ids)).order_by(model.id)):
            chains.setdefault(tuple(key), []).append(row_id)
    return list(chains.values())


def _run_chains(runtime: Runtime, me: str, queue: Queue, work: SimpleQueue[list[int]]) -> None:
    """Take sequences from ``work`` until none is left, each one's rows in order, on one session
    (what the rows share — activity, course, platform — is read once)."""
    with runtime.session_factory() as session:
        while True:
            try:
                ids = work.get_nowait()
            except Empty:
                return
            for row_id in ids:
                try:
                    run_job(runtime, session, queue, row_id, me)
                except Exception:  # the outermost per-job boundary: one job must not stop the worker
                    log.exception("%s %s: failed inside Padu", queue.name, row_id)
                    session.rollback()
                    _after_crash(session, queue, row_id, me)


def _after_crash(session: Session, queue: Queue, row_id: int, me: str) -> None:
    """The attempt is already counted: schedule the row again, or fail it for good."""
    row = session.get(queue.model, row_id, populate_existing=True)
    if row is None:
        return
    kind = kind_of(queue, row)
    if row.attempts >= MAX_ATTEMPTS:
        jobs.settle(session, queue, row_id, me, status=queue.failed, **_finished(queue),
                    last_error=f"Padu could not {kind.doing} (an error inside Padu, see its log); it stopped trying")
    else:
        jobs.settle(session, queue, row_id, me,
                    last_error=f"Padu could not {kind.doing} (an error inside Padu); it will try again",
                    next_attempt_at=utcnow() + dt.timedelta(seconds=backoff(max(1, row.attempts))))


def claim(session: Session, me: str, limit: int | None = BATCH, platform_id: int | None = None) -> list[int]:
    """Claim due grade outbox rows (the first queue); kept for tests and tools that hold a grade back."""
    return jobs.claim(session, QUEUES[0], me, limit, platform_id)


def run_once(runtime: Runtime, me: str | None = None) -> int:
    """Claim and run one batch of each queue, every platform in turn; returns how many rows were handled."""
    me = me or worker_id()
    handled = 0
    for queue in QUEUES:
        with runtime.session_factory() as session:
            ids = jobs.claim(session, queue, me)
        handled += run_all(runtime, me, queue, ids)
    return handled


class Lanes:
    """At most one lane per platform at a time, ``size`` platforms at once."""

    def __init__(self, size: int = LANES):
        self._pool = ThreadPoolExecutor(size, thread_name_prefix="job-lane")
        self._busy: dict[int | None, Future] = {}
        self.size = size

    def busy(self) -> set:
        self._busy = {platform: future for platform, future in self._busy.items() if not future.done()}
        return set(self._busy)

    def start(self, platform_id: int | None, work, *args) -> None:
        self._busy[platform_id] = self._pool.submit(_lane, work, *args)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _lane(work, *args) -> None:
    try:
        work(*args)
    except Exception:  # a lane's outermost boundary (the database went away mid-batch): log, the poll goes on
        log.exception("worker: a lane failed; its rows are claimed again when their lease ends")


def _claim_lane(runtime: Runtime, me: str, platform_id: int | None) -> list[tuple[Queue, list[int]]]:
    claimed = []
    with runtime.session_factory() as session:
        for queue in QUEUES:
            ids = jobs.claim(session, queue, me, platform_id=platform_id, any_platform=False)
            if ids:
                claimed.append((queue, ids))
    return claimed


def drain_platform(runtime: Runtime, me: str, platform_id: int | None,
                   claimed: list[tuple[Queue, list[int]]], stop: threading.Event) -> None:
    """One platform's lane: run its due jobs, batch after batch, until none is due. Its grades go
    out as a stream (:mod:`lti_tool.grade_stream`) for as long as new ones keep coming due."""
    while claimed and not stop.is_set():
        for queue, ids in claimed:
            kind = wave_kind(queue)
            if kind is None:
                run_all(runtime, me, queue, ids)
                continue
            grade_stream.GradeStream(runtime, me, platform_id, queue, _rules(queue, me, kind)).run(ids, stop)
        claimed = _claim_lane(runtime, me, platform_id)


def _rules(queue: Queue, me: str, kind: Kind) -> grade_stream.Rules:
    """The worker's rules for attempts and outcomes, the same for a stream as for a wave."""
    return grade_stream.Rules(
        begin=lambda session, rows: _begin_wave(session, queue, me, rows, kind),
        settle=lambda session, rows, outcomes: _settle_wave(session, queue, me, kind, rows, outcomes),
        crashed=lambda session, row_id: _after_crash_logged(session, queue, row_id, me))


def poll(runtime: Runtime, me: str, lanes: Lanes, stop: threading.Event) -> int:
    """Open a lane for each platform with due jobs and none open yet; returns rows handed out."""
    handed = 0
    busy = lanes.busy()
    with runtime.session_factory() as session:
        due: list = []
        for queue in QUEUES:
            due += [p for p in jobs.due_platforms(session, queue, busy) if p not in due]
    for platform_id in due:
        if len(busy) >= lanes.size:
            break
        claimed = _claim_lane(runtime, me, platform_id)
        if claimed:
            lanes.start(platform_id, drain_platform, runtime, me, platform_id, claimed, stop)
            busy.add(platform_id)
            handed += sum(len(ids) for _queue, ids in claimed)
    return handed


def _configure_models() -> None:
    """Import every model and configure the mappers once, before any lane thread runs.

    Otherwise a lane's first query may configure the mappers while another thread
    (the daily housekeeping imports the coaching service) is half-way through
    importing a models module, and that lane fails on a name not defined yet.
    """
    from .migrations import load_models

    load_models()
    configure_mappers()


def run_forever(runtime: Runtime, stop: threading.Event | None = None) -> None:
    stop = stop or threading.Event()
    _configure_models()
    me = worker_id()
    lanes = Lanes()
    log.info("worker %s started", me)
    moodle_due = time.monotonic()
    try:
        while not stop.is_set():
            try:
                poll(runtime, me, lanes, stop)
                # Daily housekeeping (purges, upload sweep): at most once a day across all workers;
                # it logs its own failures and never raises, so it cannot stop the jobs.
                housekeeping.run_in_worker(runtime)
                if time.monotonic() >= moodle_due:
                    # Asked every MOODLE_CHECK seconds, not every poll: the grade lanes keep the database.
                    moodle_due = time.monotonic() + MOODLE_CHECK
                    # Every course of a connected Moodle is read again every 15 minutes (queued, never run here).
                    moodle_sync.enqueue_periodic(runtime)
                    # The Moodle messages the programs switched on, collected every minute.
                    moodle_messages.queue_periodic(runtime)
                    # The meetings' Moodle calendar events the programs switched on, every minute.
                    moodle_calendar.queue_periodic(runtime)
            except Exception:  # the worker's outermost boundary: outlive a database or Redis hiccup
                log.exception("worker: poll failed; retrying after a pause")
            stop.wait(runtime.settings.worker_poll_seconds)
    finally:
        lanes.close()
