"""The cookie is only a fallback; behind an HTTPS proxy it must be SameSite=None; Secure,
the only kind a browser sends inside a cross-site iframe."""

from tests.lms import TestPlatform
from tests.lti_tool.conftest import Connected, populate
from tests.padu_server import PaduServer


def _landing(tmp_path, **settings):
    lms = TestPlatform().start()
    padu = PaduServer(tmp_path / "padu", **settings).start()
    try:
        browser, page = Connected(lms, padu, populate(lms, padu)).launch("4")
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
