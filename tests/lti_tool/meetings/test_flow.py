"""End to end through the test platform: a learner checks in with the code the facilitator's screen
shows, the attendance requirement opens the next phase, and its gate grade reaches the platform's AGS;
wrong, expired and reused codes are refused; a learner cannot mark attendance."""

from __future__ import annotations

import datetime as dt

from activities.meetings import codes
from tests.lti_tool.coaching.conftest import text_of
from tests.lti_tool.readiness.helpers import form_with

from .conftest import BUDI, DEWI, RAHMAT, TEACHER


def test_a_check_in_with_the_shown_code_opens_the_next_phase_and_its_gate_grade_reaches_moodle(meeting_course):
    gated, mid = meeting_course.gated, meeting_course.meeting_id
    budi = gated.user(BUDI, "mandiri")
    journey = budi.get(gated.gating("/"))
    assert "Pertemuan daring 1" in journey.text and f"/meetings/{mid}/check-in" in journey.text
    assert gated.gate_scores("mandiri", BUDI) == []

    wrong = budi.submit_form(journey, "/check-in", {"code": "AAAAAA", "back": "journey"})
    assert wrong.status_code == 400 and 'role="alert"' in wrong.text and f'id="code-{mid}-error"' in wrong.text
    assert "Itu bukan kode yang sedang ditampilkan" in wrong.text and "<title>Galat:" in wrong.text
    # Refused from the journey page: answered on the journey page, next to the box the code was typed in.
    assert "Perjalanan belajar Anda" in wrong.text and 'name="back" value="journey"' in wrong.text
    from_meetings = budi.post(meeting_course.meetings(f"/{mid}/check-in"), {"code": "AAAAAA"})
    assert from_meetings.status_code == 400 and "Pertemuan Anda" in from_meetings.text
    old_minute = codes.minute_of(dt.datetime.now(dt.UTC)) - 2
    expired = budi.submit_form(journey, "/check-in", {"code": codes.code_for(meeting_course.secret(), old_minute)})
    assert expired.status_code == 400

    code = meeting_course.shown_code()
    done = budi.submit_form(journey, "/check-in", {"code": code.lower(), "back": "journey"})
    assert done.status_code == 200 and "/gating/" in done.url, done.text[:1000]
    page = text_of(done)
    assert "Anda berada di: Pembelajaran Jarak Jauh" in page, page[:2000]
    gated.drain()
    assert gated.gate_scores("mandiri", BUDI) == [100.0]
    assert gated.gate_scores("mandiri", DEWI) == []

    again = budi.submit_form(journey, "/check-in", {"code": code})
    assert again.status_code == 409 and "sudah tercatat" in again.text
    record = text_of(budi.get(meeting_course.meetings("/")))
    assert "Kehadiran Anda sejauh ini: 1 dari 1 pertemuan (100%)" in record and "Hadir" in record


def test_a_learner_cannot_mark_attendance_nor_check_in_for_someone_else(meeting_course):
    gated, mid = meeting_course.gated, meeting_course.meeting_id
    budi = gated.user(BUDI, "mandiri")
    dewi_id = gated.person_id(DEWI)
    refused = budi.post(meeting_course.meetings(f"/{mid}/mark"), {"learner_id": str(dewi_id), "status": "present"})
    assert refused.status_code == 403
    # A check-in is always the launch's own person: a learner id in the form changes nothing.
    budi.post(meeting_course.meetings(f"/{mid}/check-in"),
              {"code": meeting_course.shown_code(), "learner_id": str(dewi_id)})
    grid = gated.user(RAHMAT, "mandiri").get(meeting_course.meetings(f"/{mid}"))
    assert grid.status_code == 200
    assert grid.text.count('aria-pressed="true"') == 1  # Budi's own check-in only
    assert gated.user(RAHMAT, "mandiri").post(meeting_course.meetings(f"/{mid}/check-in"),
                                               {"code": meeting_course.shown_code()}).status_code == 403


def test_the_facilitator_marks_with_one_tap_and_all_present_and_exports_the_csv(meeting_course):
    gated, mid = meeting_course.gated, meeting_course.meeting_id
    rahmat = gated.user(RAHMAT, "mandiri")
    grid = rahmat.get(meeting_course.meetings(f"/{mid}"))
    form = form_with(grid, "/mark")  # the first row
    marked = rahmat.browser.session.post(form["action"], data={**form["fields"], "status": "excused"})
    assert marked.status_code == 200 and f"/meetings/{mid}" in marked.url
    everyone = rahmat.submit_form(marked, "/all-present", {})
    assert everyone.status_code == 200
    assert everyone.text.count('aria-pressed="true"') == len(everyone.text.split('class="roster-row"')) - 1
    gated.drain()
    # Dewi: all present opens her Mandiri too (Budi was excused or present: both count).
    assert gated.gate_scores("mandiri", DEWI) == [100.0]
    csv = gated.user(TEACHER, "mandiri").get(meeting_course.meetings("/attendance.csv"))
    assert csv.status_code == 200 and csv.headers["Content-Type"].startswith("text/csv")
    assert "Pertemuan daring 1" in csv.text and '"present"' in csv.text and '"excused"' in csv.text
    audit = text_of(gated.user(TEACHER, "mandiri").get(gated.gating("/audit")))
    assert "Pertemuan daring 1" in audit


def test_a_long_meeting_gets_a_warning_and_a_bad_link_a_clear_refusal(meeting_course):
    from .conftest import plan_meeting

    gated = meeting_course.gated
    plan_meeting(gated, "Klasikal sehari penuh", hours=6)
    listing = gated.user(RAHMAT, "mandiri").get(meeting_course.meetings("/"))
    assert listing.text.count('class="notice notice-error"') == 1
    rahmat = gated.user(RAHMAT, "mandiri")
    form = rahmat.get(meeting_course.meetings("/new"))
    refused = rahmat.submit_form(form, "/meetings/new", {
        "phase_id": str(gated.phase_ids()[0]), "title": "X", "kind": "online", "link": "javascript:alert(1)",
        "starts_at": "2026-12-10T09:00", "ends_at": "2026-12-10T10:00"})
    assert refused.status_code == 400 and 'id="link-error"' in refused.text and "<title>Galat:" in refused.text


def test_staff_cancel_a_meeting_after_confirming_and_learners_see_it_cancelled(meeting_course):
    gated, mid = meeting_course.gated, meeting_course.meeting_id
    budi = gated.user(BUDI, "mandiri")
    assert budi.get(meeting_course.meetings(f"/{mid}/cancel")).status_code == 403
    assert budi.post(meeting_course.meetings(f"/{mid}/cancel"), {"confirm": "yes"}).status_code == 403
    rahmat = gated.user(RAHMAT, "mandiri")
    listing = rahmat.get(meeting_course.meetings("/"))
    assert f"/meetings/{mid}/cancel" in listing.text
    page = rahmat.get(meeting_course.meetings(f"/{mid}/cancel"))
    assert page.status_code == 200 and "Batalkan pertemuan" in page.text
    unconfirmed = rahmat.submit_form(page, f"/{mid}/cancel", {"reason": "Libur nasional"})
    assert unconfirmed.status_code == 400 and 'id="confirm-error"' in unconfirmed.text
    assert "Centang kotak" in unconfirmed.text and 'value="Libur nasional"' in unconfirmed.text
    done = rahmat.submit_form(page, f"/{mid}/cancel", {"reason": "Libur nasional", "confirm": "yes"})
    assert done.status_code == 200 and "Pertemuan “Pertemuan daring 1” dibatalkan." in text_of(done)
    assert f"/meetings/{mid}/cancel" not in done.text and "Dibatalkan" in done.text
    # The learner still sees it, as cancelled, without a check-in box; a check-in is refused.
    mine = budi.get(meeting_course.meetings("/"))
    assert "Pertemuan daring 1" in mine.text and "Dibatalkan" in mine.text and "/check-in" not in mine.text
    live = rahmat.get(meeting_course.meetings(f"/{mid}/live"))
    assert "live-code" not in live.text and "Pertemuan ini dibatalkan" in live.text
    code = codes.current_code(meeting_course.secret(), dt.datetime.now(dt.UTC))
    refused = budi.post(meeting_course.meetings(f"/{mid}/check-in"), {"code": code})
    assert refused.status_code == 409 and "dibatalkan" in refused.text
    again = rahmat.post(meeting_course.meetings(f"/{mid}/cancel"), {"confirm": "yes"})
    assert again.status_code == 409
    for rest in ("/cancel", "/edit"):
        assert rahmat.get(meeting_course.meetings(f"/{mid}{rest}")).status_code == 409
    marked = rahmat.post(meeting_course.meetings(f"/{mid}/mark"), {"learner_id": str(gated.person_id(DEWI)),
                                                                   "status": "present"})
    assert marked.status_code == 409
    audit = text_of(gated.user(TEACHER, "mandiri").get(gated.gating("/audit")))
    assert "Pertemuan dibatalkan" in audit and "Libur nasional" in audit
