"""The probe page a learner opens on a phone stays under 100 KB, test payloads aside."""

from __future__ import annotations

import re
from urllib.parse import urljoin

from lti_tool.first_page import SCRIPT

from .helpers import BUDI, set_up_readiness, start_attempt

LIMIT = 100 * 1024


def test_the_probe_page_and_its_assets_weigh_under_100_kb(connected):
    set_up_readiness(connected)
    browser, intro = connected.launch(BUDI)
    page = start_attempt(browser, intro)
    assert "/readiness/device" in page.url
    assets = re.findall(r'<(?:link rel="stylesheet" href|script src)="([^"]+)"', page.text)
    assert any(re.search(r"/probe\.[0-9a-f]{12}\.js$", a) for a in assets)
    assert any(re.search(r"/readiness\.[0-9a-f]{12}\.css$", a) for a in assets)
    assert not re.search(r"<(?:img|iframe|video|audio)\b", page.text)
    total = len(page.content)
    for asset in assets:
        response = browser.session.get(urljoin(page.url, asset))
        assert response.status_code == 200
        total += len(response.content)
    assert total < LIMIT, f"{total} bytes"


def test_the_pages_carry_no_inline_script_or_style(connected):
    """But the launch's page, which names itself in the history with one line of script, the
    one inline script the policy allows, by its hash (``first_page.py``)."""
    set_up_readiness(connected)
    browser, intro = connected.launch(BUDI)
    page = start_attempt(browser, intro)
    inline = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>([^<]*)</script>")
    assert inline.findall(intro.text) == [SCRIPT]
    for html in (inline.sub("", intro.text, count=1), page.text):
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
        assert "<style" not in html and " style=" not in html and " onclick=" not in html
