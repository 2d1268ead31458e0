"""A learner and their coach in a real browser: hand in, revision, hand in again, acceptance.

The LTI launches go over HTTP with the requests-based browser; chromium then
opens each person's landing URL, which carries their launch session token.
axe-core checks the learner's page and the review page.
"""

from __future__ import annotations

import pytest

from tests.browser_support import serious_violations

from .conftest import PDF

pytestmark = pytest.mark.browser

TIMEOUT = 15000


def _hand_in(page, reflection: str, filename: str) -> None:
    page.fill("#reflection", reflection)
    page.set_input_files("#files", files=[{"name": filename, "mimeType": "application/pdf", "buffer": PDF}])
    with page.expect_navigation(timeout=TIMEOUT):
        page.click("form[action*='/submit'] button[type=submit]")


def _open_review(page, queue_url: str) -> None:
    page.goto(queue_url)
    with page.expect_navigation(timeout=TIMEOUT):
        page.click("table a:has-text('Budi Santoso')")
    page.wait_for_selector("#feedback", timeout=TIMEOUT)


def test_a_learner_and_coach_go_through_revision_to_acceptance(task, chromium_context):
    learner = chromium_context.new_page()
    learner.goto(task.budi.landing.url)
    assert learner.locator("h1").inner_text() == "Aktualisasi nilai BerAKHLAK di unit kerja"

    # The page's script says at once that a file is over the task's 1 MB, before any upload.
    learner.set_input_files("#files", files=[{"name": "besar.pdf", "mimeType": "application/pdf",
                                              "buffer": PDF + b"\0" * (1024 * 1024)}])
    assert "besar.pdf" in learner.eval_on_selector("#files", "input => input.validationMessage")
    _hand_in(learner, "Saya menyusun SOP pelayanan di loket.", "sop.pdf")
    assert learner.locator(".badge-warn").first.is_visible()
    task.drain()  # each step reaches Moodle before the next replaces it

    coach = chromium_context.new_page()
    _open_review(coach, task.rahmat.landing.url)
    assert "Saya menyusun SOP pelayanan di loket." in coach.content()
    assert serious_violations(coach) == []
    coach.fill("#feedback", "Lampirkan foto kegiatan dan ukur waktu tunggu.")
    with coach.expect_navigation(timeout=TIMEOUT):
        coach.click("button[name=decision][value=revise]")
    task.drain()

    learner.reload()
    assert "Lampirkan foto kegiatan" in learner.content()
    assert learner.input_value("#reflection") == "Saya menyusun SOP pelayanan di loket."
    assert serious_violations(learner) == []
    _hand_in(learner, "Saya menyusun SOP dan mengukur waktu tunggu: turun 40 persen.", "sop-revisi.pdf")
    task.drain()

    _open_review(coach, task.rahmat.landing.url)
    assert "turun 40 persen" in coach.content()
    coach.check("#level-c1-l3")
    coach.check("#level-c2-l2")
    coach.fill("#feedback", "Bagus sekali.")
    with coach.expect_navigation(timeout=TIMEOUT):
        coach.click("button[name=decision][value=accept]")

    learner.reload()
    assert learner.locator(".badge-ok").first.is_visible()
    assert "100 / 100" in learner.content()
    assert learner.locator("form[action*='/submit']").count() == 0

    task.drain()
    assert [progress for progress, _grading, _score in task.scores_of("4")] == [
        "Submitted", "InProgress", "Submitted", "Completed"]


def test_the_staff_settings_page_has_no_serious_accessibility_problem(task, chromium_context):
    page = chromium_context.new_page()
    page.goto(task.teacher.url(task.path("/settings")) + "?s=" + task.teacher.token)
    page.wait_for_selector("#rubric_rows", timeout=TIMEOUT)
    assert serious_violations(page) == []
