"""Check-in on a phone-sized screen and the facilitator's roster grid in a real browser (Debian's
chromium), checked by axe-core; the grid's one tap saves without leaving the page."""

from __future__ import annotations

import pytest

from tests.browser_support import serious_violations

from .conftest import BUDI, CODE, DEWI, RAHMAT

pytestmark = pytest.mark.browser

TIMEOUT = 15000
PHONE = {"width": 360, "height": 740}


def test_a_learner_checks_in_on_a_phone_and_the_facilitator_marks_the_grid(meeting_course, chromium_context):
    gated, mid = meeting_course.gated, meeting_course.meeting_id
    rahmat = gated.user(RAHMAT, "mandiri")

    screen = chromium_context.new_page()
    screen.goto(rahmat.url(meeting_course.meetings(f"/{mid}/live")) + f"?s={rahmat.token}")
    code = screen.locator(".live-code").inner_text()
    assert CODE.search(f'class="live-code">{code}<')
    assert screen.locator(".live-qr svg[role=img] title").count() == 1
    assert serious_violations(screen) == []

    phone = chromium_context.new_page()
    phone.set_viewport_size(PHONE)
    phone.goto(gated.user(BUDI, "mandiri").landing.url)
    box = phone.locator(f"#code-{mid}")
    assert box.is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert serious_violations(phone) == []

    box.fill("AAAAAA")
    with phone.expect_navigation(timeout=TIMEOUT):
        phone.get_by_role("button", name="Presensi").click()
    assert phone.title().startswith("Galat:")
    assert phone.evaluate("document.activeElement.id") == "error-summary"
    assert serious_violations(phone) == []

    phone.locator(f"#code-{mid}").fill(code.lower())
    with phone.expect_navigation(timeout=TIMEOUT):
        phone.get_by_role("button", name="Presensi").click()
    assert "Kehadiran Anda tercatat: Hadir." in phone.content()
    assert serious_violations(phone) == []

    grid = chromium_context.new_page()
    grid.set_viewport_size(PHONE)
    grid.goto(rahmat.url(meeting_course.meetings(f"/{mid}")) + f"?s={rahmat.token}")
    assert serious_violations(grid) == []
    dewi = grid.locator(f"#learner-{gated.person_id(DEWI)}")
    dewi.get_by_role("button", name="Izin").click()  # saved by the page's script, no navigation
    grid.locator(f"#learner-{gated.person_id(DEWI)} button[value=excused][aria-pressed=true]").wait_for(
        timeout=TIMEOUT)
    assert "Izin: 1" in grid.locator("#counts").inner_text()
    with grid.expect_navigation(timeout=TIMEOUT):
        grid.get_by_role("button", name="Tandai hadir semua yang belum tercatat").click()
    assert grid.locator("button[aria-pressed=true]").count() == grid.locator(".roster-row").count()
    assert serious_violations(grid) == []
    screen.reload()
    assert "dari" in screen.locator(".live-count").inner_text()


def test_cancelling_a_meeting_on_a_phone_asks_for_confirmation_and_learners_see_it_cancelled(meeting_course,
                                                                                            chromium_context):
    gated, mid = meeting_course.gated, meeting_course.meeting_id
    rahmat = gated.user(RAHMAT, "mandiri")
    page = chromium_context.new_page()
    page.set_viewport_size(PHONE)
    page.goto(rahmat.url(meeting_course.meetings(f"/{mid}/cancel")) + f"?s={rahmat.token}")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert serious_violations(page) == []
    page.get_by_label("Alasan (tampil di log audit)").fill("Libur nasional")
    page.get_by_label("Ya, batalkan pertemuan ini").check()
    with page.expect_navigation(timeout=TIMEOUT):
        page.get_by_role("button", name="Batalkan pertemuan").click()
    assert "dibatalkan" in page.content()
    assert serious_violations(page) == []

    phone = chromium_context.new_page()
    phone.set_viewport_size(PHONE)
    phone.goto(gated.user(BUDI, "mandiri").landing.url)
    card = phone.locator(f"#meeting-{mid}")
    assert "Dibatalkan" in card.inner_text() and phone.locator(f"#code-{mid}").count() == 0
    assert serious_violations(phone) == []
