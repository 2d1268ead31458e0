"""Check settings: defaults, validation naming the offending field, JSON round-trip."""

import pytest

from activities.core import Activity
from activities.readiness.areas import AREAS, SECTIONS, TASKS
from activities.readiness.exceptions import NotAReadinessCheck, SettingsInvalid
from activities.readiness.settings import (
    DEFAULT_WEIGHTS,
    Keep,
    ReadinessSettings,
    default_settings,
    normalise_code,
    settings_of,
    validate_settings,
)


def test_empty_settings_take_the_defaults():
    settings = validate_settings({})
    assert settings == validate_settings(None) == ReadinessSettings()
    assert settings.sections == SECTIONS and settings.lms_tasks == TASKS
    assert (settings.ready_threshold, settings.supported_threshold) == (75, 50)
    assert settings.max_attempts == 3 and settings.keep is Keep.LAST
    assert settings.find_code == ""
    assert settings.upload_max_bytes == 1024 * 1024
    assert settings.min_download_kbps == 1500
    assert sum(DEFAULT_WEIGHTS.values()) == 100


def test_settings_survive_a_json_round_trip():
    settings = validate_settings({
        "sections": ["lms", "skills"],
        "lms_tasks": ["find_code"],
        "weights": {"safety": "30", "lms": 0},
        "knowledge_weight": "0,8",
        "ready_threshold": "80",
        "supported_threshold": 55.5,
        "support_threshold": 40,
        "max_attempts": "0",
        "keep": "best",
        "find_code": "  Garuda   2026 ",
        "upload_max_bytes": 2048,
        "upload_extensions": [".PDF", "png", "pdf"],
        "min_download_kbps": "3000",
        "max_jitter_ms": 30.0,
    })
    assert validate_settings(settings.to_dict()) == settings
    assert settings.sections == ("skills", "lms")
    assert settings.weights["safety"] == 30 and settings.weights["lms"] == 0
    assert settings.weights["device"] == DEFAULT_WEIGHTS["device"]
    assert settings.knowledge_weight == 0.8
    assert settings.keep is Keep.BEST and settings.max_attempts == 0
    assert settings.find_code == "Garuda 2026"
    assert settings.upload_extensions == ("pdf", "png")
    assert settings.max_jitter_ms == 30
    assert default_settings() == ReadinessSettings().to_dict()


def test_weights_are_normalised_over_the_included_sections():
    settings = validate_settings({"sections": ["skills"], "weights": {a: 1 for a in AREAS}})
    weights = settings.normalised_weights
    assert weights["device"] == weights["connection"] == weights["lms"] == 0
    assert sum(weights.values()) == pytest.approx(1)
    assert weights["safety"] == pytest.approx(1 / 5)


def test_find_the_code_is_active_only_once_staff_set_the_code():
    assert validate_settings({}).active_tasks == ("upload",)
    assert validate_settings({"find_code": "ABCD"}).active_tasks == ("upload", "find_code")
    assert validate_settings({"find_code": "ABCD", "sections": ["skills"]}).active_tasks == ()


def test_codes_compare_without_case_spaces_or_full_width_letters():
    assert normalise_code(" padu 2026\t") == normalise_code("PADU2026") == normalise_code("ＰＡＤＵ２０２６")
    assert normalise_code("PADU-2026") != normalise_code("PADU2026")


@pytest.mark.parametrize("raw, field", [
    ({"sections": []}, "sections"),
    ({"sections": ["device", "video"]}, "sections"),
    ({"sections": "skills"}, "sections"),
    ({"lms_tasks": []}, "lms_tasks"),
    ({"lms_tasks": ["quiz"]}, "lms_tasks"),
    ({"weights": {"safety": -1}}, "weights.safety"),
    ({"weights": {"safety": "banyak"}}, "weights.safety"),
    ({"weights": {"safety": float("nan")}}, "weights.safety"),
    ({"weights": {"typing": 5}}, "weights"),
    ({"weights": [1, 2]}, "weights"),
    ({"weights": {a: 0 for a in AREAS}}, "weights"),
    ({"sections": ["lms"], "weights": {"lms": 0}}, "weights"),
    ({"knowledge_weight": 0.3}, "knowledge_weight"),
    ({"ready_threshold": 101}, "ready_threshold"),
    ({"supported_threshold": 75}, "supported_threshold"),
    ({"ready_threshold": 40}, "supported_threshold"),
    ({"support_threshold": -5}, "support_threshold"),
    ({"max_attempts": -1}, "max_attempts"),
    ({"max_attempts": 2.5}, "max_attempts"),
    ({"max_attempts": True}, "max_attempts"),
    ({"keep": "first"}, "keep"),
    ({"find_code": "ab c"}, "find_code"),
    ({"find_code": "x" * 65}, "find_code"),
    ({"find_code": "PADU\x00"}, "find_code"),
    ({"find_code": 2026}, "find_code"),
    ({"upload_max_bytes": 0}, "upload_max_bytes"),
    ({"upload_max_bytes": 50 * 1024 * 1024}, "upload_max_bytes"),
    ({"upload_extensions": []}, "upload_extensions"),
    ({"upload_extensions": ["exe"]}, "upload_extensions"),
    ({"upload_extensions": ["html"]}, "upload_extensions"),
    ({"upload_extensions": "pdf"}, "upload_extensions"),
    ({"min_download_kbps": 0}, "min_download_kbps"),
    ({"max_latency_ms": "cepat"}, "max_latency_ms"),
    ({"instrument_version": "v9"}, "instrument_version"),
    ({"csrf_token": "x"}, "csrf_token"),
])
def test_invalid_settings_are_refused_with_the_field_named(raw, field):
    with pytest.raises(SettingsInvalid) as caught:
        validate_settings(raw)
    assert caught.value.field == field
    assert isinstance(caught.value, ValueError)


def test_settings_of_reads_only_a_readiness_activity():
    assert settings_of(Activity(kind="readiness", settings={"max_attempts": 1})).max_attempts == 1
    with pytest.raises(NotAReadinessCheck):
        settings_of(Activity(kind="coaching", settings={}))
    with pytest.raises(NotAReadinessCheck):
        settings_of(None)
