"""The 503 page never asks the database again, even for rows the failed request had loaded.

A failed statement rolls the request's session back and expires every row it
holds, the launch session's too. Reading one of those (the way back to the course,
the frame-ancestors of the page) would ask the dead database again and turn Padu's
503 page into the server's bare 500 — seen once under load when PostgreSQL was cut
while a page was being made. Here the failure is made exact: the view loads the
launch, its session is rolled back and closed, then the database "fails".
"""

from __future__ import annotations

from flask import session
from sqlalchemy import exc as sa_exc

from lti_tool.runtime import db

SEEN_BY_VIEW = "/test-only/outage-after-load"


def _failing_view():
    assert session.launch is not None and session.launch.platform_id  # loaded by the launch session
    db().rollback()  # what a failed statement does: every row expired …
    db().close()  # … and detached: reading it now would need the database
    raise sa_exc.OperationalError("SELECT 1", {}, ConnectionError("server closed the connection unexpectedly"))


def test_a_page_whose_database_fails_after_loading_the_launch_gets_the_503_page(lms, padu):
    from tests.lti_tool.conftest import Connected, populate

    app = padu.app
    first, app._got_first_request = app._got_first_request, False  # a route for this test only
    app.add_url_rule(SEEN_BY_VIEW, "test_only_outage", _failing_view)
    app._got_first_request = first
    connected = Connected(lms, padu, populate(lms, padu))
    browser, page = connected.launch("4")
    assert page.status_code == 200

    answer = browser.session.get(padu.url + SEEN_BY_VIEW)

    assert answer.status_code == 503, answer.text[:300]
    assert answer.headers["Retry-After"] == "10"
    assert "Padu sedang tidak tersedia sebentar" in answer.text
    assert "frame-ancestors" in answer.headers["Content-Security-Policy"]
