"""A computed dashboard, kept a minute per course in this process.

Computing a course of 5,000 learners from every activity's facts takes a
good part of the page's 300 ms (bench/dashboard.py); paging, filtering and
exporting that same course should not pay it again. So the page reuses a course's dashboard for
:data:`FRESH_FOR` seconds, says when its figures are from, and offers
"refresh now", which computes it again (so does sending grades again).
Per process, per app: the objects are Python dataclasses, not JSON, and a
second process simply computes its own.

While a dashboard is computed the cyclic garbage collector waits
(:func:`collector_paused`): a 5,000-learner course allocates a few hundred
thousand short-lived, acyclic objects (rows read, facts) that reference
counting frees anyway, and the collector walking them and the whole heap
several times over was about a third of the time (bench/dashboard.py).
"""

from __future__ import annotations

import contextlib
import gc
import threading
import time
from collections.abc import Iterator

from flask import current_app

from activities.dashboard import service

from ..runtime import db

#: Seconds a course's computed dashboard is reused.
FRESH_FOR = 60.0
#: Courses kept at most (the oldest goes first).
KEPT = 32
_lock = threading.Lock()
_collector_lock = threading.Lock()
#: Computations under way that paused the collector, and whether it ran before the first of them.
_pausing = 0
_collector_was_on = False


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused for the block; counted, so that threads computing at once
    leave it as the first found it once the last is done (a collector someone else turned off stays off)."""
    global _pausing, _collector_was_on
    with _collector_lock:
        if _pausing == 0:
            _collector_was_on = gc.isenabled()
            gc.disable()
        _pausing += 1
    try:
        yield
    finally:
        with _collector_lock:
            _pausing -= 1
            if _pausing == 0 and _collector_was_on:
                gc.enable()


def _boards() -> dict[int, tuple[float, service.Dashboard]]:
    return current_app.extensions.setdefault("padu_dashboards", {})


def board(course_id: int, *, fresh: bool = False) -> service.Dashboard:
    """The course's dashboard: the one computed less than a minute ago, unless ``fresh``."""
    boards = _boards()
    with _lock:
        found = boards.get(course_id)
    if found is not None and not fresh and time.monotonic() - found[0] < FRESH_FOR:
        return found[1]
    with collector_paused():
        computed = service.dashboard(db(), course_id)
    with _lock:
        boards.pop(course_id, None)
        while len(boards) >= KEPT:
            boards.pop(next(iter(boards)))
        boards[course_id] = (time.monotonic(), computed)
    return computed


def forget(course_id: int) -> None:
    """The course changed in a way its page must show at once (grades sent again)."""
    with _lock:
        _boards().pop(course_id, None)
