"""The learner's journey and the facilitator's override dialog in a real browser, checked by axe-core.

The LTI launches go over HTTP with the requests-based browser; chromium then opens
each person's landing URL, which carries their launch session token.
"""

from __future__ import annotations

import pytest

from tests.browser_support import serious_violations

from .conftest import BUDI, RAHMAT

pytestmark = pytest.mark.browser

TIMEOUT = 15000


def test_the_journey_and_the_override_dialog(course, chromium_context):
    budi_link = course.user(BUDI, "mandiri").landing.url
    rahmat_link = course.user(RAHMAT, "mandiri").landing.url

    learner = chromium_context.new_page()
    learner.goto(budi_link)
    assert learner.locator("h1").inner_text() == "Perjalanan belajar Anda"
    assert "Anda berada di: Pembelajaran Mandiri" in learner.content()
    assert learner.locator(".phase").count() == 3
    assert serious_violations(learner) == []

    coach = chromium_context.new_page()
    coach.goto(rahmat_link)
    assert coach.locator("svg[role=img] title").count() == 1
    assert serious_violations(coach) == []
    with coach.expect_navigation(timeout=TIMEOUT):
        coach.click("table a:has-text('Budi Santoso')")
    dialog = coach.locator("details.dialog", has_text="Selesaikan fase ini").first
    dialog.locator("summary").click()
    # Only spaces: the browser's "required" lets it through; Padu says to give a reason.
    dialog.locator("textarea").fill("   ")
    with coach.expect_navigation(timeout=TIMEOUT):
        dialog.locator("button[type=submit]").click()
    assert coach.title().startswith("Galat:")
    assert coach.locator("#error-summary").is_visible()
    assert coach.evaluate("document.activeElement.id") == "error-summary"
    assert serious_violations(coach) == []

    dialog = coach.locator("details.dialog[open]").first
    dialog.locator("textarea").fill("Pengakuan pembelajaran lampau")
    with coach.expect_navigation(timeout=TIMEOUT):
        dialog.locator("button[type=submit]").click()
    assert "Fase diselesaikan untuk peserta ini." in coach.content()
    assert serious_violations(coach) == []

    learner.reload()
    assert "Anda berada di: Pembelajaran Jarak Jauh" in learner.content()
    assert serious_violations(learner) == []
