"""The page shell in a real browser at a phone's width: focus after a refused form,
axe-core on the wide staff tables, the way back to the course."""

from __future__ import annotations

import pytest

from tests.browser_support import serious_violations

from .coaching.conftest import task  # noqa: F401  (the fixture)
from .readiness.helpers import BUDI, TEACHER, complete_attempt, link, set_up_readiness

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
TIMEOUT = 30_000


def phone_page(chromium_context):
    page = chromium_context.new_page()
    page.set_viewport_size(PHONE)
    page.set_default_timeout(TIMEOUT)
    return page


def no_serious_violations(page, where: str) -> None:
    found = serious_violations(page)
    assert not found, f"{where}: " + "; ".join(f"{v['id']}: {v['help']}" for v in found)


def some_table_scrolls(page) -> bool:
    return page.evaluate("[...document.querySelectorAll('.table-wrap')].some(w => w.scrollWidth > w.clientWidth)")


def test_focus_lands_on_the_error_summary_after_a_refused_form(connected, chromium_context):
    set_up_readiness(connected)
    _browser, cohort = connected.launch(TEACHER)
    page = phone_page(chromium_context)
    page.goto(link(cohort, "/readiness/settings"))
    page.fill("#max-attempts", "lots")
    page.locator('form[action*="/readiness/settings"] button[type=submit]').click()
    page.wait_for_selector("#error-summary")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'error-summary'")
    assert page.title().startswith("Galat: ")
    assert page.evaluate("window.scrollY") == 0
    # Its link takes the learner to the field itself.
    page.locator('#error-summary a[href="#max-attempts"]').click()
    assert page.evaluate("document.activeElement.id") == "max-attempts"
    no_serious_violations(page, "settings with errors at 390 px")


def test_the_cohort_page_at_390_px_has_no_serious_accessibility_problem(connected, chromium_context):
    set_up_readiness(connected)
    complete_attempt(connected, BUDI, upload=False, probe=False)
    _browser, cohort = connected.launch(TEACHER)
    page = phone_page(chromium_context)
    page.goto(cohort.url)
    page.wait_for_selector("#cohort-count")
    assert some_table_scrolls(page), "no table is wider than the phone: the check would prove nothing"
    assert page.locator(".scroll-hint").first.is_visible()
    no_serious_violations(page, "cohort at 390 px")
    # The current tab is marked and looks different from the others.
    current = page.locator('nav.tabs a[aria-current="page"]')
    other = page.locator('nav.tabs a:not([aria-current])').first
    style = "e => getComputedStyle(e).borderBottomWidth + getComputedStyle(e).fontWeight"
    assert current.evaluate(style) != other.evaluate(style)


def test_the_coaching_overview_at_390_px_has_no_serious_accessibility_problem(task, chromium_context):  # noqa: F811
    page = phone_page(chromium_context)
    page.goto(task.teacher.url(task.path("/overview")) + "?s=" + task.teacher.token)
    page.wait_for_selector("#coaches-heading")
    assert some_table_scrolls(page)
    no_serious_violations(page, "coaching overview at 390 px")


def test_a_phone_launch_in_the_whole_window_can_go_back_to_the_course(connected, chromium_context):
    connected.lms.launch_presentation = {"document_target": "window"}
    set_up_readiness(connected)
    _browser, intro = connected.launch(BUDI)
    page = phone_page(chromium_context)
    page.goto(intro.url)
    back = page.get_by_role("link", name="Kembali ke kursus")
    assert back.is_visible()
    back.click()
    page.wait_for_url(connected.lms.url + "/mod/lti/return.php**")


def test_an_unknown_target_hides_the_link_when_framed(connected, chromium_context):
    connected.lms.launch_presentation = {"document_target": None}
    set_up_readiness(connected)
    _browser, intro = connected.launch(BUDI)
    page = phone_page(chromium_context)
    page.goto(intro.url)
    assert page.locator("a.back").is_visible()  # top level: shown
    # The same page inside a frame on Moodle's own origin (as Moodle embeds it; frame-ancestors
    # allows no other): the script hides the link.
    page.goto(connected.lms.url + "/")
    page.set_content(f'<iframe src="{intro.url}" width="380" height="800"></iframe>')
    frame = page.frame_locator("iframe")
    frame.locator("h1").wait_for()
    frame.locator("a.back").wait_for(state="hidden")
