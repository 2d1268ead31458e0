"""One writer at a time on a SQLite file, taken in turn instead of by polling.

SQLite lets one connection write at a time. A connection that finds the write
lock taken sleeps and retries in SQLite's busy handler, whose sleeps grow from
1 ms to 100 ms: a writer that has waited long sleeps long, and a newcomer that
tries in between takes the lock first. Under ``padu serve`` (several processes,
several request threads each) that made a few launches wait half a second or
more for a lock held a few milliseconds at a time (measured: the first write of
a request waited 3.5 ms at the median, 180 ms at p99 and up to 950 ms at 8
concurrent launches).

The gate makes the writers wait in line instead, and wakes the next one as soon
as the lock is free. A connection passes it just before its transaction's first
write (INSERT, UPDATE, DELETE or REPLACE; reads never wait) and leaves it when
the connection goes back to the pool, after its COMMIT or ROLLBACK, or when the
connection begins another transaction. Within a process the writers queue on a
lock; across processes the one writer of each process takes an exclusive
``flock`` on a file beside the database, which the kernel drops if its process
dies. A connection that has waited :data:`PATIENCE` seconds goes on without
the gate, to SQLite's own busy timeout, as before; so does a thread that already
holds the gate through another connection (waiting for itself would never end).
Writers that do not use the gate (``padu`` commands, migrations) still meet the
busy handler; nothing is lost, they are just not in the line.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import PRIVATE_FILE_MODE

log = logging.getLogger(__name__)

try:
    import fcntl
except ImportError:  # pragma: no cover — Windows: no flock; SQLite's busy handler alone
    fcntl = None  # type: ignore[assignment]

#: Seconds a writer waits at the gate before going on to SQLite's busy timeout without it.
PATIENCE = 20.0
#: Seconds between two tries at another process's ``flock`` (only one thread per process tries).
POLL = 0.0005
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_HELD = "padu_write_gate"


def _is_write(statement: str) -> bool:
    return statement.lstrip()[:7].upper().startswith(_WRITES)


class WriteGate:
    """The line of writers on one SQLite file, for the connections of one engine in one process."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._owner: int | None = None
        self._fd: int | None = None
        self._pid = 0

    def _file(self) -> int:
        # Opened in the process that uses it: a descriptor inherited over fork would
        # share its flock with the parent's.
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE)
            self._pid = os.getpid()
        return self._fd

    def enter(self) -> bool:
        """Wait for the gate; False if this thread holds it already or waited too long (go on without)."""
        me = threading.get_ident()
        if self._owner == me:
            return False
        deadline = time.monotonic() + PATIENCE
        if not self._lock.acquire(timeout=PATIENCE):
            log.warning("waited %.0f s for the SQLite write gate; writing without it", PATIENCE)
            return False
        try:
            fd = self._file()
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() > deadline:
                        log.warning("waited %.0f s for the SQLite write gate; writing without it", PATIENCE)
                        self._lock.release()
                        return False
                    time.sleep(POLL)
        except BaseException:
            self._lock.release()
            raise
        self._owner = me
        return True

    def leave(self) -> None:
        self._owner = None
        try:
            fcntl.flock(self._file(), fcntl.LOCK_UN)
        finally:
            self._lock.release()


def _leaving_after(end: Callable[[Any], None], leave: Callable[[dict], None]) -> Callable[[Any], None]:
    def ended(dbapi_connection: Any) -> None:
        try:
            end(dbapi_connection)
        finally:
            try:
                info = dbapi_connection.info  # the pooled connection's (SQLAlchemy hands the pool's proxy)
            except (AttributeError, NotImplementedError):  # the engine's first connect: an ad hoc proxy
                info = None
            if info is not None:
                leave(info)

    return ended


def install(engine: Engine) -> WriteGate | None:
    """Put ``engine``'s writers in line, if it is on a SQLite file (otherwise nothing to do)."""
    database = engine.url.database
    if fcntl is None or engine.dialect.name != "sqlite" or not database or database == ":memory:" \
            or database.startswith("file:"):
        return None
    gate = WriteGate(database + "-writegate")

    @event.listens_for(engine, "before_cursor_execute")
    def _enter(conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool) -> None:
        info = conn.connection.info  # the pooled DBAPI connection's: outlives this Connection object
        if _HELD not in info and _is_write(statement):
            info[_HELD] = gate.enter()

    def _leave(info: dict) -> None:
        if info.pop(_HELD, False):
            gate.leave()

    # Left right after the COMMIT or ROLLBACK itself: SQLAlchemy's commit and rollback
    # events come before it, when SQLite still holds the write lock. The pool's
    # rollback of a returned connection goes through do_rollback too.
    dialect = engine.dialect
    for name in ("do_commit", "do_rollback"):
        setattr(dialect, name, _leaving_after(getattr(dialect, name), _leave))

    @event.listens_for(engine.pool, "checkin")
    def _checkin(_dbapi: Any, record: Any) -> None:
        if record is not None:
            _leave(record.info)

    @event.listens_for(engine.pool, "invalidate")
    def _invalidate(_dbapi: Any, record: Any, _exception: Any) -> None:
        _leave(record.info)

    return gate
