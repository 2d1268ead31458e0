"""First launches at once: a course, person, membership and activity Padu has no row for
yet, launched by several browsers in the same instant, end as one row each and no 500.

On PostgreSQL two transactions both found no row and both inserted it, and the second
met the unique constraint (a 500); the upserts now insert with ON CONFLICT DO NOTHING
and read the row back. SQLite serialises writers, but runs the same code.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from activities.core import Activity, Course, Membership, Person
from lti_tool.models import LaunchSession
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
    assert _launch_all_at_once(lms, padu, client_id) == [303] * len(USERS)
    _assert_one_row_each(padu)


@pytest.mark.postgres
@pytest.mark.parametrize("attempt", range(3))
def test_first_launches_at_once_on_postgresql_make_one_row_each(tmp_path, lms, postgres_url, attempt):
    padu = PaduServer(tmp_path / "padu", database_url=postgres_url).start()
    try:
        client_id = populate(lms, padu)
        assert _launch_all_at_once(lms, padu, client_id) == [303] * len(USERS)
        _assert_one_row_each(padu)
    finally:
        padu.stop()
