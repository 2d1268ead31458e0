"""Playwright driving Debian's chromium (no browser download), and axe-core checks."""

from __future__ import annotations

import json
import os
import shutil

import pytest

CHROMIUM = os.environ.get("PADU_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]


def _require_chromium():
    if shutil.which(CHROMIUM) or os.path.exists(CHROMIUM):
        return
    message = f"{CHROMIUM} is missing: apt-get install chromium"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def chromium_context(tmp_path):  # registered in tests/conftest.py
    """A browser context that blocks third-party cookies, as Safari and Chrome's
    tracking protection do: what Padu meets inside Moodle's iframe."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    profile = tmp_path / "chromium-profile"
    (profile / "Default").mkdir(parents=True)
    (profile / "Default" / "Preferences").write_text(
        json.dumps({"profile": {"block_third_party_cookies": True, "cookie_controls_mode": 1}})
    )
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, headless=True, args=ARGS, locale="id-ID",
        )
        yield context
        context.close()


def serious_violations(page) -> list[dict]:
    """axe-core violations of impact serious or critical on the page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
