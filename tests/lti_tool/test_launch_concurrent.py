"""First launches at once: a course, person, membership and activity Padu has no row for
yet, launched by several browsers in the same instant, end as one row each and no 500.

On PostgreSQL two transactions both found no row and both inserted it, and the second
met the unique constraint (a 500); the upserts now insert with ON CONFLICT DO NOTHING
and read the row back. SQLite serialises writers, but runs the same code.

And one login's state posted several times at once launches once: the state's nonce has
one row in ``lti_used_nonce``, whichever transaction inserts it first.
"""

from __future__ import annotations

import threading

import pytest
import requests
from sqlalchemy import func, select

from activities.core import Activity, Course, Membership, Person
from lti_tool.models import LaunchSession, UsedNonce
from tests.lms import LtiBrowser
from tests.lti_tool.conftest import populate
from tests.padu_server import PaduServer

#: Two tabs each of a learner, another learner and the teacher: the same course, persons and memberships raced.
USERS = ("4", "4", "5", "5", "3", "3")


def _launch_all_at_once(lms, padu, client_id: str) -> list[int]:
    prepared = []
    for user in USERS:
        browser = LtiBrowser()
        action, fields = browser.login_and_authorize(
            lms, client_id, user, resource_link_id="1", tool_login_url=padu.url + "/lti/login",
            target_link_uri=padu.url + "/lti/launch")
        prepared.append((browser, action, fields))
    start = threading.Barrier(len(prepared))
    statuses: list[int] = [0] * len(prepared)

    def post(index: int) -> None:
        browser, action, fields = prepared[index]
        start.wait()
        statuses[index] = browser.session.post(action, data=fields, allow_redirects=False).status_code

    threads = [threading.Thread(target=post, args=(n,)) for n in range(len(prepared))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def _assert_one_row_each(padu) -> None:
    with padu.session() as db:
        assert db.scalar(select(func.count()).select_from(Course)) == 1
        assert db.scalar(select(func.count()).select_from(Person)) == 3
        assert db.scalar(select(func.count()).select_from(Membership)) == 3
        assert db.scalar(select(func.count()).select_from(Activity)) == 1
        assert db.scalar(select(func.count()).select_from(LaunchSession)) == len(USERS)
        roles = dict(db.execute(select(Person.sub, Membership.role).join(Membership.person)).all())
    assert roles == {"3": "staff", "4": "learner", "5": "learner"}


@pytest.mark.parametrize("attempt", range(3))
def test_first_launches_at_once_on_sqlite_make_one_row_each(lms, padu, attempt):
    client_id = populate(lms, padu)
    assert _launch_all_at_once(lms, padu, client_id) == [200] * len(USERS)
    _assert_one_row_each(padu)


@pytest.fixture
def padu_on_postgresql(tmp_path, postgres_url):
    """A Padu server on a fresh PostgreSQL database."""
    padu = PaduServer(tmp_path / "padu", database_url=postgres_url).start()
    try:
        yield padu
    finally:
        padu.stop()


@pytest.mark.postgres
@pytest.mark.parametrize("attempt", range(3))
def test_first_launches_at_once_on_postgresql_make_one_row_each(lms, padu_on_postgresql, attempt):
    client_id = populate(lms, padu_on_postgresql)
    assert _launch_all_at_once(lms, padu_on_postgresql, client_id) == [200] * len(USERS)
    _assert_one_row_each(padu_on_postgresql)


def _same_state_at_once(lms, padu, client_id: str, copies: int = 6) -> list[requests.Response]:
    """One login's launch form posted by ``copies`` clients in the same instant (a replay
    racing the genuine launch, or a double submit)."""
    browser = LtiBrowser()
    action, fields = browser.login_and_authorize(
        lms, client_id, "4", resource_link_id="1", tool_login_url=padu.url + "/lti/login",
        target_link_uri=padu.url + "/lti/launch")
    start = threading.Barrier(copies)
    responses: list[requests.Response | None] = [None] * copies

    def post(index: int) -> None:
        start.wait()
        responses[index] = requests.post(action, data=fields, allow_redirects=False)

    threads = [threading.Thread(target=post, args=(n,)) for n in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(response is not None for response in responses)
    return [response for response in responses if response is not None]


def _assert_one_launch_of_the_state(padu, responses: list[requests.Response]) -> None:
    assert sorted(response.status_code for response in responses) == [200] + [400] * (len(responses) - 1)
    assert all("state_invalid" in response.text for response in responses if response.status_code == 400)
    with padu.session() as db:
        assert db.scalar(select(func.count()).select_from(LaunchSession)) == 1
        assert db.scalar(select(func.count()).select_from(UsedNonce)) == 1


@pytest.mark.parametrize("attempt", range(3))
def test_one_state_posted_at_once_on_sqlite_launches_once(lms, padu, attempt):
    client_id = populate(lms, padu)
    _assert_one_launch_of_the_state(padu, _same_state_at_once(lms, padu, client_id))


@pytest.mark.postgres
@pytest.mark.parametrize("attempt", range(3))
def test_one_state_posted_at_once_on_postgresql_launches_once(lms, padu_on_postgresql, attempt):
    client_id = populate(lms, padu_on_postgresql)
    _assert_one_launch_of_the_state(padu_on_postgresql, _same_state_at_once(lms, padu_on_postgresql, client_id))
