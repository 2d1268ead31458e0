"""The page shell over HTTP: the way back to the course, the favicon, caching and
compression, error summaries, scrollable tables, band names marked Indonesian."""

from __future__ import annotations

import gzip
import html
import re
from pathlib import Path
from urllib.parse import urljoin

import pytest

from lti_tool.lti1p3.presentation import return_link, safe_return_url
from lti_tool.static_files import SOURCE

from .readiness.helpers import BUDI, TEACHER, link, post_form, set_up_readiness, start_attempt
from .readiness.test_staff import current_fields, settings_page

STATIC = Path(SOURCE)


def back_link(page) -> re.Match | None:
    return re.search(r'<a class="back" href="([^"]+)"([^>]*)>', page.text)


# -- the way back to the course ----------------------------------------------


def test_a_launch_in_a_whole_window_shows_the_way_back_on_every_page(connected):
    connected.lms.launch_presentation = {"document_target": "window"}
    set_up_readiness(connected)
    browser, intro = connected.launch(BUDI)
    device = start_attempt(browser, intro)
    for page in (intro, device):
        found = back_link(page)
        assert found, page.url
        assert html.unescape(found.group(1)) == connected.lms.url + "/mod/lti/return.php?course=2"
        assert "data-unless-framed" not in found.group(2)  # the server knows: no script needed
        assert "Kembali ke kursus" in page.text
    assert "framed." not in device.text


def test_a_launch_in_the_lms_iframe_shows_no_return_link(connected):
    assert connected.lms.launch_presentation == {}  # the platform's default: document_target "iframe"
    set_up_readiness(connected)
    _browser, intro = connected.launch(BUDI)
    assert intro.status_code == 200 and back_link(intro) is None


def test_without_a_document_target_the_link_is_left_for_a_script_to_hide_when_framed(connected):
    connected.lms.launch_presentation = {"document_target": None}
    set_up_readiness(connected)
    _browser, intro = connected.launch(BUDI)
    found = back_link(intro)
    assert found and "data-unless-framed" in found.group(2)
    assert re.search(r'<script src="[^"]*/static/framed\.[0-9a-f]{12}\.js"', intro.text)


@pytest.mark.parametrize("return_url", ["javascript:alert(document.domain)", "https://evil.example/mod/lti/return.php",
                                        "//evil.example/x", "data:text/html,hi"])
def test_a_return_url_off_the_platform_is_never_linked(connected, return_url):
    connected.lms.launch_presentation = {"document_target": "window", "return_url": return_url}
    set_up_readiness(connected)
    _browser, intro = connected.launch(BUDI)
    assert intro.status_code == 200 and back_link(intro) is None
    assert "evil.example" not in intro.text and "javascript:" not in intro.text


def test_only_http_urls_on_the_issuers_origin_are_return_urls():
    issuer = "https://lms.bpsdm.go.id"
    assert safe_return_url("https://lms.bpsdm.go.id/mod/lti/return.php?course=2", issuer)
    assert safe_return_url("https://LMS.bpsdm.go.id:443/mod/lti/return.php", issuer)
    for bad in ("http://lms.bpsdm.go.id/x", "https://lms.bpsdm.go.id:8443/x", "https://lms.bpsdm.go.id.evil.io/x",
                "javascript:alert(1)", "https://lms.bpsdm.go.id/x\njavascript:", "", None, 42,
                "https://lms.bpsdm.go.id:99999/x", "https://lms.bpsdm.go.id/" + "a" * 3000):
        assert safe_return_url(bad, issuer) is None, bad
    assert return_link("https://lms.bpsdm.go.id/r", issuer, "iframe") is None
    assert return_link("https://lms.bpsdm.go.id/r", issuer, "frame") is None
    assert return_link("https://lms.bpsdm.go.id/r", issuer, "window").top_level
    assert not return_link("https://lms.bpsdm.go.id/r", issuer, "").top_level


def test_the_favicon_is_served(padu):
    import requests

    icon = requests.get(padu.url + "/favicon.ico", timeout=10)
    assert icon.status_code == 200
    assert icon.headers["Content-Type"] in ("image/vnd.microsoft.icon", "image/x-icon")
    assert icon.content[:4] == b"\x00\x00\x01\x00"  # an ICO header
    assert "max-age" in icon.headers["Cache-Control"]


# -- caching and compression -----------------------------------------------------


def raw_get(session, url, encoding="gzip"):
    """The response and the bytes that crossed the wire (not decoded)."""
    response = session.get(url, headers={"Accept-Encoding": encoding}, stream=True)
    return response, response.raw.read(decode_content=False)


def test_static_files_have_hashed_names_a_year_of_immutable_cache_and_gzip(connected):
    set_up_readiness(connected)
    browser, intro = connected.launch(BUDI)
    device = start_attempt(browser, intro)
    css = re.search(r'href="([^"]*/static/padu\.([0-9a-f]{12})\.css)"', device.text)
    script = re.search(r'src="([^"]*/static/readiness/probe\.([0-9a-f]{12})\.js)"', device.text)
    assert css and script
    for url, source in ((css.group(1), STATIC / "padu.css"), (script.group(1), STATIC / "readiness" / "probe.js")):
        assert "s=" not in url  # the session token stays out of cacheable URLs
        response, wire = raw_get(browser.session, urljoin(device.url, url))
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in response.headers["Vary"]
        assert gzip.decompress(wire) == source.read_bytes()
        assert len(wire) < source.stat().st_size * 0.6
        plain, wire = raw_get(browser.session, urljoin(device.url, url), encoding="identity")
        assert "Content-Encoding" not in plain.headers and wire == source.read_bytes()


def test_pages_are_gzipped_and_never_stored(connected):
    set_up_readiness(connected)
    browser, intro = connected.launch(BUDI)
    device = start_attempt(browser, intro)
    response, wire = raw_get(browser.session, device.url)
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Cache-Control"] == "no-store"
    page = gzip.decompress(wire)
    assert b"<h1>" in page and len(wire) < len(page) / 2


# -- error summaries --------------------------------------------------------------


def summary_links(page) -> list[str]:
    box = re.search(r'<div class="error-summary"[^>]*role="alert"[^>]*tabindex="-1"[^>]*>(.*?)</div>', page.text, re.S)
    assert box, page.text[:3000]
    return re.findall(r'<a href="#([^"]+)">', box.group(1))


def test_a_refused_settings_form_opens_on_an_error_summary_linking_each_field(connected):
    set_up_readiness(connected)
    browser, page = settings_page(connected)
    fields = current_fields(page)
    fields.update({"max_attempts": "lots", "find_code": "ab", "sections": []})
    refused = post_form(browser, page, "/readiness/settings", fields)
    assert refused.status_code == 400
    assert re.search(r"<title>Galat: ", refused.text)
    targets = summary_links(refused)
    assert {"max-attempts", "find-code", "q-sections"} <= set(targets)
    for target in targets:
        assert f'id="{target}"' in refused.text, target
    # The summary comes before the form, the page's first content after the tabs.
    assert refused.text.index("error-summary") < refused.text.index("<form")
    assert "see the messages next to them" not in refused.text


def test_a_wrong_code_opens_on_an_error_summary_too(connected):
    set_up_readiness(connected, find_code="Kode-Latsar-7")
    browser, intro = connected.launch(BUDI)
    device = start_attempt(browser, intro)
    lms = browser.session.get(link(device, "/readiness/lms"))
    assert "<title>Galat" not in lms.text and "error-summary" not in lms.text
    wrong = post_form(browser, lms, "/lms/code", {"code": "kode latsar 8"})
    assert summary_links(wrong) == ["code"]
    assert re.search(r"<title>Galat: ", wrong.text)
    assert wrong.text.index("error-summary") < wrong.text.index("<h1>")
    assert 'id="code-error"' in wrong.text and re.search(r'/static/errors\.[0-9a-f]{12}\.js', wrong.text)


def test_a_refused_coaching_settings_form_uses_the_same_summary(connected):
    from .coaching.conftest import SETTINGS, set_up_task

    task = set_up_task(connected)
    page = task.teacher.get(task.path("/settings"))
    refused = task.teacher.submit_form(page, "/coaching/settings", {**SETTINGS, "title": "", "max_mb": "x"})
    assert refused.status_code == 400
    assert re.search(r"<title>Galat: ", refused.text)
    targets = summary_links(refused)
    assert {"title", "max_mb"} <= set(targets)
    for target in targets:
        assert f'id="{target}"' in refused.text and f'id="{target}-error"' in refused.text


def test_a_refused_deep_linking_form_uses_the_same_summary(connected):
    from .test_deep_linking import _form

    browser, page = connected.launch("3", deep_link=True)
    action, fields = _form(page.text, "/lti/deep-link", connected.padu.url)
    refused = browser.session.post(action, data=dict(fields, kind="nonsense", title="", score_maximum="lots"))
    assert refused.status_code == 400 and re.search(r"<title>Galat: ", refused.text)
    assert summary_links(refused) == ["kind", "title", "score_maximum"]
    for target in ("kind", "title", "score_maximum"):
        assert f'id="{target}"' in refused.text and f'id="{target}-error"' in refused.text


# -- tables, tabs, skip link, band names ----------------------------------------


def test_wide_tables_scroll_in_a_named_focusable_region_with_a_hint(connected):
    set_up_readiness(connected)
    _browser, cohort = connected.launch(TEACHER)
    wrappers = re.findall(r'<div class="table-wrap"([^>]*)>', cohort.text)
    assert len(wrappers) >= 2
    for attrs in wrappers:
        assert 'tabindex="0"' in attrs and 'role="region"' in attrs
        label = re.search(r'aria-labelledby="([^"]+)"', attrs).group(1)
        hint = re.search(r'aria-describedby="([^"]+)"', attrs).group(1)
        assert f'id="{label}"' in cohort.text and re.search(rf'<p class="scroll-hint" id="{hint}">', cohort.text)


def test_skip_link_passes_the_step_menu(connected):
    set_up_readiness(connected)
    browser, intro = connected.launch(BUDI)
    device = start_attempt(browser, intro)
    assert '<a class="skip" href="#content">' in device.text
    menu = device.text.index('class="steps"')
    assert menu < device.text.index('id="content"') < device.text.index("<h1>")


def test_band_names_on_the_english_settings_page_are_marked_indonesian(connected):
    connected.lms.launch_presentation = {"locale": "en"}
    set_up_readiness(connected)
    _browser, page = settings_page(connected)
    assert '<html lang="en">' in page.text
    assert '<span lang="id">Siap</span> (Ready)' in page.text
    assert '<span lang="id">Siap dengan pendampingan</span>' in page.text
    assert '<span lang="id">Belum siap</span>' in page.text


# -- the focus ring ----------------------------------------------------------------


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    """WCAG 2.2's contrast ratio (relative luminance, §1.4.3's definition)."""
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_focus_ring_has_3_to_1_contrast_against_white():
    css = (STATIC / "padu.css").read_text()
    rules = re.findall(r"([^{}]*:focus[^{}]*)\{([^}]*)\}", css)
    colours = [m.group(1) for selector, body in rules if "main" not in selector and ".top" not in selector
               for m in [re.search(r"outline:\s*\d+px solid (#[0-9a-fA-F]{6})", body)] if m]
    assert colours, "no focus outline found in padu.css"
    for colour in colours:
        assert contrast(colour, "#ffffff") >= 3, colour
    assert round(contrast("#f5a623", "#ffffff"), 2) == 2.03  # the old colour, as the audit measured it
