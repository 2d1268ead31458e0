"""The staff and facilitator side: who may see and do what, the cohort grid with roster learners
who never launched, its CSV, the program editor's validation, and the weight of the pages."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import urljoin

from tests.lti_tool.actors import launch_into
from tests.lti_tool.coaching.conftest import User, text_of
from tests.lti_tool.conftest import INSTRUCTOR, LEARNER

from .conftest import BUDI, DEWI, RAHMAT, TEACHER, complete_attempt

LIMIT = 100 * 1024


def test_a_learner_sees_only_their_own_journey_and_cannot_decide(course):
    budi = course.user(BUDI, "mandiri")
    dewi_id = course.person_id(DEWI)
    mandiri = course.phase_ids()[0]
    for path in ("/cohort", "/cohort.csv", "/audit", f"/learners/{dewi_id}", "/program", "/settings"):
        assert budi.get(course.gating(path)).status_code == 403, path
    refused = budi.post(course.gating(f"/learners/{dewi_id}/override"), {"phase_id": str(mandiri), "reason": "x"})
    assert refused.status_code == 403
    # Another gating activity than the launched one: open it from the course.
    assert budi.get(course.gating("/", "jarak_jauh")).status_code == 403
    page = text_of(budi.get(course.gating("/")))
    assert "Dewi" not in page


def test_a_facilitator_watches_and_decides_but_does_not_edit_the_program(course):
    rahmat = course.user(RAHMAT, "mandiri")
    assert rahmat.get(course.gating("/cohort")).status_code == 200
    assert rahmat.get(course.gating("/audit")).status_code == 200
    assert rahmat.get(course.gating("/program")).status_code == 403
    assert rahmat.get(course.gating("/settings")).status_code == 403
    phase = course.phase_ids()[0]
    edit = rahmat.post(course.gating(f"/program/phases/{phase}"), {"title": "Diubah", "kind": "mandiri"})
    assert edit.status_code == 403


def test_staff_of_another_course_or_platform_get_404(course, connected):
    lms = connected.lms
    lms.add_course(course_id="3", label="LATSAR-GOL-II", title="Latsar Golongan II")
    lms.add_user(user_id="9", given_name="Agus", family_name="Salim", email="teacher9@example.com",
                 username="teacher9", roles=[INSTRUCTOR], course_id="3")
    lms.add_resource_link(course_id="3", resource_link_id="31", title="Gerbang lain", lineitem=True)
    browser, landing = launch_into(connected, "9", "31", "3")
    other = User("9", browser, landing, connected.padu.url)
    budi_id = course.person_id(BUDI)
    for path in ("/", "/cohort", "/cohort.csv", "/audit", f"/learners/{budi_id}", "/program", "/settings"):
        assert other.get(course.gating(path)).status_code == 404, path
    assert other.post(course.gating(f"/learners/{budi_id}/override"),
                      {"phase_id": str(course.phase_ids()[0]), "reason": "x"}).status_code == 404
    # A learner of another course is not in this program, even by id on staff's own page.
    lms.add_user(user_id="10", given_name="Eko", family_name="Prasetyo", email="e@example.com", username="s10",
                 roles=[LEARNER], course_id="3")
    launch_into(connected, "10", "31", "3")
    eko = course.person_id("10")
    teacher = course.user(TEACHER, "mandiri")
    assert teacher.get(course.gating(f"/learners/{eko}")).status_code == 404
    assert teacher.post(course.gating(f"/learners/{eko}/override"),
                        {"phase_id": str(course.phase_ids()[0]), "reason": "x"}).status_code == 404


def test_the_grid_lists_roster_learners_who_never_launched_and_exports_csv(course, connected):
    teacher = course.user(TEACHER, "mandiri")
    teacher.get(course.gating("/cohort"))
    course.drain()  # the page asked for the NRPS roster; the worker fetches it
    page = teacher.get(course.gating("/cohort"))
    text = text_of(page)
    assert "Sri Wahyuni (belum pernah membuka Padu)" in text
    assert "Corong fase" in text and "<svg" in page.text and "<title id=\"funnel-title\">" in page.text
    exported = teacher.get(course.gating("/cohort.csv"))
    assert exported.status_code == 200 and exported.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0] == ["name", "email", "launched", "Pembelajaran Mandiri", "Pembelajaran Jarak Jauh",
                       "Pembelajaran Klasikal"]
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["Budi Santoso"][2:] == ["yes", "open", "locked", "locked"]
    assert by_name["Sri Wahyuni"][2] == "no"
    filtered = text_of(teacher.get(course.gating("/cohort") + "?q=budi"))
    assert "Budi Santoso" in filtered and "Dewi Lestari" not in filtered
    odd = teacher.get(course.gating("/cohort") + "?activity_id=1&_external=1&page=x&phase=abc&state=nope&risk=2")
    assert odd.status_code == 200
    locked = text_of(teacher.get(course.gating("/cohort") + f"?phase={course.phase_ids()[1]}&state=open"))
    assert "Tidak ada peserta yang cocok dengan saringan ini." in locked


def test_the_program_editor_shows_validation_messages_and_saves(course):
    teacher = course.user(TEACHER, "mandiri")
    phase = course.phase_ids()[0]
    path = course.gating(f"/program/phases/{phase}")
    wrong = teacher.post(path, {"title": "Mandiri", "kind": "mandiri", "opens_at": "2026-12-10T08:00",
                                "closes_at": "2026-12-01T08:00"})
    assert wrong.status_code == 400
    assert f'id="phase-{phase}-closes_at-error"' in wrong.text and 'role="alert"' in wrong.text
    assert "<title>Galat:" in wrong.text
    saved = teacher.post(path, {"title": "Mandiri (daring)", "kind": "mandiri", "opens_at": "2026-12-01T08:00",
                                "closes_at": "2026-12-10T17:00"})
    assert saved.status_code == 200 and "Mandiri (daring)" in saved.text
    audit = text_of(teacher.get(course.gating("/audit")))
    assert "Fase diubah" in audit
    bad_requirement = teacher.post(course.gating(f"/program/phases/{phase}/requirements"),
                                   {"kind": "coaching_sessions", "sessions_needed": "0"})
    assert bad_requirement.status_code == 400 and f'id="requirement-new-{phase}-needed-error"' in bad_requirement.text


def test_a_locked_phase_says_when_it_opens(course):
    teacher = course.user(TEACHER, "mandiri")
    phase = course.phase_ids()[0]
    teacher.post(course.gating(f"/program/phases/{phase}"), {"title": "Pembelajaran Mandiri", "kind": "mandiri",
                                                              "opens_at": "2099-01-05T08:00"})
    page = text_of(course.user(BUDI, "mandiri").get(course.gating("/")))
    assert "Terkunci: fase ini dibuka pada 5 Jan 2099, 08.00 WIB" in page, page[:1500]
    # The same moment in the program's new zone (Makassar is an hour ahead of Jakarta).
    saved = teacher.post(course.gating("/program/time-zone"), {"time_zone": "Asia/Makassar"})
    assert saved.status_code == 200 and "/gating/program" in saved.url
    page = text_of(course.user(BUDI, "mandiri").get(course.gating("/")))
    assert "Terkunci: fase ini dibuka pada 5 Jan 2099, 09.00 WITA" in page, page[:1500]
    refused = teacher.post(course.gating("/program/time-zone"), {"time_zone": "Mars/Olympus"})
    assert refused.status_code == 400 and 'id="zone-time_zone-error"' in refused.text


def _weight(user, page) -> int:
    assets = re.findall(r'<(?:link rel="stylesheet" href|script src)="([^"]+)"', page.text)
    total = len(page.content)
    for asset in assets:
        total += len(user.browser.session.get(urljoin(page.url, asset)).content)
    return total


def test_the_pages_weigh_under_100_kb_and_carry_no_inline_script_or_style(course):
    budi, teacher = course.user(BUDI, "mandiri"), course.user(TEACHER, "mandiri")
    pages = [(budi, budi.get(course.gating("/")))]
    for path in ("/cohort", "/program", "/settings", "/audit", f"/learners/{course.person_id(BUDI)}"):
        pages.append((teacher, teacher.get(course.gating(path))))
    for user, page in pages:
        assert page.status_code == 200, page.url
        assert _weight(user, page) < LIMIT, page.url
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page.text)
        assert "<style" not in page.text and " style=" not in page.text


def test_an_edit_that_takes_a_completed_phase_away_asks_for_confirmation(course):
    complete_attempt(course.connected, BUDI)  # Budi passes Mandiri
    course.drain()
    teacher = course.user(TEACHER, "mandiri")
    phase = course.phase_ids()[0]
    path = course.gating(f"/program/phases/{phase}/requirements")
    asked = teacher.post(path, {"kind": "sign_off", "title": "Tanda tangan mentor"})
    assert asked.status_code == 409
    assert f'id="requirement-new-{phase}-confirm"' in asked.text and "1 peserta" in text_of(asked)
    assert "Tanda tangan mentor" not in text_of(teacher.get(course.gating("/program")))  # nothing saved
    confirmed = teacher.post(path, {"kind": "sign_off", "title": "Tanda tangan mentor", "confirm": "yes"})
    assert confirmed.status_code == 200 and "Tanda tangan mentor" in text_of(confirmed)
    journey = text_of(course.user(BUDI, "mandiri").get(course.gating("/")))
    assert "Anda berada di: Pembelajaran Mandiri" in journey
    course.drain()
    assert course.gate_scores("mandiri", BUDI) == [100.0, 0.0]


def test_the_grid_is_paged_and_the_pages_keep_the_filters(course, monkeypatch):
    from lti_tool.gating import staff

    monkeypatch.setattr(staff, "PAGE_SIZE", 1)  # Padu runs in this process (tests/padu_server.py)
    teacher = course.user(TEACHER, "mandiri")
    teacher.get(course.gating("/cohort"))
    course.drain()  # the roster (three open learners) arrives through the worker
    page = teacher.get(course.gating("/cohort") + "?page=2&state=open")
    text = text_of(page)
    assert "Halaman 2 dari 3" in text and "Sebelumnya" in text and "Berikutnya" in text
    assert "state=open" in page.text and "page=3" in page.text
