"""A launch answers with its first page (``first_page.py``): what that page is, and when the
launch answers with the 303 instead. End to end (real launches over HTTP) in test_launch.py,
test_launch_writes.py and test_first_page_browser.py; here the rules, in one process."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from flask import g, redirect, request

from lti_tool.app import create_app
from lti_tool.first_page import ENVIRON_KEY, MOST_REDIRECTS, SCRIPT, SCRIPT_HASH_SOURCE, first_page
from tests.lms.browser import as_shown
from tests.lti_tool.conftest import Connected

COOKIE = ("padu_s", "token")


@pytest.fixture
def app(settings):
    app = create_app(settings)

    @app.get("/test/hop/<int:n>")
    def hop(n: int):
        return redirect(f"/test/hop/{n - 1}") if n else ("the page", 200)

    @app.get("/test/away")
    def away():
        return redirect("https://elsewhere.example/page")

    @app.get("/test/seen")
    def seen():
        return {"method": request.method, "form": dict(request.form), "cookie": request.headers.get("Cookie"),
                "own_url": request.environ.get(ENVIRON_KEY), "launch_flag": g.get("launch_flag")}

    yield app
    app.extensions["padu"].engine.dispose()


def _in_a_launch(app, location: str):
    """``first_page(location)`` as the launch view calls it: inside the launch's POST."""
    with app.test_request_context("/lti/launch", method="POST", data={"id_token": "x", "state": "y"},
                                  headers={"Cookie": "someone_else=1", "Origin": "https://moodle.example"}):
        g.launch_flag = "the launch's own"
        return first_page(location, COOKIE)


def test_the_page_is_asked_for_as_the_browser_s_get_after_a_303_would_ask(app):
    """Nothing of the POST reaches the page: not its method, form, cookies or ``g``; the page
    gets the launch session's cookie, as the browser's GET would carry it, and its own URL."""
    answer = _in_a_launch(app, "/test/seen?s=token")
    assert answer is not None and answer.status_code == 200
    assert answer.get_json() == {"method": "GET", "form": {}, "cookie": "padu_s=token",
                                 "own_url": "/test/seen?s=token", "launch_flag": None}


def test_the_app_s_own_redirects_are_followed_to_the_page(app):
    answer = _in_a_launch(app, "/test/hop/2")
    assert answer is not None and answer.get_data(as_text=True) == "the page"


def test_anything_but_a_page_is_left_to_the_303(app):
    """More redirects than a launch's page makes, a redirect away from Padu, a 404: the launch
    answers with its 303 instead, and the browser meets what the page answers where a reload retries it."""
    assert _in_a_launch(app, f"/test/hop/{MOST_REDIRECTS + 1}") is None
    assert _in_a_launch(app, "/test/away") is None
    assert _in_a_launch(app, "/test/nowhere") is None


def test_the_policy_allows_the_page_s_one_line_of_script_and_no_other(app):
    """CSP Level 2 hash-source: the base64 SHA-256 of the script element's text, exactly."""
    digest = base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
    assert SCRIPT_HASH_SOURCE == f"'sha256-{digest}'"
    policy = app.test_client().get("/healthz").headers["Content-Security-Policy"]
    assert re.search(r"script-src 'self' 'sha256-[A-Za-z0-9+/=]+';", policy)
    assert SCRIPT_HASH_SOURCE in policy and "unsafe-inline" not in policy


def test_a_launch_answers_with_a_page_that_names_itself_in_the_history(connected: Connected):
    browser, landing = connected.launch("4")
    assert landing.status_code == 200 and landing.history == []  # no redirect after the launch POST
    scripts = re.findall(r"<script data-url=\"([^\"]+)\">([^<]*)</script>", landing.text)
    assert len(scripts) == 1 and scripts[0][1] == SCRIPT  # the exact text the policy's hash allows
    assert landing.url.startswith(connected.padu.url + "/a/")  # as_shown: the URL the script names
    # One cookie, the launch's: the page made for it saw that cookie already and set none of its own.
    assert [h.split("=", 1)[0] for h in landing.raw.headers.getlist("Set-Cookie")] == ["padu_s"]
    # A page asked for later, by its own address, carries no script: it answers no launch.
    again = as_shown(browser.session.get(landing.url))
    assert again.status_code == 200 and "history.replaceState" not in again.text
