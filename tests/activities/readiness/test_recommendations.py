"""The rule table: which advice fires on which figure, once each, in priority order, with its reasons."""

import pytest

from activities.readiness.exceptions import InstrumentInvalid
from activities.readiness.instrument import load_instrument
from activities.readiness.probe import validate_probe
from activities.readiness.recommendations import _condition, recommend
from activities.readiness.scoring import score_attempt
from activities.readiness.settings import validate_settings

from .conftest import CODE, GOOD_DEVICE, probe_result, skills_answers

INSTRUMENT = load_instrument()
SETTINGS = validate_settings({"find_code": CODE})
ALL_DONE = {"upload": True, "find_code": True}


def advise(*, answers=None, self_report=GOOD_DEVICE, probe=None, tasks=ALL_DONE, settings=SETTINGS):
    answers = skills_answers() if answers is None else answers
    probe = validate_probe(probe) if isinstance(probe, dict) else probe
    profile = score_attempt(INSTRUMENT, settings, answers=answers, self_report=self_report, probe=probe, tasks=tasks)
    return {r.id: r for r in recommend(INSTRUMENT, settings, profile, self_report=self_report, probe=probe,
                                        tasks=tasks)}


def test_a_ready_learner_gets_no_advice():
    assert advise(probe=probe_result()) == {}


def test_a_slow_download_advises_downloading_materials_audio_only_and_the_office_connection():
    advice = advise(probe=probe_result(download_kbps=900))
    assert {"offline_materials", "video_off", "office_connection"} <= set(advice)
    reason = advice["video_off"].reasons[0]
    assert (reason.fact, reason.value, reason.op, reason.threshold) == ("probe.download_kbps", 900.0, "below", 1500)


def test_the_threshold_comes_from_the_activity_settings():
    assert "video_off" not in advise(probe=probe_result(download_kbps=900),
                                     settings=validate_settings({"min_download_kbps": 800}))


@pytest.mark.parametrize("figure", [{"latency_ms": 450}, {"jitter_ms": 80}, {"upload_kbps": 300}])
def test_high_latency_jitter_or_a_slow_upload_advise_joining_with_video_off(figure):
    advice = advise(probe=probe_result(**figure))
    assert set(advice) == {"video_off"}
    assert advice["video_off"].reasons[0].fact == f"probe.{next(iter(figure))}"


def test_advice_reached_by_several_rules_is_given_once_with_every_reason():
    advice = advise(probe=probe_result(download_kbps=900, latency_ms=450, jitter_ms=80))
    facts = [r.fact for r in advice["video_off"].reasons]
    assert facts == ["probe.download_kbps", "probe.latency_ms", "probe.jitter_ms"]


def test_advice_comes_in_the_table_s_priority_order():
    advice = advise(self_report={**GOOD_DEVICE, "devices": ["smartphone"], "headset": "no"},
                    probe=probe_result(download_kbps=900), tasks={"upload": False, "find_code": True})
    order = [a.id for a in INSTRUMENT.advice]
    assert list(advice) == sorted(advice, key=order.index)
    assert list(advice)[0] == "get_laptop"


def test_no_laptop_or_computer_advises_borrowing_one():
    advice = advise(self_report={**GOOD_DEVICE, "devices": ["smartphone", "tablet"]})
    assert set(advice) == {"get_laptop"}
    reason = advice["get_laptop"].reasons[0]
    assert sorted(reason.value) == ["smartphone", "tablet"] and reason.threshold == ["laptop", "desktop"]
    assert "laptop" in advice["get_laptop"].text.id and "laptop" in advice["get_laptop"].text.en


def test_a_low_data_quota_on_mobile_data_advises_asking_for_a_quota_allowance():
    advice = advise(self_report={**GOOD_DEVICE, "connection_type": "mobile", "data_quota": "lt_5"})
    assert {"data_quota", "offline_materials"} <= set(advice)
    # The same quota on an office line is not a problem of quota.
    assert "data_quota" not in advise(self_report={**GOOD_DEVICE, "data_quota": "lt_5"})


def test_a_low_safety_score_advises_the_safety_module():
    answers = skills_answers()
    for item in INSTRUMENT.area("safety").items:
        answers[item.id] = next(o.id for o in item.options if o.id != item.answer)
    advice = advise(answers=answers)
    assert set(advice) == {"safety_module"}
    reason = advice["safety_module"].reasons[0]
    assert reason.fact == "area.safety" and reason.value < 50 and reason.threshold == 50


@pytest.mark.parametrize("tasks", [{"upload": False, "find_code": True}, {"upload": True, "find_code": False}])
def test_a_failed_lms_task_advises_the_lms_orientation(tasks):
    advice = advise(tasks=tasks)
    assert set(advice) == {"lms_orientation"}


def test_a_task_that_is_not_active_is_not_held_against_the_learner():
    assert advise(tasks={"upload": True}, settings=validate_settings({})) == {}


def test_no_camera_or_a_refused_permission_advises_checking_the_browser():
    assert "camera_microphone" in advise(probe=probe_result(has_camera=False))
    assert "camera_microphone" in advise(probe=probe_result(microphone_permission="denied"))
    assert "camera_microphone" not in advise(probe=probe_result(has_camera=None, has_microphone=None))


def test_studying_in_public_places_advises_against_public_wifi_for_work_accounts():
    assert "public_wifi" in advise(self_report={**GOOD_DEVICE, "study_place": "public"})


def test_without_a_probe_no_probe_rule_fires():
    assert advise(probe=None) == {}


def test_recommendations_serialise_with_their_texts_and_reasons():
    stored = advise(probe=probe_result(download_kbps=900))["offline_materials"].to_dict()
    assert stored["id"] == "offline_materials" and stored["area"] == "connection"
    assert stored["text"]["id"] and stored["text"]["en"]
    assert stored["reasons"][0] == {"fact": "probe.download_kbps", "value": 900.0, "op": "below", "threshold": 1500}


@pytest.mark.parametrize("condition", [
    {"fact": "probe.download_mbps", "below": 1},
    {"fact": "area.typing", "below": 50},
    {"fact": "answer.devices", "in": ["laptop"]},
    {"fact": "answer.data_quota", "in": ["unlimited_plus"]},
    {"fact": "answer.data_quota", "below": 3},
    {"fact": "probe.download_kbps", "below": {"setting": "upload_max_bytes"}},
    {"fact": "probe.download_kbps", "below": "fast"},
    {"fact": "task.upload", "is": "no"},
    {"fact": "area.safety", "below": 50, "above": 10},
    {"fact": "area.safety", "equals": 50},
])
def test_a_rule_on_an_unknown_fact_option_or_comparison_is_refused(condition):
    with pytest.raises(InstrumentInvalid):
        _condition(INSTRUMENT, condition, "rule")
