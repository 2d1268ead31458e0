"""The probe's endpoints: payloads of the plan's sizes only, a capped upload sink, and a strict result check."""

from __future__ import annotations

import pytest

from activities.readiness.probe import PLAN

from .helpers import BUDI, PROBE, attempts, csrf_of, link, post_probe, set_up_readiness, start_attempt, token_of


@pytest.fixture
def device_page(connected):
    activity_id = set_up_readiness(connected)
    browser, intro = connected.launch(BUDI)
    page = start_attempt(browser, intro)
    return activity_id, browser, page


def test_a_valid_result_is_stored_and_summarised(connected, device_page):
    activity_id, browser, page = device_page
    response = post_probe(browser, page, PROBE)
    assert response.status_code == 200
    assert "12,5 Mbps" in response.json()["summary"]
    [attempt] = attempts(connected, activity_id, BUDI)
    assert attempt.probe["download_kbps"] == 12500.0 and attempt.probe["has_camera"] is True
    again = browser.session.get(page.url)
    assert "12,5 Mbps" in again.text  # shown when the learner comes back


@pytest.mark.parametrize("body, field", [
    ("{not json", "$"),
    ("[1, 2]", "$"),
    ('{"download_kbps": NaN}', "$"),
    ({**PROBE, "download_kbps": -5}, "download_kbps"),
    ({**PROBE, "upload_kbps": 1e12}, "upload_kbps"),
    ({**PROBE, "latency_ms": "fast"}, "latency_ms"),
    ({**PROBE, "samples": 1000}, "samples"),
    ({**PROBE, "screen_width": 0}, "screen_width"),
    ({**PROBE, "screen_height": 1.5}, "screen_height"),
    ({**PROBE, "has_camera": "yes"}, "has_camera"),
    ({**PROBE, "camera_permission": "maybe"}, "camera_permission"),
    ({**PROBE, "score": 100}, "score"),
    ({k: v for k, v in PROBE.items() if k != "user_agent"}, "user_agent"),
    pytest.param("[" * 1500 + "]" * 1500, "$", id="1500-arrays-deep"),
    pytest.param('{"download_kbps": ' + '{"a":' * 600 + "1" + "}" * 601, "$", id="600-objects-deep"),
])
def test_malformed_or_out_of_range_results_are_a_400_naming_the_field(connected, device_page, body, field):
    activity_id, browser, page = device_page
    response = post_probe(browser, page, body)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert attempts(connected, activity_id, BUDI)[0].probe is None


def test_an_oversized_or_non_json_result_is_refused_unread(device_page):
    _activity_id, browser, page = device_page
    assert post_probe(browser, page, {**PROBE, "user_agent": "x" * 10_000}).status_code == 413
    assert post_probe(browser, page, "download_kbps=1", content_type="text/plain").status_code == 415


def test_a_result_without_the_csrf_header_is_a_400(device_page):
    _activity_id, browser, page = device_page
    assert post_probe(browser, page, PROBE, csrf=False).status_code == 400


def test_a_result_without_an_open_attempt_is_a_409(connected):
    set_up_readiness(connected)
    browser, intro = connected.launch(BUDI)
    # The intro page has the same meta tags; no attempt is started yet.
    url = link(intro, "/readiness/start").replace("/start", "/probe")
    response = browser.session.post(url, json=PROBE, headers={
        "X-CSRFToken": csrf_of(intro), "X-Padu-Session": token_of(intro), "Accept": "application/json"})
    assert response.status_code == 409


def test_payloads_are_random_uncached_and_only_of_the_plan_sizes(device_page):
    _activity_id, browser, page = device_page
    url = link(page, "/probe/payload")
    first = browser.session.get(url, params={"bytes": PLAN.download.sizes()[0]})
    assert first.status_code == 200 and len(first.content) == 256 * 1024
    assert "no-store" in first.headers["Cache-Control"]
    assert first.headers["Content-Type"] == "application/octet-stream"
    second = browser.session.get(url, params={"bytes": PLAN.download.sizes()[0]})
    assert first.content != second.content
    for bad in ("12345", str(64 * 1024 * 1024), "-1", "abc", ""):
        assert browser.session.get(url, params={"bytes": bad}).status_code == 400


def test_the_upload_sink_reads_and_caps(device_page):
    _activity_id, browser, page = device_page
    url = link(page, "/probe/upload")
    headers = {"X-CSRFToken": csrf_of(page), "Content-Type": "application/octet-stream"}
    ok = browser.session.post(url, data=b"\x01" * (128 * 1024), headers=headers)
    assert ok.status_code == 200 and ok.json()["received"] == 128 * 1024
    too_big = browser.session.post(url, data=b"\x01" * (PLAN.upload.largest_bytes + 1), headers=headers)
    assert too_big.status_code == 413


def test_ping_is_tiny(device_page):
    _activity_id, browser, page = device_page
    response = browser.session.get(link(page, "/probe/ping"))
    assert response.status_code == 204 and response.content == b""
