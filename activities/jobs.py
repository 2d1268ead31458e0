"""Typed jobs: work a worker does later, exactly once, with retries — and the one
claim / lease / retry / backoff implementation every kind of job goes through.

A *job* is a row that says what to do (its kind and payload), for which
platform (its *lane*: one platform's slow answers never hold up another's),
and how far it got: ``status``, ``attempts``, ``next_attempt_at``, a *lease*
(``leased_until``, ``leased_by``) and ``last_error``. ``last_error`` is always
Padu's own words (a platform's answers are untrusted and never stored verbatim).

Life of a job: a caller :func:`enqueue`\\ s it inside its own transaction; a
worker :func:`claim`\\ s due rows (on PostgreSQL with ``SELECT … FOR UPDATE
SKIP LOCKED``, so two workers never take the same row) by giving them a lease;
it counts the attempt *before* running it (:func:`begin_attempt`: a worker
killed mid-job has still used a try, so a job that keeps killing workers ends
failed after ``MAX_ATTEMPTS`` instead of killing the next worker forever), and
writes the outcome with :func:`settle` only while it still holds the lease.

A lease is short (:data:`LEASE`, seconds) and the worker :func:`renew`\\ s it
every :data:`HEARTBEAT` while its batch runs, so a live worker keeps its rows
however slow the platform, and a dead worker's rows are claimed again within
seconds — not after the longest a batch could take.

A queue may name a *sequence* (the grade outbox: learner × column): rows of one
sequence run one after another, in order, never two at once on any worker. A
row is not due while another row of its sequence is leased (:meth:`Queue.due`),
so rows of different sequences may run concurrently and the ones of one
sequence still arrive in the order they were recorded.

Two tables hold jobs, with the same lease columns (:class:`LeaseColumns`) and
the same code below, each described by a :class:`Queue`:

* ``job`` (:class:`Job`, queue :data:`JOBS`) — any kind whose payload is a
  few ids: the NRPS roster refresh today, the Moodle syncs and messages later.
  A ``dedup_key`` keeps one pending job per key (a unique index over pending
  rows), e.g. one roster refresh per course.
* ``grade_outbox`` (:class:`activities.grades.GradeOutbox`, queue
  ``grades.GRADES``) — the AGS score deliveries. **A grade outbox row is the
  job itself**, not a row that a ``job`` row points to. Its grade semantics need
  real columns, one row per result: a newer result supersedes the undelivered
  ones of the same learner and column (an indexed UPDATE, in the recording
  transaction), the score is stamped when it is sent and timestamps only grow
  per learner × column, and staff count states per activity. A second ``job``
  row referring to the outbox row would hold a second copy of status, attempts
  and error that could disagree with the first; a JSON payload could not be
  indexed for supersession. So the outbox keeps its table and its states
  (pending, delivered, superseded, failed) and borrows everything else.

Adding a kind (say the Moodle group sync): write its handler in ``lti_tool``
(it gets the runtime, a session and the row; returns the values to settle
with, or raises :class:`JobError` with Padu's reason), register it in
``lti_tool/job_kinds.py`` under a name, and enqueue it with
``enqueue(session, "moodle.groups", {"course_id": …}, platform_id=…)``.
Workers claim only kinds they know, so a job of a newer release waits for a
worker that has it. No table or migration is needed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import random
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, bindparam, exists, or_, select, text, update
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from .db import Base, JsonObject, rowcount, utcnow

#: How long a claim holds a row unless renewed; a worker renews it before each attempt and
#: every ``HEARTBEAT`` while the batch runs. A dead worker's rows are claimed again after this.
LEASE = dt.timedelta(seconds=10)
#: Seconds between lease renewals of a running batch: a few renewals fit in one lease.
HEARTBEAT = 2.5
#: Rows claimed at once.
BATCH = 20
BACKOFF_BASE = 2.0
#: The longest wait between tries, and the most a platform's Retry-After counts for.
BACKOFF_CAP = 3600.0
#: After this many tries a job ends failed, with Padu's reason.
MAX_ATTEMPTS = 15


class JobStatus(str, enum.Enum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class JobError(Exception):
    """A job's handler could not do its work. ``reason`` is Padu's words, shown to
    staff and stored; ``retryable`` says whether trying later may help, and
    ``retry_after`` is the platform's own wish (clamped to ``BACKOFF_CAP``)."""

    def __init__(self, reason: str, *, retryable: bool, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after


class LeaseColumns:
    """The columns every job table has, so :class:`Queue` works on any of them."""

    status: Mapped[str] = mapped_column(String(20), default=JobStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    #: A worker's claim: nobody else runs this row before the lease ends.
    leased_until: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    leased_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    #: Padu's own words, never a platform's answer.
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class Job(LeaseColumns, Base):
    """A job of any registered kind but the grade deliveries (see the module docstring)."""

    __tablename__ = "job"
    __table_args__ = (
        Index("ix_job_due", "status", "next_attempt_at"),
        # One pending job per dedup key; done and failed ones keep theirs for the record.
        Index("ix_job_pending_dedup_key", "dedup_key", unique=True,
              sqlite_where=text("status = 'pending'"), postgresql_where=text("status = 'pending'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(50))
    payload: Mapped[JsonObject] = mapped_column(default=dict)
    dedup_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: The lane: jobs of one platform run one after another, beside other platforms' jobs.
    platform_id: Mapped[int | None] = mapped_column(ForeignKey("lti_platform.id", ondelete="CASCADE"),
                                                       nullable=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


def enqueue(session: Session, kind: str, payload: JsonObject | None = None, *, platform_id: int | None,
            dedup_key: str | None = None) -> Job:
    """Add a job inside the caller's transaction, or return the pending one with the same ``dedup_key``.

    Two callers racing on one key: the second one's flush or commit fails with
    ``IntegrityError`` (the unique index); a caller that has nothing else in its
    transaction can roll back and carry on, the other's job does the work.
    """
    if dedup_key is not None:
        pending = session.scalar(select(Job).where(Job.dedup_key == dedup_key,
                                                   Job.status == JobStatus.PENDING.value))
        if pending is not None:
            return pending
    job = Job(kind=kind, payload=payload or {}, dedup_key=dedup_key, platform_id=platform_id,
              status=JobStatus.PENDING.value, attempts=0, next_attempt_at=utcnow())
    session.add(job)
    session.flush()
    return job


# -- the one claim / lease / retry implementation ---------------------------------------------


@dataclasses.dataclass(frozen=True)
class Queue:
    """A job table, as the worker sees it."""

    name: str
    model: Any
    #: A SQL expression for a row's platform (its lane).
    platform: Callable[[], Any]
    #: Further conditions on the rows a worker may claim (e.g. only the kinds it knows).
    claimable: Callable[[], tuple[Any, ...]] = lambda: ()
    pending: str = JobStatus.PENDING.value
    failed: str = JobStatus.FAILED.value
    done: str = JobStatus.DONE.value
    #: Columns naming a row's sequence: rows of one sequence never run at the same time (see above).
    sequence: tuple[str, ...] = ()
    #: Columns an outcome still writes when the row stopped being pending while it ran (a newer
    #: row of its sequence replaced it): what happened on the platform stays known.
    kept_when_replaced: tuple[str, ...] = ()
    #: Rows a worker claims at once.
    batch: int = BATCH

    def due(self, now: dt.datetime) -> tuple[Any, ...]:
        model = self.model
        conditions = (
            model.status == self.pending,
            model.next_attempt_at <= now,
            or_(model.leased_until.is_(None), model.leased_until < now),
            *self.claimable(),
        )
        if not self.sequence:
            return conditions
        return (*conditions, ~self.in_flight(now))

    def in_flight(self, now: dt.datetime) -> Any:
        """Another row of the row's sequence is leased now (whatever its status: a row
        replaced while it runs is still on its way to the platform)."""
        model, other = self.model, aliased(self.model)
        return exists().where(*(getattr(other, name) == getattr(model, name) for name in self.sequence),
                              other.id != model.id, other.leased_until >= now)


def due_platforms(session: Session, queue: Queue, skip: AbstractSet[int | None] = frozenset()) -> list[int | None]:
    """Platforms (lanes) with rows due now, except ``skip`` (those whose lane is busy)."""
    platform = queue.platform()
    query = select(platform).distinct().where(*queue.due(utcnow()))
    known = [p for p in skip if p is not None]
    if known:  # NOT IN is never true for NULL: the rows of no platform are asked for apart
        query = query.where(or_(platform.is_(None), platform.not_in(known)))
    if None in skip:
        query = query.where(platform.is_not(None))
    platforms = list(session.scalars(query))
    session.commit()
    return platforms


def claim(session: Session, queue: Queue, me: str, limit: int | None = None, platform_id: int | None = None,
          *, any_platform: bool = True) -> list[int]:
    """Lease up to ``limit`` (the queue's batch) due rows to worker ``me``, longest due first; returns their ids.

    In the order of the due index (status, ``next_attempt_at``), ties by id: the database walks
    the index and stops at ``limit`` rows that qualify, instead of checking every due row (the
    in-flight and platform tests are per row) and sorting them all by id — with 5,000 grades due
    at once that was 15–25 ms per claim. The order of a sequence's rows does not rest on it: a
    row is not due while another row of its sequence is leased, and rows of one sequence claimed
    together run oldest (lowest id) first.

    ``any_platform=False`` with ``platform_id`` limits the claim to one lane
    (``platform_id=None`` then means the rows of no platform).
    """
    model = queue.model
    now = utcnow()
    query = (select(model.id).where(*queue.due(now)).order_by(model.next_attempt_at, model.id)
             .limit(limit or queue.batch))
    if platform_id is not None or not any_platform:
        platform = queue.platform()
        query = query.where(platform.is_(None) if platform_id is None else platform == platform_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    ids = list(session.scalars(query))
    if ids:
        session.execute(update(model).where(model.id.in_(ids)).values(leased_until=now + LEASE, leased_by=me))
    session.commit()
    return ids


def _held(queue: Queue, row_id: int, me: str) -> tuple[Any, ...]:
    model = queue.model
    return model.id == row_id, model.leased_by == me, model.status == queue.pending


def begin_attempt(session: Session, queue: Queue, row_id: int, me: str) -> bool:
    """Count the attempt and renew the lease *before* the work: a worker that dies
    mid-job has still used one try. False if the row is no longer ours."""
    model = queue.model
    started = rowcount(session.execute(
        update(model).where(*_held(queue, row_id, me))
        .values(attempts=model.attempts + 1, leased_until=utcnow() + LEASE)
    ))
    session.commit()
    return bool(started)


def settle(session: Session, queue: Queue, row_id: int, me: str, **values: Any) -> bool:
    """Write an outcome and end the lease, only if ``me`` still holds it and the row
    is still pending (a newer grade may have superseded it meanwhile).

    A row replaced while it ran keeps its new state; its lease still ends (the next
    row of its sequence may go) and the queue's ``kept_when_replaced`` values are
    written (a grade's ``delivered_at``: when the platform stored it)."""
    values.setdefault("leased_until", None)
    model = queue.model
    written = rowcount(session.execute(update(model).where(*_held(queue, row_id, me)).values(**values)))
    if not written:
        kept = {name: values[name] for name in queue.kept_when_replaced if name in values}
        session.execute(update(model).where(model.id == row_id, model.leased_by == me)
                        .values(leased_until=None, **kept))
    session.commit()
    return bool(written)


def release(session: Session, queue: Queue, row_id: int, me: str) -> None:
    """End ``me``'s lease on a row it will not run (replaced since the claim): the next row of
    its sequence need not wait for the lease to run out."""
    model = queue.model
    session.execute(update(model).where(model.id == row_id, model.leased_by == me).values(leased_until=None))
    session.commit()


# -- the same, for a whole wave of rows at once (a few statements per wave, not per row) -------
#
# A statement that updates many rows must never wait for a row lock: on PostgreSQL it holds the
# rows it has already updated while it waits, and a transaction that supersedes grades of
# several learners at once (or the heartbeat) may wait for one of those — a deadlock, and one of
# the two transactions killed. So the wave functions first lock, without waiting (``SKIP
# LOCKED``), the rows nobody else holds, write those in bulk, commit, and then handle the few
# busy rows one by one, each in its own transaction holding nothing else (what the per-row
# functions above always did).


def lock_free(session: Session, queue: Queue, ids: list[int]) -> tuple[list[int], list[int]]:
    """Lock, without waiting, those of ``ids`` no other transaction holds; returns (locked, busy).
    Without row locks (SQLite: one writer at a time) every row is "locked"."""
    if session.get_bind().dialect.name != "postgresql" or not ids:
        return list(ids), []
    model = queue.model
    locked = set(session.scalars(select(model.id).where(model.id.in_(ids)).order_by(model.id)
                                 .with_for_update(skip_locked=True)))
    return [i for i in ids if i in locked], [i for i in ids if i not in locked]


def begin_attempts(session: Session, queue: Queue, ids: list[int], me: str) -> list[int]:
    """:func:`begin_attempt` for many rows in a few statements and one commit; the rows no longer
    ours or no longer pending are released. Returns the ids whose attempt is now counted."""
    if not ids:
        return []
    model = queue.model
    locked, busy = lock_free(session, queue, ids)
    started: list[int] = []
    if locked:
        held = (model.id.in_(locked), model.leased_by == me, model.status == queue.pending)
        statement = (update(model).where(*held).values(attempts=model.attempts + 1, leased_until=utcnow() + LEASE)
                     .execution_options(synchronize_session=False))
        if session.get_bind().dialect.update_returning:
            started = list(session.scalars(statement.returning(model.id)))
        else:  # an old SQLite: what is ours is read back inside the same write transaction
            session.execute(statement)
            started = list(session.scalars(select(model.id).where(*held)))
        _release(session, queue, [i for i in locked if i not in set(started)], me)
    session.commit()
    for row_id in busy:
        if begin_attempt(session, queue, row_id, me):
            started.append(row_id)
        else:
            release(session, queue, row_id, me)
    return started


def settle_many(session: Session, queue: Queue, me: str, outcomes: dict[int, dict[str, Any]]) -> None:
    """:func:`settle` for many rows: one executemany per shape of outcome, then the leases end; one commit.

    Like :func:`settle`, an outcome is written only on rows ``me`` still holds that are still
    pending; a row replaced while it ran keeps its new state and gets only the queue's
    ``kept_when_replaced`` values; every lease of ``me`` on these rows ends."""
    if not outcomes:
        return
    locked, busy = lock_free(session, queue, list(outcomes))
    table = queue.model.__table__
    shapes: dict[tuple[str, ...], list[int]] = {}
    for row_id in locked:
        shapes.setdefault(tuple(sorted(outcomes[row_id])), []).append(row_id)
    for names, ids in shapes.items():
        kept = [name for name in names if name in queue.kept_when_replaced]
        written = [name for name in names if name not in kept and name != "leased_until"]
        for columns, conditions in ((written, (table.c.status == queue.pending,)), (kept, ())):
            if not columns:
                continue
            statement = (update(table)
                         .where(table.c.id == bindparam("row_id"), table.c.leased_by == me, *conditions)
                         .values({name: bindparam("new_" + name) for name in columns}))
            session.execute(statement, [{"row_id": row_id, **{"new_" + name: outcomes[row_id][name]
                                                              for name in columns}} for row_id in ids])
    _release(session, queue, locked, me)
    session.commit()
    for row_id in busy:
        settle(session, queue, row_id, me, **outcomes[row_id])


def _release(session: Session, queue: Queue, ids: list[int], me: str) -> None:
    """End ``me``'s leases on ``ids`` (rows this transaction has locked), without committing."""
    if ids:
        model = queue.model
        session.execute(update(model).where(model.id.in_(ids), model.leased_by == me).values(leased_until=None)
                        .execution_options(synchronize_session=False))


def renew(session: Session, queue: Queue, ids: list[int], me: str) -> int:
    """The heartbeat: extend ``me``'s unexpired leases on ``ids`` by a whole :data:`LEASE`.

    An expired lease is not revived: another worker may hold the row by now.
    Returns how many leases were renewed.
    """
    if not ids:
        return 0
    model = queue.model
    now = utcnow()
    mine = select(model.id).where(model.id.in_(ids), model.leased_by == me, model.leased_until >= now)
    if session.get_bind().dialect.name == "postgresql":
        # Never wait for a row being settled or superseded (see the wave functions above): it is
        # renewed by the next beat, well within the lease, or it needs no lease any more.
        mine = mine.with_for_update(skip_locked=True)
    renewed = rowcount(session.execute(
        update(model).where(model.id.in_(mine)).values(leased_until=now + LEASE)
        .execution_options(synchronize_session=False)
    ))
    session.commit()
    return renewed


def backoff(attempts: int) -> float:
    """Seconds to wait after the ``attempts``-th try: exponential with jitter
    (AWS architecture blog, "Exponential Backoff And Jitter"), at most ``BACKOFF_CAP``."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempts - 1)))
    return random.uniform(ceiling / 2, ceiling)


def retry_delay(attempts: int, retry_after: float | None, *, backoff: Callable[[int], float] = backoff) -> float:
    """The wait before the next try: the platform's Retry-After if it gave one, else
    ``backoff(attempts)``; clamped to ``[0, BACKOFF_CAP]`` (RFC 9110 §10.2.3 lets a server
    ask for any delay; Padu waits an hour at most)."""
    delay = retry_after if retry_after is not None else backoff(attempts)
    return min(BACKOFF_CAP, max(0.0, delay))


def _of_job_table() -> Any:
    return Job.platform_id


#: The ``job`` table. The worker narrows ``claimable`` to the kinds it knows (see ``lti_tool.job_kinds``).
JOBS = Queue(name="job", model=Job, platform=_of_job_table)
