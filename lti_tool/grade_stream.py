"""A platform's grades as a stream: a score leaves as soon as a sending thread is free.

Sent in lock-step waves, every wave waited for its slowest score (a retry's
timeout, a slow answer) and then for the database (settle, claim, count, stamp)
before the next score could leave. A stream keeps up to ``capacity`` scores on
their way instead: whenever some have answered, their outcomes are settled
together (a few statements, :func:`activities.jobs.settle_many`), as many rows
are claimed as threads are free, and those start at once (attempts counted and
stamps fixed together, :func:`lti_tool.grade_delivery.prepare_scores`).

The order rules are the queue's (:mod:`activities.jobs`): a row is not claimed
while another row of its learner × column is leased, and every row this stream
holds stays leased (renewed by :mod:`lti_tool.heartbeat`) until it is settled, so
never two scores of one learner × column are on their way at once, anywhere. Two
rows of one learner × column claimed together go one after the other, oldest
first. The worker's rules for attempts, retries and failures are handed in
(:class:`Rules`): a stream sends, the worker decides what an outcome means.

A stream has its own sending threads: a platform that answers slowly holds
only its own lane's threads, never another platform's. It claims for at most
:data:`CLAIMING_SECONDS`, then lets its in-flight scores answer and returns, so
the lane's other jobs get their turn.
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from activities import jobs
from activities.grades import GradeOutbox
from activities.jobs import Queue

from . import grade_delivery, heartbeat
from .runtime import Runtime

log = logging.getLogger(__name__)

#: Seconds a stream claims new grades before it returns, letting its lane's other jobs run.
CLAIMING_SECONDS = 30.0
#: Least seconds between two claims while rows keep coming (each claim is a query and a commit).
CLAIM_GAP = 0.02
#: … and while the last claim found nothing (the rows on their way free their successors).
IDLE_CLAIM_GAP = 0.1


@dataclasses.dataclass(frozen=True)
class Rules:
    """The worker's rules: ``begin`` counts the attempts of claimed rows and returns those that may
    go; ``settle`` writes their outcomes; ``crashed`` schedules a row again after an error inside Padu."""

    begin: Callable[[Session, list[GradeOutbox]], list[GradeOutbox]]
    settle: Callable[[Session, list[GradeOutbox], dict[int, Any]], None]
    crashed: Callable[[Session, int], None]


def _sequence(row: GradeOutbox) -> tuple[int, int]:
    return row.activity_id, row.person_id


class GradeStream:
    """One platform's grade deliveries, up to ``capacity`` on their way at once."""

    def __init__(self, runtime: Runtime, me: str, platform_id: int | None, queue: Queue, rules: Rules,
                 capacity: int = grade_delivery.SENDING_THREADS):
        self.runtime, self.me, self.platform_id, self.queue, self.rules = runtime, me, platform_id, queue, rules
        self.capacity = capacity
        self._held: dict[int, GradeOutbox] = {}  # claimed and not settled: their leases are kept
        self._held_lock = threading.Lock()  # the heartbeat thread reads the ids
        self._ready: list[GradeOutbox] = []
        self._active: set[tuple[int, int]] = set()  # sequences with a row ready or on its way
        self._behind: dict[tuple[int, int], collections.deque[GradeOutbox]] = {}
        self._flying: dict[Future[BaseException | None], grade_delivery.Post] = {}

    def held(self) -> list[int]:
        with self._held_lock:
            return list(self._held)

    def run(self, ids: list[int], stop: threading.Event) -> int:
        """Send the claimed rows ``ids`` and whatever comes due meanwhile; returns the rows handled."""
        handled = 0
        claiming_until = time.monotonic() + CLAIMING_SECONDS
        with (self.runtime.session_factory() as session,
              heartbeat.kept(self.runtime, self.me, self.queue, self.held),
              ThreadPoolExecutor(self.capacity, thread_name_prefix="score-send") as pool):
            try:
                self._take(session, ids)
                last_claim, found = time.monotonic(), True
                while True:
                    if self._ready:
                        handled += self._start(session, pool)
                    claiming = not stop.is_set() and time.monotonic() < claiming_until
                    free = self.capacity - len(self._flying) - len(self._ready)
                    gap = CLAIM_GAP if found else IDLE_CLAIM_GAP
                    may_claim = claiming and (free >= max(1, self.capacity // 4) or not self._flying)
                    if self._flying:
                        timeout = max(0.0, last_claim + gap - time.monotonic()) if may_claim else 1.0
                        handled += self._finish(session, timeout)
                    if may_claim and (not self._flying or time.monotonic() >= last_claim + gap):
                        free = self.capacity - len(self._flying) - len(self._ready)
                        claimed = jobs.claim(session, self.queue, self.me, free, self.platform_id, any_platform=False)
                        last_claim, found = time.monotonic(), bool(claimed)
                        self._take(session, claimed)
                    if not (self._flying or self._ready) and not (claiming and found):
                        return handled
            except Exception:  # the stream's outermost boundary (the database went away): nothing left leased
                log.exception("%s: a stream of grades failed inside Padu", self.queue.name)
                session.rollback()
                wait(list(self._flying))  # their leases are still kept: no second score of theirs leaves
                for row_id in self.held():
                    self.rules.crashed(session, row_id)
                return handled

    def _take(self, session: Session, ids: list[int]) -> None:
        """Hold claimed rows; each goes when no older row of its sequence is ready or on its way here."""
        with self._held_lock:  # a row held already (its lease ran out while the database was away) stays as it is
            ids = [row_id for row_id in ids if row_id not in self._held]
        if not ids:
            return
        model = self.queue.model
        rows = list(session.scalars(select(model).where(model.id.in_(ids)).order_by(model.id)
                                    .execution_options(populate_existing=True)))
        session.commit()
        with self._held_lock:
            self._held.update((row.id, row) for row in rows)
        for row in rows:
            key = _sequence(row)
            if key in self._active:
                self._behind.setdefault(key, collections.deque()).append(row)
            else:
                self._active.add(key)
                self._ready.append(row)

    def _start(self, session: Session, pool: ThreadPoolExecutor) -> int:
        """Count the ready rows' attempts, stamp them and set their POSTs off; returns the rows that
        ended here (failed, released, or refused before sending)."""
        ready, self._ready = self._ready, []
        started = self.rules.begin(session, ready)
        going = {row.id for row in started}
        ended = [row for row in ready if row.id not in going]
        outcomes, posts = grade_delivery.prepare_scores(self.runtime, session, started)
        for score in posts:
            self._flying[pool.submit(grade_delivery.post, self.runtime, score)] = score
        if outcomes:  # no gradebook to send to: settled without a POST
            refused = [row for row in started if row.id in outcomes]
            self.rules.settle(session, refused, outcomes)
            ended += refused
        for row in ended:
            self._done(row)
        return len(ended)

    def _finish(self, session: Session, timeout: float) -> int:
        """Settle the POSTs that have answered within ``timeout``, together; returns how many."""
        answered, _ = wait(list(self._flying), timeout, return_when=FIRST_COMPLETED)
        if not answered:
            return 0
        scores = [(self._flying.pop(future), future.result()) for future in answered]
        outcomes = {score.row.id: grade_delivery.outcome(session, score, error) for score, error in scores}
        rows = [score.row for score, _error in scores]
        self.rules.settle(session, rows, outcomes)
        for row in rows:
            self._done(row)
        return len(rows)

    def _done(self, row: GradeOutbox) -> None:
        """The row is settled: the next row of its sequence held here may go."""
        with self._held_lock:
            self._held.pop(row.id, None)
        key = _sequence(row)
        behind = self._behind.get(key)
        if behind:
            self._ready.append(behind.popleft())
        else:
            self._behind.pop(key, None)
            self._active.discard(key)
