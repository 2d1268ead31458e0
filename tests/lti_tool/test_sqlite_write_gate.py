"""The SQLite write gate: writers of several processes and threads take turns instead of timing out.

SQLite's busy timeout is set very short here (50 ms) while each transaction
holds its write for longer, so that without the gate writers fail with
"database is locked"; with it they wait their turn.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, event, insert, select
from sqlalchemy.exc import OperationalError

from activities.db import make_engine
from lti_tool import sqlite_write_gate

metadata = MetaData()
rows = Table("rows", metadata, Column("id", Integer, primary_key=True), Column("writer", String(20)))

#: SQLite's own wait for the write lock, much shorter than a transaction below holds it.
BUSY_TIMEOUT = 0.05
HOLD = 0.07


def _engine(path, gated: bool):
    engine = make_engine(f"sqlite:///{path}", connect_args={"timeout": BUSY_TIMEOUT, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _short_busy(dbapi_connection, _record):
        dbapi_connection.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT * 1000)}")

    if gated:
        sqlite_write_gate.install(engine)
    return engine


@pytest.fixture
def database(tmp_path):
    path = tmp_path / "padu.db"
    engine = make_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    engine.dispose()
    return path


def _write(engine, writer: str, count: int, errors: list) -> None:
    for _ in range(count):
        try:
            with engine.begin() as connection:
                connection.execute(insert(rows).values(writer=writer))
                time.sleep(HOLD)  # the write lock is held while the request goes on
        except OperationalError as error:
            errors.append(str(error.orig))


def _writers(path, gated: bool) -> tuple[list[str], int]:
    """Two processes with two threads each, writing 4 transactions per thread; the errors, the rows."""
    pids = []
    for process in range(2):
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                engine = _engine(path, gated)
                errors: list[str] = []
                threads = [threading.Thread(target=_write, args=(engine, f"{process}.{n}", 4, errors)) for n in range(2)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                code = min(len(errors), 100)
            finally:
                os._exit(code)
        pids.append(pid)
    failures = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
    engine = _engine(path, gated=False)
    with engine.connect() as connection:
        written = len(connection.execute(select(rows.c.id)).all())
    engine.dispose()
    return failures, written


def test_without_the_gate_writers_time_out(database):
    """The control: the setup below really makes SQLite's busy timeout expire."""
    failures, written = _writers(database, gated=False)
    assert sum(failures) > 0
    assert written == 16 - sum(failures)


def test_with_the_gate_every_writer_of_every_process_and_thread_gets_its_turn(database):
    failures, written = _writers(database, gated=True)
    assert failures == [0, 0]
    assert written == 16


def _gate_is_free(path) -> bool:
    """Whether another process could take the gate now (it asks without waiting)."""
    import fcntl

    fd = os.open(f"{path}-writegate", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing drops a lock taken here
    return True


def test_the_gate_is_held_from_the_first_write_to_the_end_of_the_transaction(database):
    engine = _engine(database, gated=True)
    try:
        with engine.connect() as connection:
            connection.execute(select(rows.c.id)).all()
            assert _gate_is_free(database)  # reads never take it
            connection.execute(insert(rows).values(writer="a"))
            assert not _gate_is_free(database)
            connection.commit()
            connection.execute(select(rows.c.id)).all()  # the next transaction begins: the gate is left
            assert _gate_is_free(database)
            connection.execute(insert(rows).values(writer="b"))
            assert not _gate_is_free(database)
            connection.rollback()
        assert _gate_is_free(database)
        with pytest.raises(RuntimeError), engine.begin() as connection:
            connection.execute(insert(rows).values(writer="c"))
            raise RuntimeError("the request failed")
        assert _gate_is_free(database)
    finally:
        engine.dispose()


def test_a_thread_holding_the_gate_never_waits_for_itself(database):
    """A second connection of the same thread writes past the gate, to SQLite's own busy timeout."""
    engine = _engine(database, gated=True)
    try:
        with engine.connect() as first, engine.connect() as second:
            first.execute(insert(rows).values(writer="first"))
            with pytest.raises(OperationalError, match="locked"):
                second.execute(insert(rows).values(writer="second"))
    finally:
        engine.dispose()


def test_the_gate_of_a_killed_process_is_free_again(database):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read)
            engine = _engine(database, gated=True)
            connection = engine.connect()
            connection.execute(insert(rows).values(writer="doomed"))
            os.write(write, b"x")
            time.sleep(60)
        finally:
            os._exit(1)
    os.close(write)
    try:
        assert os.read(read, 1) == b"x"  # written, and the transaction left open
        assert not _gate_is_free(database)
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    assert _gate_is_free(database)
    engine = _engine(database, gated=True)
    try:
        with engine.begin() as connection:
            connection.execute(insert(rows).values(writer="next"))
        with engine.connect() as connection:
            assert connection.execute(select(rows.c.writer)).scalars().all() == ["next"]
    finally:
        engine.dispose()
