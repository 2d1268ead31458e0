"""Inside Moodle's iframe, on another site, with third-party cookies blocked, Padu still works.

The course page is on ``localhost``; Moodle's launch page, Padu and the LMS run
on ``127.0.0.1`` — a different site, so the iframe is a third-party context
and the browser refuses Padu's cookies there. The launch and a second page
(a POST with its CSRF token) must succeed on the session token alone.

As in a real Moodle, the course page is at the platform's issuer (its
``wwwroot``): Padu's ``frame-ancestors`` allows the issuer's origin only.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.browser_support import serious_violations
from tests.lti_tool.conftest import Connected, populate

pytestmark = pytest.mark.browser


@pytest.fixture
def connected(lms, padu):
    lms.issuer = "http://localhost:" + lms.url.rsplit(":", 1)[1]
    return Connected(lms, padu, populate(lms, padu))


def _course_page(connected, user_id: str) -> str:
    launch = connected.lms.url + "/mod/lti/launch.php?" + urlencode({
        "client_id": connected.client_id, "user_id": user_id, "resource_link_id": "1",
        "target_link_uri": connected.padu.url + "/lti/launch", "login_url": connected.padu.url + "/lti/login",
    })
    return connected.lms.issuer + "/course/view.php?" + urlencode({"frame": launch})


def test_a_teacher_sets_up_an_activity_inside_a_cross_site_iframe(connected, chromium_context):
    page = chromium_context.new_page()
    page.goto(_course_page(connected, "3"))
    frame = page.frame_locator("#tool")
    frame.locator("input[name=kind]").first.wait_for(timeout=15000)
    assert frame.locator("text=Siti Rahmawati").count() >= 1
    frame.locator("input[name=kind][value=coaching]").check()
    tool_frame = page.frame(url=lambda url: url.startswith(connected.padu.url))
    frame.locator("button[type=submit]").click()
    # The setup page has an h1 too: wait for the frame to have navigated to the activity, loaded.
    tool_frame.wait_for_url(lambda url: "/a/" in url and "setup" not in url, timeout=15000)
    frame.locator("h1").first.wait_for(timeout=15000)
    text = frame.locator("body").inner_text(timeout=15000)  # a locator waits out a navigation; content() does not
    assert "Kode: csrf" not in text and "Code: csrf" not in text
    cookies = [c for c in chromium_context.cookies() if c["domain"] == "127.0.0.1" and c["name"] == "padu_s"]
    assert cookies == [], "the browser was expected to refuse Padu's cookie in the third-party iframe"


def test_a_learner_reaches_the_activity_inside_the_iframe(connected, chromium_context):
    with connected.padu.session() as db:
        from activities.core import Activity
        from lti_tool.activity_types import get

        connected.launch("3")
        activity = db.query(Activity).one()
        activity.kind = "coaching"
        activity.settings = get("coaching").default_settings()
        db.commit()
    page = chromium_context.new_page()
    page.goto(_course_page(connected, "4"))
    page.frame_locator("#tool").locator("h1").first.wait_for(timeout=15000)
    tool_frame = page.frame(url=lambda url: url.startswith(connected.padu.url))
    assert "Budi Santoso" in tool_frame.content()
    # axe runs on the top document, so check the same page opened on its own.
    direct = chromium_context.new_page()
    direct.goto(tool_frame.url)
    assert serious_violations(direct) == []
