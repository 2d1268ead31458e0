"""Moodle on the gating pages: staff read the web-services status (and how to enable it while
there is no token), pick a native requirement from the course's activity list as Moodle names
it, and the learner's journey says as of when Moodle was read."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from activities import events
from activities.core import Course, Person
from activities.jobs import Job
from activities.moodle import store
from activities.moodle.models import Connection, CourseSync
from lti_tool.moodle.token import seal
from tests.lti_tool.coaching.conftest import text_of

from .conftest import BUDI, DEWI, TEACHER

READ_AT = dt.datetime(2026, 12, 1, 3, 0, tzinfo=dt.UTC)  # 10.00 WIB


def test_the_program_page_says_plainly_what_needs_the_token(course):
    page = text_of(course.user(TEACHER, "mandiri").get(course.gating("/program")))
    assert "Layanan web Moodle" in page
    assert "Belum terhubung" in page and "padu platform set-ws" in page
    assert "Ini memerlukan token layanan web Moodle" in page  # where the requirement editor would list activities


def test_a_native_requirement_is_chosen_from_moodle_names_and_shown_as_of_the_reading(course):
    padu = course.connected.padu
    with padu.session() as db:
        the_course = db.scalars(select(Course)).one()
        db.add(Connection(platform_id=the_course.platform_id, token_sealed=seal("any", "t"), site_name="Moodle BPSDM",
                          release="4.5.6 (Build: 20250811)", missing_functions=["core_group_create_groups"]))
        store.store_modules(db, the_course.id, [
            store.ModuleRead(cmid=6, section=1, section_name="Fase 1 - Mandiri", name="Materi Fase 1 - Orientasi",
                             modname="page", completion=1)], READ_AT)
        store.record_success(db, the_course.id, READ_AT)
        db.commit()
        course_id = the_course.id
    teacher = course.user(TEACHER, "mandiri")
    program = teacher.get(course.gating("/program"))
    page = text_of(program)
    assert "Terhubung ke Moodle BPSDM" in page and "core_group_create_groups" in page
    assert "Terakhir dibaca dari Moodle" in page
    assert '<optgroup label="Fase 1 - Mandiri">' in program.text and "Materi Fase 1 - Orientasi (page)" in page

    mandiri = course.phase_ids()[0]
    refused = teacher.post(course.gating(f"/program/phases/{mandiri}/requirements"),
                           {"kind": "moodle_completion", "cmid": "999", "title": "Baca materi"})
    assert refused.status_code == 400
    assert "Pilih aktivitas dari daftar aktivitas Moodle kursus ini." in text_of(refused)
    no_grade = teacher.post(course.gating(f"/program/phases/{mandiri}/requirements"),
                            {"kind": "moodle_grade", "cmid": "6", "moodle_min_percent": "150"})
    # The message sits by the Moodle grade's own field, not by the coaching tasks' lowest score.
    assert no_grade.status_code == 400 and f'id="requirement-new-{mandiri}-moodle_min_percent-error"' in no_grade.text
    added = teacher.post(course.gating(f"/program/phases/{mandiri}/requirements"),
                         {"kind": "moodle_completion", "cmid": "6", "title": "Baca materi", "confirm": "yes"},
                         allow_redirects=True)
    assert added.status_code == 200, added.text[:800]
    assert "Baca materi" in text_of(added)

    budi = course.user(BUDI, "mandiri")
    journey = text_of(budi.get(course.gating("/")))
    assert "Belum selesai di Moodle, per 1 Des 2026" in journey, journey[:2000]
    with padu.session() as db:
        budi_id = db.scalars(select(Person.id).where(Person.sub == BUDI)).one()
        changed = store.store_readings(db, course_id, {(budi_id, 6): store.Reading(True, None)}, READ_AT)
        events.fact_changed(db, course_id, changed)
        db.commit()
    assert "Selesai di Moodle, per 1 Des 2026" in text_of(budi.get(course.gating("/")))


def test_staff_switch_the_phase_groups_the_messages_and_the_calendar(course):
    padu = course.connected.padu
    with padu.session() as db:
        the_course = db.scalars(select(Course)).one()
        db.add(Connection(platform_id=the_course.platform_id, token_sealed=seal("any", "t"), site_name="Moodle BPSDM",
                          release="4.5.6", missing_functions=[]))
        db.commit()
        course_id = the_course.id
    teacher = course.user(TEACHER, "mandiri")
    saved = teacher.post(course.gating("/program/moodle"), {"phase_groups": "on", "notify_revision": "on", "calendar": "on",
                                                               "notify_meeting": "on"}, allow_redirects=True)
    assert saved.status_code == 200 and "Pilihan Moodle disimpan." in text_of(saved)
    assert 'id="moodle-phase_groups" name="phase_groups" value="on" checked' in saved.text
    assert 'id="moodle-calendar" name="calendar" value="on" checked' in saved.text
    assert 'id="moodle-notify_meeting" name="notify_meeting" value="on" checked' in saved.text
    assert ("Saat pertemuan yang harus mereka ikuti dimulai dalam satu jam (judul, waktu, tautan atau tempat), dan "
            "saat pertemuan yang sudah diingatkan kemudian dibatalkan atau dipindah") in text_of(saved)
    assert "Masukkan pertemuan fase jarak jauh dan klasikal ke kalender kursus Moodle" in text_of(saved)
    assert "Pertemuan di kalender Moodle: 0; perubahan yang menunggu dikirim: 0." in text_of(saved)
    with padu.session() as db:
        row = db.get(CourseSync, course_id)
        assert row.phase_groups and row.notify_revision_since is not None and row.calendar
        assert row.notify_meeting_since is not None
        assert row.notify_phase_open_since is None and row.notify_review_since is None
        # Saving queued a sync, which applies the phase groups.
        assert db.scalar(select(Job.kind).where(Job.kind == "moodle.sync")) == "moodle.sync"
    cleared = teacher.post(course.gating("/program/moodle"), {}, allow_redirects=True)
    assert cleared.status_code == 200
    with padu.session() as db:
        row = db.get(CourseSync, course_id)
        assert not row.phase_groups and row.notify_revision_since is None and not row.calendar
        assert row.notify_meeting_since is None


def test_a_launch_queues_a_sync_without_waiting_for_moodle(course):
    padu = course.connected.padu
    with padu.session() as db:
        the_course = db.scalars(select(Course)).one()
        assert db.scalar(select(Job.id).where(Job.kind == "moodle.sync")) is None  # no token: nothing queued
        db.add(Connection(platform_id=the_course.platform_id, token_sealed=seal("any", "t"), site_name="Moodle BPSDM",
                          release="4.5.6", missing_functions=[]))
        db.commit()
        course_id = the_course.id
    course.user(DEWI, "mandiri")  # a launch: 200 at once, Moodle is not asked
    with padu.session() as db:
        job = db.scalars(select(Job).where(Job.kind == "moodle.sync")).one()
        assert job.payload == {"course_id": course_id} and job.status == "pending"
