"""PostgreSQL away: Padu answers its own 503 page with Retry-After, and recovers without a restart.

Padu reaches the real PostgreSQL through a TCP proxy the test cuts
(``tests/tcp_proxy.py``): every pooled connection dies and new ones are
refused, as during a restart, while the shared server keeps running.
"""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
import requests
from sqlalchemy.engine import make_url

from tests.lms import LtiBrowser
from tests.lms.forms import first_form
from tests.lti_tool.conftest import Connected, populate
from tests.padu_server import PaduServer
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres


def through(proxy_target_url: str) -> tuple[TcpProxy, str]:
    """A proxy in front of the URL's server, and the same URL pointed at the proxy."""
    url = make_url(proxy_target_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    return proxy, url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)


def assert_padu_503(answer: requests.Response) -> None:
    assert answer.status_code == 503, answer.text[:500]
    assert answer.headers["Retry-After"] == "10"
    assert "text/html" in answer.headers["Content-Type"]
    assert "Padu sedang tidak tersedia sebentar" in answer.text  # Indonesian first
    assert "frame-ancestors" in answer.headers["Content-Security-Policy"]


@pytest.fixture
def proxied(tmp_path, lms, postgres_url):
    proxy, url = through(postgres_url)
    padu = PaduServer(tmp_path / "padu", database_url=url).start()
    yield proxy, padu, Connected(lms, padu, populate(lms, padu))
    padu.stop()
    proxy.stop()


def test_database_away_answers_503_and_padu_recovers_without_restart(proxied, lms):
    proxy, padu, connected = proxied
    lms.launch_presentation = {"document_target": "window"}  # a phone: the page must lead back itself
    browser, page = connected.launch("4")
    assert page.status_code == 200
    landing = page.url
    # A second learner is half-way: logged in, the platform's id_token in hand.
    pending = LtiBrowser()
    action, fields = pending.login_and_authorize(lms, connected.client_id, "5", resource_link_id="1",
                                                 tool_login_url=padu.url + "/lti/login",
                                                 target_link_uri=padu.url + "/lti/launch")
    back = f"{lms.url}/mod/lti/return.php?course=2"

    proxy.cut()

    assert_padu_503(browser.session.get(landing))  # the launch session cannot even be read
    answer = pending.session.post(action, data=fields, allow_redirects=False)  # the launch cannot be checked
    assert_padu_503(answer)
    assert back in answer.text, "the way back comes from the launch, on a platform this process knows"
    # A login needs no database (its state is signed, its platform cached by this process): it
    # redirects to the platform, and its launch goes through once the database is back.
    late = LtiBrowser()
    late_action, late_fields = late.login_and_authorize(lms, connected.client_id, "5", resource_link_id="1",
                                                        tool_login_url=padu.url + "/lti/login",
                                                        target_link_uri=padu.url + "/lti/launch")
    health = requests.get(padu.url + "/healthz")
    assert health.status_code == 503
    assert health.json() == {"status": "error", "database": "unreachable", "redis": "none"}
    english = browser.session.get(landing, params={"lang": "en"})
    assert english.status_code == 503 and "Padu is briefly unavailable" in english.text

    proxy.restore()

    # The same Padu, not restarted: the dead pooled connections are replaced.
    assert requests.get(padu.url + "/healthz").status_code == 200
    assert browser.session.get(landing).status_code == 200
    # The launch refused during the outage consumed nothing: sent again, it goes through.
    resumed = pending.session.post(action, data=fields)
    assert resumed.status_code == 200, resumed.text[:500]
    launched_late = late.session.post(late_action, data=late_fields)
    assert launched_late.status_code == 200, launched_late.text[:500]
    _browser, again = connected.launch("5")
    assert again.status_code == 200



def _launch_until_stopped(connected: Connected, user: str, stop: threading.Event, seen: Counter,
                          wrong: list[str]) -> None:
    """Launch after launch, as the platform's browser would, counting every answer Padu gives."""
    padu, lms = connected.padu, connected.lms

    def check(answer: requests.Response, expected: int, step: str) -> bool:
        seen[(step, answer.status_code)] += 1
        if answer.status_code == expected:
            return True
        if answer.status_code != 503 or answer.headers.get("Retry-After") != "10" \
                or "Padu sedang tidak tersedia sebentar" not in answer.text:
            wrong.append(f"{step}: HTTP {answer.status_code} {answer.text[:200]!r}")
        return False

    while not stop.is_set():
        browser = requests.Session()
        fields = lms.login_initiation_form(connected.client_id, user, padu.url + "/lti/launch", resource_link_id="1")
        answer = browser.post(padu.url + "/lti/login", data=fields, allow_redirects=False, timeout=30)
        if not check(answer, 302, "login"):
            continue
        form = first_form(browser.get(answer.headers["Location"], timeout=30).text, "ltiAuthForm")
        answer = browser.post(form["action"], data=form["fields"], allow_redirects=False, timeout=30)
        if answer.status_code == 303:  # its first page was not made (the outage met it): the browser asks
            seen[("launch", 303)] += 1
            check(browser.get(padu.url + answer.headers["Location"], timeout=30), 200, "page")
        elif check(answer, 200, "launch"):  # the launch answered with its first page (first_page.py)
            seen[("page", 200)] += 1


@pytest.mark.slow
def test_database_restart_under_load_gives_503_pages_never_a_500(tmp_path, lms, postgres_url):
    """gunicorn with two workers, launches in flight from four browsers, the database
    gone for two seconds: every answer is a success or Padu's 503 page, and Padu
    serves again afterwards without a restart."""
    from tests.lti_tool.test_processes import ProcessPadu

    proxy, url = through(postgres_url)
    padu = ProcessPadu(tmp_path, workers=2, database_url=url)
    stop, seen, wrong = threading.Event(), Counter(), []
    try:
        connected = Connected(lms, padu, populate(lms, padu))
        for user in ("3", "4", "5"):  # course, people and memberships exist before the load
            assert connected.launch(user)[1].status_code == 200
        browsers = [threading.Thread(target=_launch_until_stopped, args=(connected, user, stop, seen, wrong))
                    for user in ("3", "4", "5", "4")]
        for thread in browsers:
            thread.start()
        time.sleep(2)
        proxy.cut()
        time.sleep(2)
        _wait_until(lambda: _outage_answers(seen) > 0, seconds=20)  # a loaded machine answers late
        proxy.restore()
        served = seen[("page", 200)]
        _wait_until(lambda: seen[("page", 200)] > served, seconds=30)  # served again, no restart
        stop.set()
        for thread in browsers:
            thread.join(60)
        outage = _outage_answers(seen)
        print("answers:", dict(seen))
        assert not wrong, (wrong[:5], padu.log_tail())
        assert outage > 0, "no request met the outage; the test proves nothing"
        assert seen[("page", 200)] > 0
        for user in ("3", "4", "5"):  # recovered, the same processes
            _browser, page = connected.launch(user)
            assert page.status_code == 200
    finally:
        stop.set()
        padu.stop()
        proxy.stop()



def _outage_answers(seen: Counter) -> int:
    return sum(count for (_step, status), count in list(seen.items()) if status == 503)


def _wait_until(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)


@pytest.mark.browser
def test_the_503_page_at_390_px_has_no_serious_accessibility_problem(proxied, chromium_context):
    from tests.browser_support import serious_violations

    proxy, _padu, connected = proxied
    _browser, page = connected.launch("4")
    proxy.cut()
    try:
        tab = chromium_context.new_page()
        tab.set_viewport_size({"width": 390, "height": 844})
        answer = tab.goto(page.url)
        assert answer is not None and answer.status == 503
        assert tab.locator("h1").inner_text() == "Padu sedang tidak tersedia sebentar"
        found = serious_violations(tab)
        assert not found, "; ".join(f"{v['id']}: {v['help']}" for v in found)
    finally:
        proxy.restore()
