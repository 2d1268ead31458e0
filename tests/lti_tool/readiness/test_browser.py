"""The real probe in a real browser, and the learner's pages checked with axe-core.

The LTI launch runs with the requests-based browser (the test platform's
auth flow); its final URL carries the session token (``s=``), so Chromium
continues from there exactly as Moodle's iframe would.
"""

from __future__ import annotations

import pytest

from tests.browser_support import serious_violations

from .helpers import BUDI, GOOD_DEVICE, PDF, TEACHER, attempts, instrument, set_up_readiness

pytestmark = pytest.mark.browser


def fid(name: str) -> str:
    return name.replace(".", "-").replace("_", "-")


def no_serious_violations(page, where: str) -> None:
    found = serious_violations(page)
    assert not found, f"{where}: " + "; ".join(f"{v['id']}: {v['help']}" for v in found)


def test_the_probe_runs_in_the_page_and_the_pages_pass_axe(connected, chromium_context, tmp_path):
    activity_id = set_up_readiness(connected, find_code="PADU2026")
    _requests_browser, intro = connected.launch(BUDI)
    page = chromium_context.new_page()
    page.set_default_timeout(60_000)
    page.goto(intro.url)
    no_serious_violations(page, "intro")

    page.get_by_role("button").first.click()
    page.wait_for_url("**/readiness/device**")
    no_serious_violations(page, "device")
    run = page.locator("#probe-run")
    assert run.is_visible()  # hidden without JavaScript, shown by probe.js
    run.click()
    page.wait_for_selector('#probe[data-state="saved"]', timeout=60_000)
    assert page.locator("#probe-status").inner_text().strip()
    # The button offers another run, and the result stays on the page.
    assert run.inner_text().strip() == "Jalankan pemeriksaan lagi"
    assert page.locator("#probe-summary").is_visible() and page.locator("#probe-summary").inner_text().strip()
    [attempt] = attempts(connected, activity_id, BUDI)
    probe = attempt.probe
    assert probe is not None
    assert probe["download_kbps"] and probe["download_kbps"] > 0
    assert probe["upload_kbps"] and probe["upload_kbps"] > 0
    assert probe["samples"] >= 5 and probe["latency_ms"] is not None and probe["jitter_ms"] is not None
    assert probe["screen_width"] > 0 and "Chrome" in probe["user_agent"]
    no_serious_violations(page, "device after the probe")

    for name, value in GOOD_DEVICE.items():
        for option in value if isinstance(value, list) else [value]:
            page.check(f"#{fid(name)}-{fid(option)}")
    page.locator('form button[type="submit"]').click()
    for number, area in enumerate(instrument().areas):
        page.wait_for_url(f"**/skills/{area.id}**")
        if number == 0:
            no_serious_violations(page, "skills")
        page.check(f"#{fid(area.self_rating.id)}-4")
        for item in area.items:
            page.check(f"#{fid(item.id)}-{item.answer}")
        page.locator('form button[type="submit"]').click()

    page.wait_for_url("**/readiness/lms**")
    no_serious_violations(page, "lms")
    upload = tmp_path / "surat.pdf"
    upload.write_bytes(PDF)
    page.set_input_files("#file", str(upload))
    page.locator("#upload button[type=submit]").click()
    page.wait_for_selector("#upload .done")
    page.fill("#code", "padu2026")
    page.locator("#find-code button[type=submit]").click()
    page.wait_for_selector("#find-code .done")
    no_serious_violations(page, "lms after the tasks")

    page.locator('a[href*="/readiness/review"]').last.click()
    page.wait_for_url("**/readiness/review**")
    no_serious_violations(page, "review")
    page.locator('form[action*="/readiness/submit"] button').click()
    page.wait_for_url("**/readiness/result**")
    no_serious_violations(page, "result")
    assert page.locator(".badge").first.inner_text().strip() in ("Siap", "Siap dengan pendampingan", "Belum siap")
    [attempt] = attempts(connected, activity_id, BUDI)
    assert attempt.is_submitted and attempt.probe["download_kbps"] > 0

    # The staff pages too: the cohort (its chart is a table) and the settings form showing errors.
    _teacher, cohort = connected.launch(TEACHER)
    page.goto(cohort.url)
    no_serious_violations(page, "cohort")
    page.goto(cohort.url.replace("/readiness/cohort", "/readiness/settings"))
    page.fill("#max-attempts", "lots")
    page.fill("#find-code", "ab")
    page.locator('form[action*="/readiness/settings"] button[type=submit]').click()
    page.wait_for_selector("#max-attempts-error")
    no_serious_violations(page, "settings with errors")
