"""Task settings: defaults, validation with the offending field named, JSON round-trip."""

import datetime as dt

import pytest

from activities.coaching.exceptions import SettingsInvalid
from activities.coaching.settings import CoachingSettings, EvidenceType, default_settings, validate_settings

from .conftest import RUBRIC


def test_empty_settings_take_the_defaults():
    settings = validate_settings({})
    assert settings == CoachingSettings()
    assert settings.evidence_types == (EvidenceType.REFLECTION, EvidenceType.FILE)
    assert settings.review_target_days == 3
    assert settings.rubric.is_simple and settings.rubric.max_points == 100
    assert settings.audience.everyone
    assert settings.due_at is None


def test_settings_survive_a_json_round_trip():
    settings = validate_settings({
        "instructions": "<p>Tulis <strong>refleksi</strong></p>",
        "evidence_types": ["link", "reflection"],
        "file_limits": {"max_bytes": 2048, "allowed_extensions": [".PDF", "png"], "max_files": 2},
        "rubric": RUBRIC,
        "due_at": "2026-03-01T17:00:00+07:00",
        "audience": {"groups": ["Angkatan I", "Angkatan II"]},
        "review_target_days": "5",
    })
    assert validate_settings(settings.to_dict()) == settings
    assert settings.to_dict()["due_at"] == "2026-03-01T10:00:00+00:00"
    assert settings.file_limits.allowed_extensions == ("pdf", "png")
    assert settings.evidence_types == (EvidenceType.REFLECTION, EvidenceType.LINK)
    assert default_settings() == CoachingSettings().to_dict()


def test_instructions_are_sanitized_on_the_way_in():
    settings = validate_settings({"instructions": (
        '<h3 onclick="x()">Tugas</h3><script>alert(1)</script><img src=x onerror=y>'
        '<a href="javascript:alert(1)">jahat</a><a href="https://lan.go.id">LAN</a><table><tr><td>t</td></tr></table>'
    )})
    html = settings.instructions
    assert "<script" not in html and "onerror" not in html and "onclick" not in html and "<img" not in html
    assert "javascript:" not in html and "<table" not in html
    assert '<a href="https://lan.go.id" target="_blank" rel="noopener noreferrer">LAN</a>' in html
    assert html.startswith("<h3>Tugas</h3>")


@pytest.mark.parametrize("raw, field", [
    ({"evidence_types": []}, "evidence_types"),
    ({"evidence_types": ["video"]}, "evidence_types"),
    ({"evidence_types": "file"}, "evidence_types"),
    ({"file_limits": {"allowed_extensions": ["exe"]}}, "file_limits.allowed_extensions"),
    ({"file_limits": {"allowed_extensions": ["html"]}}, "file_limits.allowed_extensions"),
    ({"file_limits": {"allowed_extensions": []}}, "file_limits.allowed_extensions"),
    ({"file_limits": {"max_bytes": 0}}, "file_limits.max_bytes"),
    ({"file_limits": {"max_bytes": 10**12}}, "file_limits.max_bytes"),
    ({"due_at": "2026-03-01T17:00:00"}, "due_at"),
    ({"due_at": "besok"}, "due_at"),
    ({"audience": {"groups": []}}, "audience"),
    ({"audience": {"groups": ["  "]}}, "audience"),
    ({"review_target_days": 0}, "review_target_days"),
    ({"review_target_days": 2.5}, "review_target_days"),
    ({"rubric": {"type": "simple", "maximum": 0}}, "rubric.maximum"),
    ({"rubric": {"type": "criteria", "criteria": []}}, "rubric.criteria"),
])
def test_invalid_settings_name_the_field(raw, field):
    with pytest.raises(SettingsInvalid) as excinfo:
        validate_settings(raw)
    assert excinfo.value.field == field


def test_a_due_date_must_carry_its_time_zone():
    """Indonesia has three time zones: 17:00 in Jakarta is 19:00 in Jayapura."""
    due = validate_settings({"due_at": dt.datetime(2026, 3, 1, 17, tzinfo=dt.timezone(dt.timedelta(hours=9)))}).due_at
    assert due == dt.datetime(2026, 3, 1, 8, tzinfo=dt.UTC)
    with pytest.raises(SettingsInvalid):
        validate_settings({"due_at": dt.datetime(2026, 3, 1, 17)})


def test_audience_of_groups_includes_only_their_members():
    audience = validate_settings({"audience": ["Angkatan I"]}).audience
    assert audience.includes(["angkatan i", "Lainnya"])
    assert not audience.includes(["Angkatan II"])
    assert not audience.includes(None), "a learner whose groups are unknown is not shown to be in it"
    assert validate_settings({"audience": "all"}).audience.includes(None)


def test_a_new_task_scores_up_to_the_gradebook_columns_maximum():
    from activities.coaching.settings import fit_to_maximum

    fitted = validate_settings(fit_to_maximum(default_settings(), 40.0))
    assert fitted.rubric.is_simple and fitted.rubric.max_points == 40.0
    criteria = fit_to_maximum({"rubric": RUBRIC}, 40.0)
    assert validate_settings(criteria).rubric == validate_settings({"rubric": RUBRIC}).rubric
