"""The facilitators' cohort view: bands, averages, who needs what, who has not started; the CSV export."""

import csv
import io

import pytest

from activities.core import Role, members, upsert_membership, upsert_person
from activities.readiness.areas import AREAS, Band
from activities.readiness.cohort import CSV_COLUMNS
from activities.readiness.service import (
    check_code,
    cohort_csv,
    cohort_summary,
    record_probe,
    save_section,
    start_or_resume_attempt,
    submit_attempt,
)

from .conftest import CODE, GOOD_DEVICE, POOR_DEVICE, probe_result, skills_answers


def take(db, check, person, *, right=True, rating=5, device=GOOD_DEVICE, probe=None, code=True):
    start_or_resume_attempt(db, check, person)
    save_section(db, check, person, "device", device)
    save_section(db, check, person, "skills", skills_answers(right=right, rating=rating))
    if probe:
        record_probe(db, check, person, probe)
    if code:
        check_code(db, check, person, CODE)
    return submit_attempt(db, check, person).attempt


@pytest.fixture
def cohort(db, check, make_person):
    """Ani is ready (she found the code, but uploaded nothing); Budi has a phone on a weak line; Citra started and stopped; Dedi never opened it;
    Sari (staff) tried it out."""
    people = {name: make_person(name) for name in ("Ani", "Budi", "Citra", "Dedi")}
    people["Sari"] = make_person("Sari", Role.STAFF)
    take(db, check, people["Ani"], probe=probe_result())
    take(db, check, people["Budi"], device=POOR_DEVICE, right=False, rating=2, code=False,
         probe=probe_result(download_kbps=600, latency_ms=500, jitter_ms=90))
    start_or_resume_attempt(db, check, people["Citra"])
    take(db, check, people["Sari"], right=False, rating=1)
    return people


def test_the_summary_counts_bands_and_averages_areas(db, check, cohort):
    summary = cohort_summary(db, check)
    assert summary.learners == 4 and summary.submitted == 2
    assert list(summary.band_counts) == [Band.READY, Band.READY_WITH_SUPPORT, Band.NOT_READY]
    assert summary.band_counts == {Band.READY: 1, Band.READY_WITH_SUPPORT: 0, Band.NOT_READY: 1}
    assert summary.area_averages["lms"] == 25.0  # Ani found the code but uploaded nothing (50), Budi did neither
    assert set(summary.area_averages) == set(AREAS)
    assert summary.index_average is not None


def test_roster_members_who_never_started_and_those_who_stopped_are_listed(db, check, cohort):
    summary = cohort_summary(db, check)
    assert [p.name for p in summary.not_started] == ["Dedi"]
    assert [p.name for p in summary.in_progress] == ["Citra"]


def test_learners_needing_support_are_listed_with_the_areas_and_advice(db, check, cohort):
    summary = cohort_summary(db, check)
    [need] = summary.needs_support
    assert need.person.name == "Budi" and need.band is Band.NOT_READY
    assert {"device", "connection", "skills", "lms"} == set(need.groups)
    assert need.reasons[0].score <= need.reasons[-1].score
    assert {"safety", "lms", "connection"} <= {r.area for r in need.reasons}
    assert {"lms_orientation", "video_off", "get_laptop", "safety_module"} <= set(need.advice)
    assert summary.support_by_group == {"device": 1, "connection": 1, "skills": 1, "lms": 1}


def test_staff_trying_the_check_are_left_out_of_the_cohort(db, check, cohort):
    summary = cohort_summary(db, check)
    assert "Sari" not in {n.person.name for n in summary.needs_support}
    assert summary.learners == 4


def test_the_roster_can_be_given_by_the_caller(db, check, cohort, platform, course):
    eko = upsert_person(db, platform.id, "nrps-77", name="Eko")
    upsert_membership(db, course, eko, Role.LEARNER, source="roster")
    summary = cohort_summary(db, check, members(db, course.id, Role.LEARNER))
    assert [p.name for p in summary.not_started] == ["Dedi", "Eko"]


def test_an_empty_cohort_has_zeros_and_no_averages(db, check):
    summary = cohort_summary(db, check)
    assert summary.learners == summary.submitted == 0
    assert summary.index_average is None and summary.area_averages["safety"] is None
    assert set(summary.band_counts.values()) == {0}


def _rows(text):
    return list(csv.DictReader(io.StringIO(text)))


def test_the_csv_has_a_header_and_one_row_per_learner(db, check, cohort):
    text = cohort_csv(db, check)
    assert next(csv.reader(io.StringIO(text))) == list(CSV_COLUMNS)
    rows = {row["learner"]: row for row in _rows(text)}
    assert list(rows) == ["Ani", "Budi", "Citra", "Dedi"]
    assert rows["Ani"]["status"] == "submitted" and rows["Ani"]["band"] == "siap"
    assert rows["Ani"]["index"] == "90" and rows["Ani"]["area_safety"] == "100" and rows["Ani"]["area_lms"] == "50"
    assert rows["Ani"]["needs_support"] == "" and rows["Ani"]["attempts"] == "1"
    assert rows["Budi"]["band"] == "belum_siap"
    assert rows["Budi"]["needs_support"] == "device;connection;skills;lms"
    assert "lms_orientation" in rows["Budi"]["recommendations"].split(";")
    assert (rows["Citra"]["status"], rows["Citra"]["attempts"], rows["Citra"]["index"]) == ("in_progress", "1", "")
    assert (rows["Dedi"]["status"], rows["Dedi"]["attempts"]) == ("not_started", "0")


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.example","klik")', "+62811", "-2+3", "@SUM(A1)",
                                  "\tTab", "\rCR"])
def test_names_a_spreadsheet_would_run_as_formulas_are_made_inert(db, check, platform, course, name):
    person = upsert_person(db, platform.id, "evil", name=name, email="=cmd|' /C calc'!A0")
    upsert_membership(db, course, person, Role.LEARNER)
    [row] = _rows(cohort_csv(db, check))
    assert row["learner"] == "'" + name
    assert row["email"] == "=cmd|' /C calc'!A0".join(["'", ""])
