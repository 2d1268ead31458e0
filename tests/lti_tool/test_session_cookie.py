"""The cookie is only a fallback; behind an HTTPS proxy it must be SameSite=None; Secure,
the only kind a browser sends inside a cross-site iframe. A page sets it only where it is
missing or stale, never again where the browser sent this very cookie."""

from lti_tool.sessions import COOKIE_NAME
from tests.lms import TestPlatform
from tests.lti_tool.conftest import Connected, populate
from tests.padu_server import PaduServer


def _landing(tmp_path, **settings):
    """The Set-Cookie of the landing page reached again by its ``?s=`` alone, as inside an
    iframe whose browser refused the launch's cookie."""
    lms = TestPlatform().start()
    padu = PaduServer(tmp_path / "padu", **settings).start()
    try:
        browser, page = Connected(lms, padu, populate(lms, padu)).launch("4")
        browser.session.cookies.clear()
        again = browser.session.get(page.url, headers={"X-Forwarded-Proto": "https"})
        return again.headers.get("Set-Cookie", "")
    finally:
        padu.stop()
        lms.stop()


def test_behind_an_https_proxy_the_cookie_is_samesite_none_and_secure(tmp_path):
    cookie = _landing(tmp_path, proxy_count=1)
    assert "padu_s=" in cookie and "Secure" in cookie and "SameSite=None" in cookie and "HttpOnly" in cookie


def test_forwarded_headers_are_ignored_without_a_trusted_proxy(tmp_path):
    cookie = _landing(tmp_path)
    assert "padu_s=" in cookie and "Secure" not in cookie and "SameSite=Lax" in cookie


def test_a_page_sent_the_sessions_own_cookie_sets_none(connected):
    browser, page = connected.launch("4")
    cookie = browser.session.cookies.get(COOKIE_NAME)
    assert cookie and cookie in page.url  # the launch set it, for the token the page carries
    for url in (page.url, page.url.split("?")[0]):  # by ?s= and the cookie, and by the cookie alone
        again = browser.session.get(url)
        assert again.status_code == 200 and "Budi" in again.text
        assert COOKIE_NAME not in again.headers.get("Set-Cookie", ""), url
    assert browser.session.cookies.get(COOKIE_NAME) == cookie


def test_a_page_reached_by_its_token_without_a_cookie_sets_it(connected):
    browser, page = connected.launch("4")
    cookie = browser.session.cookies.get(COOKIE_NAME)
    browser.session.cookies.clear()
    again = browser.session.get(page.url)
    assert again.status_code == 200 and f"{COOKIE_NAME}={cookie}" in again.headers.get("Set-Cookie", "")
    assert browser.session.cookies.get(COOKIE_NAME) == cookie


def test_a_page_replaces_a_cookie_of_the_same_persons_other_session(connected):
    first, _first_page = connected.launch("4")
    older = first.session.cookies.get(COOKIE_NAME)
    second, second_page = connected.launch("4")  # another browser (a second tab's window, say)
    newer = second.session.cookies.get(COOKIE_NAME)
    assert older and newer and older != newer
    followed = first.session.get(second_page.url)  # the older cookie, the newer session's ?s=
    assert followed.status_code == 200
    assert f"{COOKIE_NAME}={newer}" in followed.headers.get("Set-Cookie", "")
    assert first.session.cookies.get(COOKIE_NAME) == newer
