"""On PostgreSQL a launch uses up its state (records its nonce) in the statement that opens its
launch session, its last, and a pooled connection is not pinged before each use: the single-use rules and the recovery from
a connection the server ended hold there as on SQLite.

The refusal tests are the SQLite ones, run again against a Padu on PostgreSQL.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from activities.db import make_engine
from tests.padu_server import PaduServer

from .conftest import Connected, populate
from .test_launch_refusals import (
    test_a_replayed_id_token_and_state_are_refused,
    test_a_state_older_than_its_lifetime_is_refused_and_a_younger_one_launches,
    test_a_state_signed_with_another_secret_is_refused,
    test_a_used_nonce_is_refused_even_with_a_fresh_state,
    test_a_wrong_state_is_refused,
    test_an_altered_state_is_refused_and_leaves_the_genuine_one_usable,
)
from .test_launch_writes import (
    test_a_launch_refused_after_its_checks_keeps_nothing_but_its_used_up_state,
    test_a_platform_removed_behind_the_cache_is_refused_not_a_500,
    test_a_refused_launch_still_uses_up_its_state,
)

pytestmark = pytest.mark.postgres

__all__ = [
    "test_a_replayed_id_token_and_state_are_refused",
    "test_a_state_older_than_its_lifetime_is_refused_and_a_younger_one_launches",
    "test_a_state_signed_with_another_secret_is_refused",
    "test_a_used_nonce_is_refused_even_with_a_fresh_state",
    "test_a_wrong_state_is_refused",
    "test_an_altered_state_is_refused_and_leaves_the_genuine_one_usable",
    "test_a_launch_refused_after_its_checks_keeps_nothing_but_its_used_up_state",
    "test_a_platform_removed_behind_the_cache_is_refused_not_a_500",
    "test_a_refused_launch_still_uses_up_its_state",
]


@pytest.fixture
def connected(tmp_path, lms, postgres_url):
    """The SQLite tests' ``connected``, on a fresh PostgreSQL database."""
    padu = PaduServer(tmp_path / "padu", database_url=postgres_url).start()
    try:
        yield Connected(lms, padu, populate(lms, padu))
    finally:
        padu.stop()


def test_a_pooled_connection_the_server_ended_is_replaced_without_an_error(postgres_url):
    engine = make_engine(postgres_url, pool_size=1, max_overflow=0)
    try:
        with engine.connect() as connection:
            first = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with make_engine(postgres_url).connect() as other:  # as a restart does; waits until it has ended
            assert other.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": first}).scalar_one()
            other.commit()
        with engine.connect() as connection:  # the same pooled connection, ended: no OperationalError
            second = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert second != first
    finally:
        engine.dispose()


def test_a_relaunch_is_two_statements_each_its_own_transaction(connected, monkeypatch):
    """A relaunch that changes nothing reads (course, person, membership, activity, Moodle
    connection) and then writes the launch session and uses up its state in one statement,
    both in autocommit: no ``BEGIN`` and no ``COMMIT`` round trip (``sessions.start_session``)."""
    import requests
    from sqlalchemy import event

    from lti_tool.lti1p3 import launch as launch_module

    from .test_launch_writes import _launch_parts

    monkeypatch.setattr(launch_module, "SWEEP_ONE_IN", 10**12)  # no sweep of expired nonces in this launch
    connected.launch("4")
    browser, action, fields = _launch_parts(connected)
    seen: list[tuple[str, bool]] = []

    def statement(_conn, cursor, sql, _params, _context, _many):
        seen.append((sql.split(None, 1)[0].upper(), cursor.connection.autocommit))

    engine = connected.padu.runtime.engine
    event.listen(engine, "before_cursor_execute", statement)
    try:
        posted = browser.session.post(action, data=fields, allow_redirects=False)
    finally:
        event.remove(engine, "before_cursor_execute", statement)
    assert posted.status_code == 303
    assert seen == [("SELECT", True), ("WITH", True)], seen
    # What the one statement wrote was committed: the session opens on another connection.
    landing = browser.session.get(requests.compat.urljoin(action, posted.headers["Location"]))
    assert landing.status_code == 200
    replay = browser.session.post(action, data=fields, allow_redirects=False)
    assert replay.status_code == 400 and "state_invalid" in replay.text
