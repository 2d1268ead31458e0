"""The browser probe: its plan, and the strict check of the result it posts."""

import json

import pytest

from activities.readiness.exceptions import ProbeInvalid
from activities.readiness.probe import (
    MAX_PROBE_BYTES,
    MAX_USER_AGENT,
    PLAN,
    ProbeResult,
    jitter,
    latency_ms,
    parse_probe,
    throughput_kbps,
    validate_probe,
)

from .conftest import probe_result


def test_a_complete_result_is_accepted_as_a_typed_result():
    result = parse_probe(json.dumps(probe_result()))
    assert isinstance(result, ProbeResult)
    assert result.download_kbps == 20000.0 and result.samples == 10 and result.has_camera is True
    assert ProbeResult.from_dict(result.to_dict()) == result


def test_measurements_the_browser_could_not_take_are_null():
    result = validate_probe(probe_result(download_kbps=None, upload_kbps=None, latency_ms=None, jitter_ms=None,
                                         samples=0, has_camera=None, has_microphone=None,
                                         camera_permission="unsupported"))
    assert result.download_kbps is None and result.latency_ms is None and result.has_camera is None


def test_integers_are_accepted_where_numbers_are_expected():
    assert validate_probe(probe_result(download_kbps=512, latency_ms=80)).download_kbps == 512.0


def test_the_user_agent_is_cut_short_and_stripped_of_control_characters():
    result = validate_probe(probe_result(user_agent="Mozilla\x00/5.0\n\x1b[31m" + "x" * 1000))
    assert len(result.user_agent) == MAX_USER_AGENT
    assert result.user_agent.startswith("Mozilla/5.0[31mxxx")
    assert all(ch.isprintable() for ch in result.user_agent)


@pytest.mark.parametrize("changes, field", [
    ({"download_kbps": -1}, "download_kbps"),
    ({"download_kbps": 1e12}, "download_kbps"),
    ({"download_kbps": "20000"}, "download_kbps"),
    ({"download_kbps": True}, "download_kbps"),
    ({"upload_kbps": [1]}, "upload_kbps"),
    ({"latency_ms": 120_000}, "latency_ms"),
    ({"jitter_ms": -0.5}, "jitter_ms"),
    ({"samples": 2.5}, "samples"),
    ({"samples": 1000}, "samples"),
    ({"samples": None}, "samples"),
    ({"samples": 0}, "samples"),
    ({"samples": 1}, "samples"),
    ({"screen_width": 0}, "screen_width"),
    ({"screen_height": 1366.5}, "screen_height"),
    ({"user_agent": None}, "user_agent"),
    ({"user_agent": 42}, "user_agent"),
    ({"has_camera": "yes"}, "has_camera"),
    ({"has_microphone": 1}, "has_microphone"),
    ({"camera_permission": "allowed"}, "camera_permission"),
    ({"microphone_permission": True}, "microphone_permission"),
    ({"bandwidth": 3}, "bandwidth"),
    ({"__proto__": {}}, "__proto__"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_malformed_or_out_of_range_values_are_refused_per_field(changes, field):
    with pytest.raises(ProbeInvalid) as caught:
        validate_probe(probe_result(**changes))
    assert field in caught.value.errors
    assert isinstance(caught.value, ValueError)


def test_every_bad_field_is_reported_at_once():
    bad = probe_result(download_kbps=-1, has_camera="no", extra=1)
    del bad["user_agent"]
    with pytest.raises(ProbeInvalid) as caught:
        validate_probe(bad)
    assert set(caught.value.errors) == {"download_kbps", "has_camera", "extra", "user_agent"}
    assert caught.value.errors["extra"] == "unknown field"
    assert caught.value.errors["user_agent"] == "required"


@pytest.mark.parametrize("body, message", [
    ("{not json", "not JSON"),
    (b"\xff\xfe\x00", "not JSON"),
    ('{"download_kbps": NaN}', "not JSON"),
    ('{"download_kbps": Infinity}', "not JSON"),
    ("[1, 2]", "must be a JSON object"),
    ("null", "must be a JSON object"),
    ("{" + " " * MAX_PROBE_BYTES + "}", "larger than"),
    pytest.param("[" * 1500 + "]" * 1500, "nested deeper than", id="1500-arrays-deep"),
    pytest.param('{"download_kbps": ' + "[" * 1000 + "]" * 1000 + "}", "nested deeper than", id="deep-in-a-field"),
    pytest.param(("[" * 1000 + "]" * 1000).encode("utf-16"), "nested deeper than", id="deep-in-utf-16"),
])
def test_a_body_that_is_not_a_probe_result_is_refused_as_a_whole(body, message):
    with pytest.raises(ProbeInvalid) as caught:
        parse_probe(body)
    assert message in caught.value.errors["$"]


def test_the_download_plan_grows_from_256_kb_within_its_cap():
    sizes = PLAN.download.sizes()
    assert sizes[0] == 256 * 1024
    assert all(later == 2 * earlier for earlier, later in zip(sizes, sizes[1:]))
    assert sum(sizes) <= PLAN.download.total_cap_bytes
    assert max(sizes) <= PLAN.download.largest_bytes
    assert PLAN.download.time_budget_ms == 8000


def test_only_sizes_in_the_plan_are_served():
    assert PLAN.download.allows(256 * 1024)
    assert not PLAN.download.allows(300 * 1024)
    assert not PLAN.download.allows(1024 ** 3)
    assert not PLAN.download.allows("262144")


def test_the_plan_embedded_in_the_page_is_json():
    embedded = json.loads(json.dumps(PLAN.to_dict()))
    assert embedded["download"]["sizes"] == list(PLAN.download.sizes())
    assert embedded["upload"]["sizes"][0] == 128 * 1024
    assert embedded["latency"]["count"] == 10
    assert embedded["max_result_bytes"] == MAX_PROBE_BYTES


def test_throughput_leaves_out_the_warm_up_transfer():
    # 256 KB in 1 s (slow start), then 512 KB in 1 s and 1 MB in 2 s: 4 Mbit/s after warm-up.
    transfers = [(256 * 1024, 1000), (512 * 1024, 1000), (1024 * 1024, 2000)]
    assert throughput_kbps(transfers) == pytest.approx((512 + 1024) * 1024 * 8 / 3000)
    assert throughput_kbps([(256 * 1024, 500)]) == pytest.approx(256 * 1024 * 8 / 500)
    assert throughput_kbps([]) is None


def test_latency_is_the_median_and_jitter_the_mean_change_between_round_trips():
    samples = [40, 42, 400, 41, 43]
    assert latency_ms(samples) == 42
    assert jitter(samples) == pytest.approx((2 + 358 + 359 + 2) / 4)
    assert jitter([40]) is None and latency_ms([]) is None


def test_brackets_inside_strings_do_not_count_as_nesting():
    agent = '[[[[[{{{{{ \\" ]]]]] "[[[['
    assert parse_probe(json.dumps(probe_result(user_agent=agent))).user_agent == agent
