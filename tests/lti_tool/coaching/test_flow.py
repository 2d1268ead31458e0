"""The coaching loop over HTTP: hand in, revision, hand in again, acceptance — and Moodle's
gradebook hearing each step with the right AGS progress, in order."""

from __future__ import annotations

import csv as csv_module
import datetime as dt
import io
import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from activities.coaching import service
from activities.coaching.models import Submission
from activities.core import Activity
from activities.course.models import CoachingSession
from lti_tool import worker

from .conftest import PDF, SETTINGS, User, add_facilitators, set_up_task, text_of


def test_submit_revise_resubmit_accept_reaches_moodle_in_order(task):
    handed_in = task.hand_in(task.budi, "Saya membuat SOP layanan.\nDiuji di loket.",
                             links="https://drive.example.go.id/laporan",
                             files={"files": ("laporan.pdf", PDF, "application/pdf")})
    assert handed_in.status_code == 200
    assert "Waiting for review" in handed_in.text or "Menunggu" in handed_in.text
    task.drain()

    queue = task.rahmat.get(task.path("/queue"))
    assert queue.status_code == 200 and "Budi Santoso" in queue.text
    page = task.rahmat.get(task.learner_path("4"))
    assert "Saya membuat SOP layanan." in page.text and "laporan.pdf" in page.text
    assert 'rel="noopener noreferrer nofollow"' in page.text

    asked = task.review(task.rahmat, "4", "revise", "Tambahkan foto kegiatan.\nSebutkan dampaknya.")
    assert asked.status_code == 200 and "/queue" in asked.url
    task.drain()

    mine = task.budi.get(task.path("/"))
    assert "Tambahkan foto kegiatan." in mine.text
    # The revision starts from the last version's text, to edit rather than retype.
    assert re.search(r'<textarea id="reflection"[^>]*>Saya membuat SOP layanan.\nDiuji di loket.</textarea>', mine.text)
    again = task.hand_in(task.budi, "Saya membuat SOP layanan dan memotret kegiatannya.",
                         files={"files": ("foto.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png")})
    assert again.status_code == 200
    task.drain()

    accepted = task.review(task.rahmat, "4", "accept", "Bagus.", c1="l3", c2="l2")
    assert accepted.status_code == 200
    task.drain()

    assert task.scores_of("4") == [
        ("Submitted", "PendingManual", None),
        ("InProgress", "PendingManual", None),
        ("Submitted", "PendingManual", None),
        ("Completed", "FullyGraded", 100.0),
    ]
    final = text_of(task.budi.get(task.path("/")))
    assert "100 / 100" in final
    assert "Version 2" in final or "Versi 2" in final
    with task.connected.padu.session() as db:
        submission = db.scalars(select(Submission)).one()
        assert submission.status == "accepted" and submission.current_version == 2
        assert [len(v.files) for v in submission.versions] == [1, 1]


def test_two_first_hand_ins_racing_end_in_a_409_not_a_500(task, monkeypatch):
    def raced(*args, **kwargs):
        raise IntegrityError("INSERT INTO coaching_submission", {}, Exception("UNIQUE constraint failed"))

    monkeypatch.setattr(service, "submit", raced)
    answer = task.hand_in(task.budi, "Dua kali")
    assert answer.status_code == 409 and ">Dua kali</textarea>" in answer.text


def test_an_accepted_task_offers_no_form_and_refuses_another_hand_in(task):
    task.hand_in(task.budi)
    task.review(task.rahmat, "4", "accept", c1="l1", c2="l1")
    page = task.budi.get(task.path("/"))
    assert "/submit" not in page.text
    refused = task.hand_in(task.budi, "Lagi")
    assert refused.status_code == 409


def test_evidence_files_open_for_the_learner_the_coach_and_staff(task):
    task.hand_in(task.budi, files={"files": ("laporan.pdf", PDF, "application/pdf")})
    page = task.budi.get(task.path("/"))
    link = re.search(r'href="([^"]*/files/\d+[^"]*)"', page.text).group(1).replace("&amp;", "&")
    for user in (task.budi, task.rahmat, task.teacher):
        answer = user.browser.session.get(user.url(link.split("?")[0]), params={"s": user.token})
        assert answer.status_code == 200, user.sub
        assert answer.content == PDF
        assert answer.headers["Content-Type"] == "application/pdf"
        assert answer.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_a_revision_without_feedback_is_refused_next_to_the_field(task):
    task.hand_in(task.budi)
    refused = task.review(task.rahmat, "4", "revise", "")
    assert refused.status_code == 400
    assert 'id="feedback-error"' in refused.text
    assert re.search(r'<textarea id="feedback"[^>]*aria-describedby="feedback-hint feedback-error"', refused.text)


def test_accepting_needs_every_criterion_and_keeps_what_was_chosen(task):
    task.hand_in(task.budi)
    refused = task.review(task.rahmat, "4", "accept", "Baik", c1="l2")
    assert refused.status_code == 400
    assert 'id="level-c1-l2" value="l2" checked' in refused.text
    assert ">Baik</textarea>" in refused.text
    with task.connected.padu.session() as db:
        assert db.scalars(select(Submission)).one().status == "submitted"


def test_coaching_sessions_are_logged_and_the_learner_sees_the_agreed_actions(task):
    logged = task.rahmat.post(task.learner_path("4", "/sessions"), {
        "held_on": "2026-11-30", "mode": "in_person", "notes": "Membahas hambatan di loket.",
        "agreed_actions": "Menyusun SOP\n\nMengukur waktu tunggu",
    })
    assert logged.status_code == 200 and "Membahas hambatan di loket." in logged.text
    learner_page = task.budi.get(task.path("/"))
    assert "Menyusun SOP" in learner_page.text and "Mengukur waktu tunggu" in learner_page.text
    assert "Membahas hambatan" not in learner_page.text  # notes are for coaches and staff
    future = task.rahmat.post(task.learner_path("4", "/sessions"), {"held_on": "2099-01-01", "mode": "online"})
    assert future.status_code == 400 and 'id="held_on-error"' in future.text
    with task.connected.padu.session() as db:
        assert len(db.scalars(select(CoachingSession)).all()) == 1


def test_the_overview_counts_and_the_csv_lists_every_learner(task):
    task.hand_in(task.budi)
    task.review(task.rahmat, "4", "accept", c1="l3", c2="l2")
    overview = task.teacher.get(task.path("/overview"))
    assert overview.status_code == 200
    assert "Rahmat Hidayat" in overview.text and "Wulan Sari" in overview.text
    assert f'href="/a/{task.activity_id}/grades?s=' in overview.text
    csv = task.teacher.get(task.path("/overview.csv"))
    assert csv.status_code == 200
    assert csv.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in csv.headers["Content-Disposition"]
    rows = [",".join(row) for row in csv_module.reader(io.StringIO(csv.content.decode("utf-8-sig")))]
    assert rows[0].startswith("learner,email,coach,status")
    assert any(row.startswith("Budi Santoso,student1@example.com,Rahmat Hidayat,accepted,1,") and row.endswith(",100,100")
               for row in rows)
    assert any(row.startswith("Dewi Lestari,student2@example.com,Wulan Sari,not_submitted") for row in rows)


def test_spread_evenly_gives_learners_without_coach_the_least_loaded_coach(connected):
    add_facilitators(connected.lms)
    task = set_up_task(connected)
    task.teacher.get(task.path("/coaches"))
    worker.run_once(connected.padu.runtime)  # the page asked for the NRPS roster; the worker fetches it
    page = task.teacher.get(task.path("/coaches"))
    # The NRPS roster lists everyone of the course, even those who never opened Padu.
    assert "Budi Santoso" in page.text and "Dewi Lestari" in page.text and "Rahmat Hidayat" in page.text
    spread = task.teacher.submit_form(page, "/coaches/spread", {"coach": [str(task.person_id("6")),
                                                                          str(task.person_id("7"))]})
    assert spread.status_code == 200
    browser, landing = connected.launch("6")
    queue = User("6", browser, landing, connected.padu.url).get(task.path("/queue"))
    browser, landing = connected.launch("7")
    other = User("7", browser, landing, connected.padu.url).get(task.path("/queue"))
    mine = {name for name in ("Budi Santoso", "Dewi Lestari") if name in queue.text.split("<h2")[-1]}
    theirs = {name for name in ("Budi Santoso", "Dewi Lestari") if name in other.text.split("<h2")[-1]}
    assert len(mine) == len(theirs) == 1 and mine != theirs


def test_settings_errors_are_shown_next_to_each_field_and_nothing_is_lost(task):
    page = task.teacher.get(task.path("/settings"))
    assert "Analisis masalah | Sangat baik | 5" in page.text
    assert 'value="2030-12-20T17:00"' in page.text
    bad = dict(SETTINGS, title="", evidence_types=[], max_mb="500", rubric_rows="Analisis | Baik\nx | y | z",
               due_at="besok", review_target_days="99", instructions="<p>Tetap di sini</p>")
    refused = task.teacher.submit_form(page, "/coaching/settings", bad)
    assert refused.status_code == 400
    for field in ("title", "evidence_types", "max_mb", "rubric_rows", "due_at", "review_target_days"):
        assert f'id="{field}-error"' in refused.text, field
    assert "&lt;p&gt;Tetap di sini&lt;/p&gt;" in refused.text
    assert "Analisis | Baik\nx | y | z" in refused.text
    assert 'value="besok"' in refused.text
    with task.connected.padu.session() as db:
        assert db.get(Activity, task.activity_id).settings["review_target_days"] == 3


def test_settings_are_cleaned_and_the_due_date_is_jakarta_time(task):
    with task.connected.padu.session() as db:
        settings = db.get(Activity, task.activity_id).settings
    assert "<script>" not in settings["instructions"] and "<strong>BerAKHLAK</strong>" in settings["instructions"]
    assert settings["due_at"] == "2030-12-20T10:00:00+00:00"
    assert [c["title"] for c in settings["rubric"]["criteria"]] == ["Analisis masalah", "Rencana aksi"]
    page = task.budi.get(task.path("/"))
    assert "<strong>BerAKHLAK</strong>" in page.text and "alert(1)" not in page.text
    assert "17.00 WIB" in page.text


def test_a_due_date_with_another_zone_keeps_that_zone(connected):
    task = set_up_task(connected, dict(SETTINGS, due_at="2030-12-20T17:00", due_zone="Asia/Jayapura"))
    with connected.padu.session() as db:
        assert db.get(Activity, task.activity_id).settings["due_at"] == "2030-12-20T08:00:00+00:00"


def test_work_waiting_longer_than_the_review_target_is_marked_overdue(task):
    task.hand_in(task.budi)
    task.hand_in(task.dewi)
    with task.connected.padu.session() as db:
        budi = db.scalars(select(Submission).where(Submission.learner_id == task.person_id("4"))).one()
        budi.last_submitted_at -= dt.timedelta(days=4)
        db.commit()
    queue = task.teacher.get(task.path("/queue"))
    rows = re.findall(r"<tr><th scope=\"row\">.*?</tr>", queue.text, re.S)
    assert "Budi Santoso" in rows[0] and "badge-bad" in rows[0]  # oldest first, and overdue
    assert "Dewi Lestari" in rows[1] and "badge-bad" not in rows[1]


def test_a_simple_maximum_is_scored_with_a_number_typed_the_indonesian_way(connected):
    task = set_up_task(connected, dict(SETTINGS, rubric_type="simple", rubric_maximum="10"))
    browser, landing = connected.launch("4")
    task.users["4"] = User("4", browser, landing, connected.padu.url)
    task.hand_in(task.budi)
    page = task.teacher.get(task.learner_path("4"))
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
    too_high = task.teacher.post(task.learner_path("4", "/review"), {"version": version, "decision": "accept",
                                                                     "score": "11"})
    assert too_high.status_code == 400 and 'id="score-error"' in too_high.text and 'value="11"' in too_high.text
    accepted = task.teacher.post(task.learner_path("4", "/review"), {"version": version, "decision": "accept",
                                                                     "score": "7,5"})
    assert accepted.status_code == 200
    task.drain()
    assert task.scores_of("4")[-1] == ("Completed", "FullyGraded", 75.0)
