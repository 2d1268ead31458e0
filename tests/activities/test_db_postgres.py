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
