"""A launch in the whole window, as Moodle opens Padu on a phone, in a real Chromium: the launch
answers with the page (``first_page.py``), whose line of script, allowed by the page's
Content-Security-Policy, puts the page's own address in the address bar; a reload then asks
for the page again instead of posting the used id_token a second time."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from tests.browser_support import serious_violations
from tests.lti_tool.conftest import Connected

pytestmark = pytest.mark.browser


def _launch_page(connected: Connected, user_id: str) -> str:
    """Moodle's launch page, which sends the browser on to Padu's login by itself."""
    return connected.lms.url + "/mod/lti/launch.php?" + urlencode({
        "client_id": connected.client_id, "user_id": user_id, "resource_link_id": "1",
        "target_link_uri": connected.padu.url + "/lti/launch", "login_url": connected.padu.url + "/lti/login",
    })


def test_a_whole_window_launch_shows_the_page_s_address_and_reloads_it(connected, chromium_context):
    connected.lms.launch_presentation = {"document_target": "window"}  # as Moodle says on a phone
    page = chromium_context.new_page()
    refused_by_policy: list[str] = []
    page.on("console", lambda message: refused_by_policy.append(message.text)
            if "Content Security Policy" in message.text else None)
    launch_posts = []
    page.on("request", lambda request: launch_posts.append(request.method)
            if request.url == connected.padu.url + "/lti/launch" else None)
    page.goto(_launch_page(connected, "4"))
    page.wait_for_url(lambda url: url.startswith(connected.padu.url + "/a/"), timeout=15000)
    page.locator("h1").first.wait_for(timeout=15000)
    assert refused_by_policy == []
    assert launch_posts == ["POST"]
    shown = page.url
    assert "s=" in shown  # the launch session rides in the address, as in every link Padu renders
    heading = page.locator("h1").first.inner_text()
    # Outside Moodle's frame, the page's way back to the course (the launch's return URL).
    assert page.locator("a.back").get_attribute("href").startswith(connected.lms.url + "/mod/lti/return.php")

    reloaded = page.reload()
    assert reloaded is not None and reloaded.request.method == "GET" and reloaded.status == 200
    assert page.url == shown and page.locator("h1").first.inner_text() == heading
    assert page.locator("a.back").count() == 1
    assert launch_posts == ["POST"]  # the id_token was not posted again
    assert serious_violations(page) == []
