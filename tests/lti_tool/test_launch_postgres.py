"""On PostgreSQL a relaunch is one statement: its state used up (its nonce recorded), what it
compares read, its launch session opened, its membership marked and the person's sessions with
another role ended, all only if the state was unused. A pooled connection is not pinged before
each use. The single-use rules, the sessions' rules and the recovery from a connection the
server ended hold there as on SQLite.

The refusal, session and write tests are the SQLite ones, run again against a Padu on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import pytest
import requests
from sqlalchemy import event, select, text

from activities.core import Membership
from activities.db import make_engine, utcnow
from lti_tool.lti1p3 import launch as launch_module
from lti_tool.models import LaunchSession
from tests.lms.browser import as_shown
from tests.padu_server import PaduServer

from .conftest import INSTRUCTOR, Connected, populate
from .test_launch import test_a_launch_answers_with_its_activity_s_own_page
from .test_launch_refusals import (
    test_a_replayed_id_token_and_state_are_refused,
    test_a_state_older_than_its_lifetime_is_refused_and_a_younger_one_launches,
    test_a_state_signed_with_another_secret_is_refused,
    test_a_used_nonce_is_refused_even_with_a_fresh_state,
    test_a_wrong_state_is_refused,
    test_an_altered_state_is_refused_and_leaves_the_genuine_one_usable,
)
from .test_launch_sessions import (
    test_a_relaunch_in_another_course_leaves_the_first_session_alone,
    test_a_second_activity_opened_with_the_same_role_leaves_the_first_session_alone,
    test_a_teacher_relaunched_as_learner_loses_staff_access_with_the_old_token,
)
from .test_launch_writes import (
    _launch_parts,
    test_a_launch_now_and_then_sweeps_the_expired_nonces_and_keeps_its_own,
    test_a_launch_refused_after_its_checks_keeps_nothing_but_its_used_up_state,
    test_a_platform_removed_behind_the_cache_is_refused_not_a_500,
    test_a_refused_launch_still_uses_up_its_state,
    test_a_relaunch_writes_what_the_platform_changed,
)

pytestmark = pytest.mark.postgres

__all__ = [
    "test_a_launch_answers_with_its_activity_s_own_page",
    "test_a_replayed_id_token_and_state_are_refused",
    "test_a_state_older_than_its_lifetime_is_refused_and_a_younger_one_launches",
    "test_a_state_signed_with_another_secret_is_refused",
    "test_a_used_nonce_is_refused_even_with_a_fresh_state",
    "test_a_wrong_state_is_refused",
    "test_an_altered_state_is_refused_and_leaves_the_genuine_one_usable",
    "test_a_launch_refused_after_its_checks_keeps_nothing_but_its_used_up_state",
    "test_a_platform_removed_behind_the_cache_is_refused_not_a_500",
    "test_a_refused_launch_still_uses_up_its_state",
    "test_a_relaunch_in_another_course_leaves_the_first_session_alone",
    "test_a_second_activity_opened_with_the_same_role_leaves_the_first_session_alone",
    "test_a_teacher_relaunched_as_learner_loses_staff_access_with_the_old_token",
    "test_a_launch_now_and_then_sweeps_the_expired_nonces_and_keeps_its_own",
    "test_a_relaunch_writes_what_the_platform_changed",
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


class Relaunch(NamedTuple):
    browser: object
    action: str
    fields: dict
    posted: requests.Response
    #: Each statement the launch ran: its first word, and whether it ran in autocommit (read
    #: once it ran: a transaction's first write begins it); then its first page's.
    seen: list[tuple[str, bool]]


def _relaunch(connected, monkeypatch) -> Relaunch:
    """A relaunch by the learner who launched before, and the statements it ran; its form is
    returned too, to replay."""
    monkeypatch.setattr(launch_module, "SWEEP_ONE_IN", 10**12)  # no sweep of expired nonces in this launch
    browser, action, fields = _launch_parts(connected)
    seen: list[tuple[str, bool]] = []

    def statement(_conn, cursor, sql, _params, _context, _many):
        seen.append((sql.split(None, 1)[0].upper(), cursor.connection.autocommit))

    engine = connected.padu.runtime.engine
    event.listen(engine, "after_cursor_execute", statement)
    try:
        posted = browser.session.post(action, data=fields, allow_redirects=False)
    finally:
        event.remove(engine, "after_cursor_execute", statement)
    return Relaunch(browser, action, fields, posted, seen)


def test_a_relaunch_is_one_statement_in_autocommit(connected, monkeypatch):
    """A relaunch that changes nothing reads (course, person, membership, activity, Moodle
    connection), writes the launch session and uses up its state in one statement, in
    autocommit: no ``BEGIN`` and no ``COMMIT`` round trip (``sessions._launch_on_postgresql``).
    Its first page, which the launch answers with, reads its session in one more."""
    connected.launch("4")
    relaunch = _relaunch(connected, monkeypatch)
    assert relaunch.posted.status_code == 200
    assert relaunch.seen == [("WITH", True), ("SELECT", True)], relaunch.seen
    # What the one statement wrote was committed: the session opens on another connection.
    landing = relaunch.browser.session.get(as_shown(relaunch.posted).url)
    assert landing.status_code == 200
    replay = relaunch.browser.session.post(relaunch.action, data=relaunch.fields, allow_redirects=False)
    assert replay.status_code == 400 and "state_invalid" in replay.text


def test_a_relaunch_a_day_later_is_still_one_statement(connected, monkeypatch):
    """The membership's launch mark, due once a minute, moves within the relaunch's statement."""
    connected.launch("4")
    with connected.padu.session() as db:
        db.execute(text("UPDATE membership SET last_launch_at = now() - interval '1 day'"))
        db.commit()
    relaunch = _relaunch(connected, monkeypatch)
    assert relaunch.posted.status_code == 200
    assert relaunch.seen == [("WITH", True), ("SELECT", True)], relaunch.seen  # the launch, then its page
    with connected.padu.session() as db:
        marked = db.scalars(select(Membership.last_launch_at)).one()
    assert utcnow() - marked < dt.timedelta(minutes=1)


def test_a_relaunch_with_another_role_opens_its_session_in_the_transaction_that_ends_the_old_ones(connected,
                                                                                                   monkeypatch):
    """The one statement uses up the state and reads; the new role, the end of the sessions of
    the old one and the new session follow in one transaction: none of them without the others."""
    connected.launch("4")
    connected.lms.enrolments[("2", "4")] = [INSTRUCTOR]
    relaunch = _relaunch(connected, monkeypatch)
    seen = relaunch.seen
    assert relaunch.posted.status_code == 200
    assert seen[0] == ("WITH", True), seen
    # The membership's role, the old role's sessions ended, the new session, and the commit's
    # ``SET LOCAL`` that spares it the wait for the disk (``commits.py``); then the first page's read.
    assert [word for word, _autocommit in seen[1:5]] == ["UPDATE", "UPDATE", "INSERT", "SET"], seen
    assert not any(autocommit for _word, autocommit in seen[1:5]), seen
    assert seen[5:] == [("SELECT", True)], seen
    with connected.padu.session() as db:
        role = db.scalars(select(Membership.role)).one()
        sessions = db.execute(select(LaunchSession.role, LaunchSession.expires_at).order_by(LaunchSession.created_at)).all()
    assert role == "staff"
    (old_role, old_end), (new_role, new_end) = sessions
    assert (old_role, new_role) == ("learner", "staff")
    assert old_end <= utcnow() < new_end  # the learner's session ended with the relaunch


def test_a_first_launch_in_a_course_and_of_a_new_link_open_their_session(connected):
    """No row to compare yet (a first launch), or a link not bound yet: the one statement uses
    up the state and the rest follows in a transaction, committed once."""
    _browser, first = connected.launch("4")
    assert first.status_code == 200 and "Budi" in first.text
    connected.lms.add_resource_link(course_id="2", resource_link_id="8", title="Tugas baru")
    browser = connected.lti_browser()
    fields = connected.lms.login_initiation_form(connected.client_id, "4", connected.padu.url + "/lti/launch",
                                                 resource_link_id="8")
    response = browser.session.post(connected.padu.url + "/lti/login", data=fields, allow_redirects=False)
    action, form = browser.authorize(response.headers["Location"])
    landing = as_shown(browser.session.post(action, data=form))
    assert landing.status_code == 200 and "Tugas baru" in landing.text
    with connected.padu.session() as db:
        links = set(db.scalars(select(LaunchSession.activity_id)))
        assert len(links) == 2 and None not in links
    replay = browser.session.post(action, data=form, allow_redirects=False)
    assert replay.status_code == 400 and "state_invalid" in replay.text
