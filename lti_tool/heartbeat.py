"""The lease heartbeat: a running batch renews its rows' leases, so the leases can be short.

A lease (:data:`activities.jobs.LEASE`) is a few seconds, not the longest a batch
could take: while a worker runs a batch, a thread renews the leases of the
batch's rows every :data:`activities.jobs.HEARTBEAT` seconds, however slowly the
platform answers. When the worker dies, the renewals stop with it and its rows
are claimed again by another worker within one lease.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator

from activities import jobs
from activities.jobs import Queue

from .runtime import Runtime

log = logging.getLogger(__name__)
#: The renewing thread's name (in logs, and how a test tells its statements from the batch's).
THREAD_NAME = "lease-heartbeat"


@contextlib.contextmanager
def kept(runtime: Runtime, me: str, queue: Queue, ids: list[int] | Callable[[], list[int]],
         interval: float | None = None) -> Iterator[None]:
    """Renew ``me``'s leases on ``ids`` every ``interval`` seconds until the block ends.

    ``ids`` may be a function giving the rows held at the moment: a stream of grades
    (:mod:`lti_tool.grade_stream`) takes rows up and settles them while its leases are kept."""
    if not ids:
        yield
        return
    done = threading.Event()
    beat = threading.Thread(target=_beat, args=(runtime, me, queue, ids, done, interval or jobs.HEARTBEAT),
                            name=THREAD_NAME, daemon=True)
    beat.start()
    try:
        yield
    finally:
        done.set()
        beat.join()


def _beat(runtime: Runtime, me: str, queue: Queue, ids: list[int] | Callable[[], list[int]], done: threading.Event,
          interval: float) -> None:
    while not done.wait(interval):
        held = ids() if callable(ids) else ids
        try:
            with runtime.session_factory() as session:
                jobs.renew(session, queue, held, me)
        except Exception:  # a database hiccup: the next beat tries again; the lease covers a few beats
            log.warning("%s: could not renew the leases of %d rows", queue.name, len(held), exc_info=True)
