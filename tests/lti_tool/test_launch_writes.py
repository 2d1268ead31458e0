"""What a launch writes: one commit for the launch, nothing for its first page, nothing
unchanged written again; and the per-process platform cache never outlives a change.

Speed itself is measured by ``bench/launch.py``; these pin the behaviour it relies on.
"""

from __future__ import annotations

import contextlib
import datetime as dt

import requests
from sqlalchemy import event, func, select, text

from activities.core import Course, Membership, Person
from activities.db import utcnow
from lti_tool.lti1p3 import launch as launch_module
from lti_tool.lti1p3.registry import add_platform
from lti_tool.models import LaunchSession, Platform
from tests.lms.browser import as_shown

WRITES = ("INSERT", "UPDATE", "DELETE")


@contextlib.contextmanager
def _recorded(engine):
    """The statements and commits ``engine`` runs inside the block."""
    seen: list[str] = []

    def statement(_conn, _cursor, sql, _params, _context, _many):
        seen.append(sql.split(None, 1)[0].upper())

    def commit(_conn):
        seen.append("COMMIT")

    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)


def _launch_parts(connected, user="4"):
    browser = connected.lti_browser()
    action, fields = browser.login_and_authorize(
        connected.lms, connected.client_id, user, resource_link_id="1",
        tool_login_url=connected.padu.url + "/lti/login", target_link_uri=connected.padu.url + "/lti/launch")
    return browser, action, fields


def test_a_launch_commits_once_and_its_first_page_writes_nothing(connected, monkeypatch):
    monkeypatch.setattr(launch_module, "SWEEP_ONE_IN", 10**12)  # no sweep of expired nonces in this launch
    connected.launch("4")  # the course, person, membership and activity exist now
    engine = connected.padu.runtime.engine
    browser, action, fields = _launch_parts(connected)
    with _recorded(engine) as statements:
        posted = browser.session.post(action, data=fields, allow_redirects=False)
    assert posted.status_code == 200  # the launch answers with its first page (first_page.py)
    assert statements.count("COMMIT") == 1, statements
    # The launch's statements, committed before its first page is made; then the page's.
    committed = statements.index("COMMIT") + 1
    launch, page = statements[:committed], statements[committed:]
    # The session row and the nonce (the state used up; the state itself is signed, not a
    # row); the course, person and membership were known and unchanged, so nothing else is
    # written (last_launch_at moves once a minute), nor are other-role sessions ended: the
    # role is the one the last launch set. The writes come after every read, so that on
    # SQLite the write lock is held only for them.
    assert [s for s in launch if s in WRITES] == ["INSERT", "INSERT"], launch
    first_write = next(n for n, s in enumerate(launch) if s in WRITES)
    assert launch[first_write:] == ["INSERT", "INSERT", "COMMIT"], launch
    # Read: whether the state's nonce is used and its platform there; the course, person,
    # membership, bound activity and whether the platform syncs with Moodle, in one query.
    assert len([s for s in launch if s != "COMMIT"]) == 4, launch
    # The page reads its launch session (with person, course and activity), and writes nothing.
    assert page == ["SELECT"], page


def test_a_login_writes_nothing(connected):
    """Its state is signed, not stored (``oidc.py``): anyone's ``/lti/login`` costs no write."""
    connected.launch("4")  # the platform is cached now, as in a running Padu
    with _recorded(connected.padu.runtime.engine) as login:
        browser, _action, fields = _launch_parts(connected)
    assert fields["state"]
    assert not [s for s in login if s in WRITES or s == "COMMIT"], login


def test_a_login_whose_platform_is_cached_makes_no_database_session(connected, monkeypatch):
    """Anyone may ask for a login: one whose platform is cached makes no session, let alone
    takes a connection (``registry.find_platform``). A session made and closed unused never
    took a connection either, so the checkouts alone would not show the session."""
    connected.launch("4")  # the platform is cached now, as in a running Padu
    runtime = connected.padu.runtime
    made, checkouts = [], []
    factory = runtime.session_factory
    monkeypatch.setattr(runtime, "session_factory", lambda: made.append(1) or factory())

    def checkout(*_args):
        checkouts.append(1)

    event.listen(runtime.engine, "checkout", checkout)
    try:
        fields = connected.lms.login_initiation_form(connected.client_id, "4", connected.padu.url + "/lti/launch",
                                                     resource_link_id="1")
        answer = requests.post(connected.padu.url + "/lti/login", data=fields, allow_redirects=False)
    finally:
        event.remove(runtime.engine, "checkout", checkout)
    assert answer.status_code == 302
    assert made == [] and checkouts == []


def test_a_launch_refused_after_its_checks_keeps_nothing_but_its_used_up_state(connected, monkeypatch):
    """A launch whose state a concurrent launch used up after this one found it unused (on
    SQLite, where the nonce is recorded last): its checks pass and the session row is written
    before the nonce is recorded (the writes come last), so the refusal must roll that row
    back, and the state stays used up. On PostgreSQL the first statement records the nonce,
    so the same launch is refused before any check."""
    browser, action, fields = _launch_parts(connected)
    assert browser.session.post(action, data=fields, allow_redirects=False).status_code == 200
    with connected.padu.session() as db:
        sessions_before = db.scalar(select(func.count()).select_from(LaunchSession))
    # The race: the other launch records the nonce just after this one's check.
    monkeypatch.setattr(launch_module, "_check_unused", lambda _session, login: login)
    raced = requests.post(action, data=fields, allow_redirects=False)
    assert raced.status_code == 400 and "state_invalid" in raced.text
    with connected.padu.session() as db:
        assert db.scalar(select(func.count()).select_from(LaunchSession)) == sessions_before
    monkeypatch.undo()
    again = requests.post(action, data=fields, allow_redirects=False)
    assert again.status_code == 400 and "state_invalid" in again.text


def test_a_refused_launch_still_uses_up_its_state(connected):
    browser, action, fields = _launch_parts(connected)
    refused = browser.session.post(action, data={"id_token": fields["id_token"] + "x", "state": fields["state"]},
                                   allow_redirects=False)
    assert refused.status_code == 400
    again = browser.session.post(action, data=fields, allow_redirects=False)
    assert again.status_code == 400 and "state_invalid" in again.text
    assert "Moodle" in again.text


def test_a_deployment_added_is_seen_by_the_next_login_at_once(connected):
    url = connected.padu.url + "/lti/login"
    fields = connected.lms.login_initiation_form(connected.client_id, "4", connected.padu.url + "/lti/launch",
                                                 resource_link_id="1", deployment_id="7")
    assert requests.post(url, data=fields, allow_redirects=False).status_code == 400  # the platform is cached now
    with connected.padu.session() as db:
        add_platform(db, issuer=connected.lms.issuer, client_id=connected.client_id,
                     auth_login_url=connected.lms.url + "/mod/lti/auth.php",
                     auth_token_url=connected.lms.url + "/mod/lti/token.php",
                     key_set_url=connected.lms.url + "/mod/lti/certs.php", deployment_ids=["1", "7"])
        db.commit()
    assert requests.post(url, data=fields, allow_redirects=False).status_code == 302


def test_a_platform_removed_behind_the_cache_is_refused_not_a_500(connected):
    """Removed by another process (here: plain SQL), so this process's cache still has it. The
    login reads only that cache and writes nothing, so it still redirects (for at most
    ``registry.CACHE_SECONDS``); the launch that follows is refused, not a 500, and the
    platform forgotten, so the next login is refused too."""
    url = connected.padu.url + "/lti/login"

    def fields():
        return connected.lms.login_initiation_form(connected.client_id, "4", connected.padu.url + "/lti/launch",
                                                   resource_link_id="1")

    assert requests.post(url, data=fields(), allow_redirects=False).status_code == 302
    browser, action, launch_fields = _launch_parts(connected)
    with connected.padu.session() as db:
        db.execute(text("DELETE FROM lti_deployment"))
        db.execute(text("DELETE FROM lti_platform"))
        db.commit()
    refused = browser.session.post(action, data=launch_fields, allow_redirects=False)
    assert refused.status_code == 400 and "unknown_platform" in refused.text, refused.status_code
    assert requests.post(url, data=fields(), allow_redirects=False).status_code == 400  # and forgotten


def test_a_page_reads_its_launch_session_person_and_activity_in_one_query(connected):
    connected.launch("4")  # the platform's origins for the page's CSP are cached now
    browser, action, fields = _launch_parts(connected)
    posted = as_shown(browser.session.post(action, data=fields, allow_redirects=False))
    engine = connected.padu.runtime.engine
    with _recorded(engine) as page:
        landing = browser.session.get(posted.url)  # the page again, by its address (a reload)
    assert landing.status_code == 200
    assert "Budi Santoso" in landing.text  # the person, from that one query
    assert page == ["SELECT"], page


def test_a_relaunch_writes_what_the_platform_changed(connected):
    """A relaunch compares plain columns and writes what differs: the person's name, the
    course's title, and a membership marked again once its minute has passed."""
    connected.launch("4")
    connected.lms.users["4"].given_name = "Budiman"
    connected.lms.courses["2"]["title"] = "Latsar CPNS Angkatan II"
    with connected.padu.session() as db:
        db.execute(text("UPDATE membership SET last_launch_at = NULL"))
        db.commit()
    connected.launch("4")
    with connected.padu.session() as db:
        person = db.scalars(select(Person).where(Person.sub == "4")).one()
        assert person.name.startswith("Budiman ")
        assert db.scalars(select(Course)).one().title == "Latsar CPNS Angkatan II"
        membership = db.scalars(select(Membership).where(Membership.person_id == person.id)).one()
        assert membership.last_launch_at is not None and membership.role == "learner"


def test_a_launch_now_and_then_sweeps_the_expired_nonces_and_keeps_its_own(connected, monkeypatch):
    from lti_tool.models import UsedNonce

    monkeypatch.setattr(launch_module, "SWEEP_ONE_IN", 1)  # this launch sweeps
    connected.launch("4")
    with connected.padu.session() as db:
        platform_id = db.scalar(select(Platform.id))
        db.add(UsedNonce(platform_id=platform_id, nonce="old", expires_at=utcnow() - dt.timedelta(minutes=1)))
        db.commit()
    connected.launch("4")
    with connected.padu.session() as db:
        kept = set(db.scalars(select(UsedNonce.nonce)))
    assert "old" not in kept and len(kept) == 2  # the two launches' own nonces
