"""The course dashboard in a real browser, on a phone's width and a desktop's, checked by axe-core:
the teacher's dashboard (risks, funnel, learner table, workload, grade sync), filtering it, and a
learner's "course dashboard" link showing their journey.

The LTI launches go over HTTP with the requests-based browser; chromium then opens each person's
landing URL, which carries their launch session token.
"""

from __future__ import annotations

import pytest

from tests.browser_support import serious_violations

from ..gating.conftest import DEWI, RAHMAT, TEACHER
from .conftest import DASHBOARD_LINK

pytestmark = pytest.mark.browser

TIMEOUT = 15000


def test_the_dashboard_and_the_learners_journey(course, chromium_context):
    _browser, staff_landing = course.connected.launch(TEACHER, DASHBOARD_LINK)
    course.drain()  # the roster the first visit asked for
    page = chromium_context.new_page()
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(staff_landing.url + "&fresh=1")
    assert page.locator("h1").inner_text() == "Dashboard kursus"
    assert page.locator("figure.funnel svg[role=img] title").count() == 1
    assert page.locator("table.learners tbody tr").count() == 3  # Budi, Dewi, and Sri from Moodle's roster
    assert page.locator("#risk-heading").is_visible()
    # The page fits a phone: only the tables scroll sideways, inside their own regions.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375 + 1
    assert serious_violations(page) == []

    page.fill("#f-q", "dewi")
    with page.expect_navigation(timeout=TIMEOUT):
        page.click("form.filters button[type=submit]")
    assert page.locator("table.learners tbody tr").count() == 1
    assert "Dewi Lestari" in page.locator("table.learners").inner_text()
    assert serious_violations(page) == []

    page.set_viewport_size({"width": 1280, "height": 900})
    coach = chromium_context.new_page()
    coach.goto(course.user(RAHMAT, "coaching").landing.url)
    with coach.expect_navigation(timeout=TIMEOUT):
        coach.click("a.dashboard-link")
    assert coach.locator("nav.tabs a[aria-current=page]").inner_text() == "Peserta bimbingan saya"
    assert serious_violations(coach) == []

    _browser, learner_landing = course.connected.launch(DEWI, DASHBOARD_LINK)
    learner = chromium_context.new_page()
    learner.set_viewport_size({"width": 375, "height": 800})
    learner.goto(learner_landing.url)
    assert learner.locator("h1").inner_text() == "Perjalanan belajar Anda"
    assert learner.locator("a.dashboard-link").count() == 0
    assert serious_violations(learner) == []
