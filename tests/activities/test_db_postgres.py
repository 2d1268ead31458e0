"""On PostgreSQL a connection reads in autocommit and begins its transaction at its first
write (``activities.db``): a read-only request costs no BEGIN or ROLLBACK, yet everything
from the first write on commits or rolls back as one, and a locking read holds its lock."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import OperationalError

from activities.core import Course
from activities.db import make_engine, make_session_factory, transaction
from lti_tool.lti1p3.registry import add_platform

pytestmark = pytest.mark.postgres


@pytest.fixture
def platform_id(postgres_sessions):
    with transaction(postgres_sessions) as db:
        platform = add_platform(db, issuer="https://lms.example", client_id="c", auth_login_url="https://lms.example/a",
                                auth_token_url="https://lms.example/t", key_set_url="https://lms.example/k",
                                deployment_ids=["1"])
        db.flush()
        return platform.id


def _in_transaction(db) -> bool:
    return db.connection().connection.dbapi_connection.info.transaction_status.name != "IDLE"


def test_reads_run_outside_a_transaction_and_a_write_begins_one(postgres_sessions, platform_id):
    db = postgres_sessions()
    try:
        db.execute(select(Course.id)).all()
        assert not _in_transaction(db)  # nothing to roll back at the end of a read-only request
        db.add(Course(platform_id=platform_id, lti_context_id="1", label="A", title="A"))
        db.flush()
        assert _in_transaction(db)
        db.add(Course(platform_id=platform_id, lti_context_id="2", label="B", title="B"))
        db.flush()
        db.rollback()  # both writes go: they were one transaction
    finally:
        db.close()
    with postgres_sessions() as db:
        assert db.scalars(select(Course.lti_context_id)).all() == []


def test_a_locking_read_begins_the_transaction_and_holds_its_lock(postgres_sessions, platform_id, postgres_url):
    with transaction(postgres_sessions) as db:
        db.add(Course(platform_id=platform_id, lti_context_id="1", label="A", title="A"))
    holder = postgres_sessions()
    other = make_session_factory(make_engine(postgres_url))()
    try:
        holder.execute(select(Course).with_for_update()).all()
        assert _in_transaction(holder)
        with pytest.raises(OperationalError):  # locked until the holder's transaction ends
            other.execute(text("SELECT id FROM course FOR UPDATE NOWAIT")).all()
    finally:
        holder.close()
        other.close()
        other.get_bind().dispose()


def test_a_write_on_its_own_commits_by_itself_only_when_nothing_was_written_before(postgres_sessions, platform_id):
    from sqlalchemy import insert

    from activities.db import WRITE_ON_ITS_OWN

    alone = insert(Course).execution_options(**{WRITE_ON_ITS_OWN: True})
    db = postgres_sessions()
    try:
        db.execute(alone, {"platform_id": platform_id, "lti_context_id": "1", "label": "A", "title": "A"})
        assert not _in_transaction(db)  # already committed: no BEGIN, no COMMIT to send
        db.add(Course(platform_id=platform_id, lti_context_id="2", label="B", title="B"))
        db.flush()
        db.execute(alone, {"platform_id": platform_id, "lti_context_id": "3", "label": "C", "title": "C"})
        db.rollback()  # the second "alone" came after a write: inside its transaction, rolled back with it
    finally:
        db.close()
    with postgres_sessions() as db:
        assert db.scalars(select(Course.lti_context_id)).all() == ["1"]


def test_a_cursor_describes_its_result_as_psycopg_does_when_read_late(postgres_url):
    """``activities.psycopg_cursor``: the description is made on first read, from the result it
    describes, with psycopg's own Column objects: the same as psycopg's, even after the
    cursor ran its next statement or closed."""
    import psycopg

    query = "SELECT 1::int AS n, 'x'::varchar(7) AS s, 2.5::numeric(6,2) AS d, now() AS t"
    engine = make_engine(postgres_url)
    try:
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute(query)
            late = cursor.description
            cursor.execute("SELECT 1")
            cursor.close()
            cursor = connection.cursor()
            cursor.execute("CREATE TEMPORARY TABLE padu_described (n int)")
            assert cursor.description is None  # no rows: None at once, as psycopg says
            cursor.execute("SELECT ")
            assert cursor.description is not None and list(cursor.description) == []
            cursor.close()
        finally:
            connection.close()
    finally:
        engine.dispose()
    with psycopg.connect(postgres_url.replace("postgresql+psycopg://", "postgresql://")) as plain:
        expected = plain.execute(query).description
    assert expected is not None and late is not None
    assert [tuple(column) for column in late] == [tuple(column) for column in expected]
    assert [column.name for column in late[1:3]] == ["s", "d"] and len(late) == 4
    assert isinstance(late[3], psycopg.Column) and late[3].type_display == expected[3].type_display
