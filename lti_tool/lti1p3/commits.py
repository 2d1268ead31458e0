"""Commits of launches, which may skip waiting for the disk.

A launch (its state used up: the nonce recorded; the launch session, and for
a first launch the course, person and membership rows) is committed without
waiting for PostgreSQL to flush its log to disk (``synchronous_commit = off``
for that transaction only): the wait (a ``fdatasync``, 0.3 ms on an idle
disk, several under load) held a sync worker for longer than all of the
launch's own work. A login commits nothing (its state is signed, ``oidc.py``).
The data is never corrupted: a crash of the database server within its
``wal_writer_delay`` (200 ms by default) may forget the last such commits, as
SQLite in WAL mode with ``synchronous=NORMAL`` (``activities.db``) may on a
power cut. Forgotten, a launch session only asks the person to open the
activity again from Moodle; a forgotten nonce could let a state and id_token
captured in those 200 ms be replayed once within the id_token's lifetime,
which Moodle keeps to a minute. Grades and everything else keep the server's
durable commits.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

_WITHOUT_DISK_WAIT = text("SET LOCAL synchronous_commit TO OFF")
#: The same as an expression, for a statement the transaction runs anyway (its RETURNING
#: or its select list): one round trip fewer than the ``SET LOCAL`` on its own.
WITHOUT_DISK_WAIT_EXPRESSION = "set_config('synchronous_commit', 'off', true)"
_MARK = "padu_without_disk_wait"


def disk_wait_dropped(session: Session) -> None:
    """Note that a statement of ``session``'s current transaction ran
    :data:`WITHOUT_DISK_WAIT_EXPRESSION` (and returned a row, so that it was evaluated). A
    statement that ran in autocommit (``activities.db.WRITE_ON_ITS_OWN``) committed on its
    own: nothing to note, a write after it begins a transaction of its own."""
    if _transaction_open(session):
        session.info[_MARK] = session.get_transaction()


def commit_without_disk_wait(session: Session) -> None:
    """Commit ``session``'s transaction; on PostgreSQL without waiting for the log flush."""
    transaction = session.get_transaction()
    if transaction is None:
        return  # nothing begun: nothing to commit
    if session.info.pop(_MARK, None) is not transaction and _transaction_open(session):
        session.connection().execute(_WITHOUT_DISK_WAIT)
    session.commit()


def _transaction_open(session: Session) -> bool:
    """Whether PostgreSQL has a transaction open on ``session``'s connection: not when every
    statement so far ran in autocommit (``activities.db``: reads, and a write on its own),
    which leaves nothing to commit. Asked of the driver, without a round trip."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return False
    status = connection.connection.dbapi_connection.info.transaction_status  # type: ignore[union-attr]
    return bool(status.name != "IDLE")
