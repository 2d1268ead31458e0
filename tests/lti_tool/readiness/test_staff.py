"""Staff pages: settings with field-level errors, the cohort view, the CSV export."""

from __future__ import annotations

import csv
import io
import re

import pytest

from activities.core import Activity
from activities.readiness.areas import AREAS
from lti_tool import worker

from .helpers import (
    BUDI,
    TEACHER,
    complete_attempt,
    instrument,
    link,
    post_form,
    set_up_readiness,
    start_attempt,
)


def settings_page(connected):
    browser, cohort = connected.launch(TEACHER)
    return browser, browser.session.get(link(cohort, "/readiness/settings"))


def current_fields(page) -> dict:
    """The settings form as the page shows it (text inputs and checked boxes; lists for repeated names)."""
    fields: dict = {}
    for match in re.finditer(r"<input ([^>]+)>", page.text):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', match.group(1)))
        kind, name = attrs.get("type"), attrs.get("name")
        if not name or name == "csrf_token":
            continue
        if kind in ("checkbox", "radio"):
            if " checked" not in match.group(0):
                continue
            if kind == "checkbox":
                fields.setdefault(name, []).append(attrs["value"])
                continue
        fields[name] = attrs.get("value", "")
    return fields


def test_settings_are_saved(connected):
    activity_id = set_up_readiness(connected)
    browser, page = settings_page(connected)
    fields = current_fields(page)
    assert fields["max_attempts"] == "3" and fields["keep"] == "last" and fields["upload_max_kb"] == "1024"
    fields.update({"max_attempts": "5", "keep": "best", "find_code": "LATSAR-2026", "ready_threshold": "80",
                   "weight_safety": "20", "knowledge_weight": "75", "upload_max_kb": "512",
                   "sections": ["device", "skills"], "min_download_kbps": "2000"})
    saved = post_form(browser, page, "/readiness/settings", fields)
    assert saved.status_code == 200 and "/readiness/settings" in saved.url
    with connected.padu.session() as db:
        stored = db.get(Activity, activity_id).settings
    assert stored["max_attempts"] == 5 and stored["keep"] == "best" and stored["find_code"] == "LATSAR-2026"
    assert stored["ready_threshold"] == 80 and stored["weights"]["safety"] == 20 and stored["knowledge_weight"] == 0.75
    assert stored["upload_max_bytes"] == 512 * 1024 and stored["sections"] == ["device", "skills"]
    assert stored["min_download_kbps"] == 2000


def test_invalid_settings_are_a_400_with_every_error_next_to_its_field(connected):
    activity_id = set_up_readiness(connected)
    browser, page = settings_page(connected)
    fields = current_fields(page)
    fields.update({"max_attempts": "lots", "find_code": "ab", "weight_safety": "-3", "upload_max_kb": "999999",
                   "knowledge_weight": "20", "sections": [], "min_upload_kbps": "1,5"})
    refused = post_form(browser, page, "/readiness/settings", fields)
    assert refused.status_code == 400
    for field in ("max-attempts", "find-code", "weight-safety", "upload-max-kb", "knowledge-weight", "sections",
                  "min-upload-kbps"):
        assert f'id="{field}-error"' in refused.text, field
        assert re.search(rf'aria-describedby="[^"]*{field}-error"', refused.text), field
    # What was typed stays in the form.
    assert 'value="lots"' in refused.text and 'value="ab"' in refused.text and 'value="999999"' in refused.text
    with connected.padu.session() as db:
        assert db.get(Activity, activity_id).settings["max_attempts"] == 3


def test_thresholds_in_the_wrong_order_are_refused(connected):
    set_up_readiness(connected)
    browser, page = settings_page(connected)
    fields = current_fields(page)
    fields.update({"ready_threshold": "40", "supported_threshold": "60"})
    refused = post_form(browser, page, "/readiness/settings", fields)
    assert refused.status_code == 400 and 'id="supported-threshold-error"' in refused.text


def test_the_cohort_view_and_its_csv(connected):
    set_up_readiness(connected, find_code="PADU2026")
    complete_attempt(connected, BUDI, code="PADU2026")
    browser, cohort = connected.launch(TEACHER)
    assert cohort.status_code == 200
    # The page asked a worker for the NRPS roster; once it ran, the page lists the whole course.
    assert worker.run_once(connected.padu.runtime)
    cohort = browser.session.get(cohort.url)
    text = cohort.text
    # Budi has a result; Dewi is on the NRPS roster but never opened the check.
    assert 'id="cohort-count" data-submitted="1" data-learners="2"' in text
    not_taken = text.split('id="missing-heading"')[1]
    assert "Dewi Lestari" in not_taken and "Budi Santoso" not in not_taken
    # The band chart is a table with the numbers, the bars only decorate.
    assert re.search(r'<th scope="row"><span class="badge badge-ok">Siap</span></th><td>1</td>', text)
    assert 'aria-hidden="true"><span class="fill w-100"' in text
    for area in ("Keamanan digital", "Koneksi internet"):
        assert area in text

    export = browser.session.get(link(cohort, "/readiness/cohort.csv"))
    assert export.status_code == 200
    assert export.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in export.headers["Content-Disposition"]
    assert export.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    by_name = {row["learner"]: row for row in rows}
    assert set(by_name) == {"Budi Santoso", "Dewi Lestari"}
    assert by_name["Budi Santoso"]["status"] == "submitted" and by_name["Budi Santoso"]["band"] == "siap"
    assert float(by_name["Budi Santoso"]["index"]) >= 75
    assert all(f"area_{area}" in rows[0] for area in AREAS)
    assert by_name["Dewi Lestari"]["status"] == "not_started" and by_name["Dewi Lestari"]["index"] == ""


def test_a_learner_who_needs_support_is_listed_with_reasons(connected):
    set_up_readiness(connected, find_code="PADU2026")
    browser, intro = connected.launch(BUDI)
    page = start_attempt(browser, intro)
    page = post_form(browser, page, "/readiness/device", {
        "devices": ["smartphone"], "headset": "no", "power": "often", "study_place": "public",
        "connection_type": "mobile", "data_quota": "lt_5", "connection_stability": "often"})
    for area in instrument().areas:
        page = post_form(browser, page, f"/skills/{area.id}", {
            area.self_rating.id: "2", **{item.id: item.answer for item in area.items}})
    review = browser.session.get(link(page, "/readiness/review"))
    result = post_form(browser, review, "/readiness/submit")
    assert result.status_code == 200
    assert "badge-ok" not in result.text
    teacher, cohort = connected.launch(TEACHER)
    support = cohort.text.split('id="support-heading"')[1].split('id="progress-heading"')[0]
    assert "Budi Santoso" in support
    assert "Penggunaan LMS" in support and "Koneksi internet" in support
    assert "<details>" in support


@pytest.mark.parametrize("field, typed", [
    ("knowledge_weight", "tujuh puluh"),
    ("knowledge_weight", ""),
    ("knowledge_weight", "70%"),
    ("knowledge_weight", "nan"),
    ("knowledge_weight", "1e999"),
    ("upload_max_kb", "satu"),
    ("upload_max_kb", "1e3"),
    ("weight_safety", "banyak"),
    ("ready_threshold", "inf"),
    ("max_attempts", "2.5"),
    ("keep", "worst"),
])
def test_text_where_a_number_or_choice_belongs_is_a_field_error_not_a_500(connected, field, typed):
    activity_id = set_up_readiness(connected)
    browser, page = settings_page(connected)
    fields = current_fields(page)
    fields[field] = typed
    refused = post_form(browser, page, "/readiness/settings", fields)
    assert refused.status_code == 400, refused.text[:500]
    assert f'id="{field.replace("_", "-")}-error"' in refused.text
    with connected.padu.session() as db:
        assert db.get(Activity, activity_id).settings["knowledge_weight"] == 0.7
