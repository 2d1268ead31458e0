"""Persistence basics shared by every activity: the declarative base, engines, sessions.

Every model in the project (domain and LTI registry alike) hangs off ``Base``
so that one metadata describes the whole schema for Alembic.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import select
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from sqlalchemy import JSON, DateTime, Float, MetaData, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import CursorResult, Dialect, Engine, Result, make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

from config import PRIVATE_FILE_MODE, make_private

log = logging.getLogger("padu.db")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """Timezone-aware now in UTC; every timestamp in Padu is stored in UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A datetime that always comes back timezone-aware in UTC.

    SQLite drops the offset on the way in; without this, comparing a stored
    value with ``utcnow()`` raises ``TypeError`` there but not on PostgreSQL.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class hours_waited(FunctionElement[float]):  # noqa: N801  (used like a SQL function: ``hours_waited(a, b)``)
    """``later - earlier`` of two :class:`UTCDateTime` columns in hours, as a float, never below 0, computed
    by the database.

    So that a sum or an average of thousands of durations (the dashboard's review times) comes back as
    one number per group instead of two datetimes per row parsed in Python. SQLite stores UTC text and
    counts in milliseconds (``julianday``); PostgreSQL subtracts ``timestamptz`` values exactly.
    """

    type = Float()
    name = "hours_waited"
    inherit_cache = True


@compiles(hours_waited)
def _hours_waited_postgresql(element: hours_waited, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"GREATEST(0.0, CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) AS DOUBLE PRECISION) / 3600.0)"


@compiles(hours_waited, "sqlite")
def _hours_waited_sqlite(element: hours_waited, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"max(0.0, (julianday({later}) - julianday({earlier})) * 24.0)"


#: A JSON object or array as a JSON column holds it; whoever reads a value checks its shape.
JsonObject = dict[str, Any]
JsonArray = list[Any]


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    # SQLAlchemy looks generic annotations up as written, so each one used in a Mapped[] is listed.
    type_annotation_map = {
        dt.datetime: UTCDateTime, dict: JSON, list: JSON, JsonObject: JSON, JsonArray: JSON, list[str]: JSON,
    }


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the settings each backend needs to be safe under concurrency."""
    if url.startswith("sqlite"):
        _private_sqlite_file(url)
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # WAL lets the web threads read while the grade worker writes;
            # foreign keys are off by default in SQLite. In WAL mode,
            # synchronous=NORMAL syncs the log at checkpoints, not at every
            # commit: a power cut may lose the last commits, never the file's
            # consistency, and a commit stops costing an fsync.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    if make_url(url).get_driver_name() == "psycopg":
        from .psycopg_cursor import LazyDescriptionCursor

        kwargs["connect_args"] = {"cursor_factory": LazyDescriptionCursor, **kwargs.get("connect_args", {})}
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):
        event.listen(engine, "checkout", _refuse_closed_by_server)
    if engine.dialect.driver == "psycopg":
        event.listen(engine, "checkout", _autocommit_until_a_write)
        event.listen(engine, "do_execute", _begin_before_a_write_with_parameters)
        event.listen(engine, "do_executemany", _begin_before_a_write_with_parameters)
        event.listen(engine, "do_execute_no_params", _begin_before_a_write)
    return engine


#: Set in a pooled connection's ``info`` while it runs in autocommit until its first write.
_UNTIL_A_WRITE = "padu_autocommit_until_a_write"
#: Execution option of a write that may commit on its own: on PostgreSQL, when nothing before
#: it in its transaction wrote, it runs in autocommit (no ``BEGIN`` and ``COMMIT`` round trips);
#: after a write, it joins that transaction. Only for a write that need not be undone with what
#: follows it (the launch's used-up nonce and its session row, ``lti_tool.lti1p3.launch``).
WRITE_ON_ITS_OWN = "padu_write_on_its_own"


def _autocommit_until_a_write(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """A connection handed out runs its reads in autocommit: the transaction begins at the
    first statement that may write (:func:`_begin_before_a_write`).

    A request that only reads (most pages) then costs neither a ``BEGIN`` nor a
    ``ROLLBACK`` round trip, and psycopg keeps its prepared statements, which each
    ``ROLLBACK`` would deallocate. Nothing changes for what a transaction means: under
    PostgreSQL's READ COMMITTED every statement sees its own snapshot anyway, and all
    from the first write to the commit runs in one transaction. A read that locks
    (``FOR UPDATE``/``FOR SHARE``) counts as a write.
    """
    if not dbapi_connection.autocommit:
        dbapi_connection.autocommit = True
        record.info[_UNTIL_A_WRITE] = True


def _begin_before_a_write(cursor: Any, statement: str, context: Any) -> None:
    """Before a statement that may write, leave autocommit: psycopg then sends ``BEGIN``.

    A dialect event (``do_execute``), not ``before_cursor_execute``: an engine with any
    engine event pays for checking its listeners at every step of every statement
    (execute, cursor execute, begin, commit, rollback: about 0.1 ms of CPU a launch);
    a dialect event is looked at only where the driver is called.
    """
    dbapi_connection = cursor.connection
    if not dbapi_connection.autocommit:
        return  # its transaction has begun, or this engine's connections never leave one
    try:
        record_info = context.root_connection.connection.info
    except NotImplementedError:  # the dialect's first queries, on a connection not yet in the pool
        return
    if not record_info.get(_UNTIL_A_WRITE):
        return
    options = context.execution_options
    if options.get(WRITE_ON_ITS_OWN):
        return
    if "isolation_level" in options:
        return  # autocommit (or another level) asked for by the caller: theirs to keep
    if _only_reads(statement):
        return
    del record_info[_UNTIL_A_WRITE]
    dbapi_connection.autocommit = False  # psycopg sends BEGIN with this statement


@functools.lru_cache(maxsize=1024)
def _only_reads(statement: str) -> bool:
    """A plain SELECT (one that locks rows, ``FOR UPDATE``/``FOR SHARE``, counts as a write).
    Memoised: the same few compiled statements come back at every request."""
    return statement.lstrip()[:6].upper() == "SELECT" and " FOR " not in statement.upper()


def _begin_before_a_write_with_parameters(cursor: Any, statement: str, _parameters: Any, context: Any) -> None:
    _begin_before_a_write(cursor, statement, context)


def _refuse_closed_by_server(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Hand out no pooled connection the server has closed, without a round trip to ask.

    An idle connection at rest has nothing to read: a server that ends it (a restart,
    ``pg_terminate_backend``, an idle timeout) sends its last message and closes the
    socket, which then polls readable. Raising ``DisconnectionError`` makes the pool
    drop it and connect afresh (or raise the connect error: Padu's 503 page), as
    ``pool_pre_ping`` did, but ``pool_pre_ping`` cost one round trip per request
    (three per launch) on the same two cores as the server. A connection cut without
    the server's word (a network partition) is found by its first statement instead.
    """
    try:
        poller = select.poll()
        poller.register(dbapi_connection.fileno(), select.POLLIN | select.POLLPRI)
        closed = bool(poller.poll(0))
    except Exception:  # the driver's own error for a connection already closed on this side
        closed = True
    if closed:
        raise sa_exc.DisconnectionError("the server closed this pooled connection")


def _private_sqlite_file(url: str) -> None:
    """Create the SQLite file 0600 before SQLite does, and tighten an existing one.

    SQLite creates the file through the umask (0644 on most hosts) and gives its
    -wal and -shm files the database file's mode; the file holds Padu's private
    RSA key, personal data and live launch sessions.
    """
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if path.parent.is_dir() and not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE))
        os.chmod(path, PRIVATE_FILE_MODE)
    for companion in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        change = make_private(companion)
        if change:
            log.warning("was readable by other users, made private: %s", change)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed together, or not at all."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def rowcount(result: Result[Any]) -> int:
    """Rows a DELETE or UPDATE touched: its result is a CursorResult, which Session.execute's types do not say."""
    return cast("CursorResult[Any]", result).rowcount


def loaded(row: object, name: str) -> Any:
    """``row.name`` as already loaded, or None: never a query.

    A failed statement rolls the session back, which expires every row it holds;
    reading an expired attribute asks the database again — during an outage, that
    turns Padu's 503 page into a bare 500. A row's state dictionary keeps only what
    was loaded and still holds.
    """
    return sa_inspect(row).dict.get(name)
