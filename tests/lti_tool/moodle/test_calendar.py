"""One calendar: the meetings of distance and classical phases become Moodle course calendar events
(against the Moodle site answering in the recorded shapes), created, updated and removed with the
meeting; a scan twice queues nothing, a change is applied once, and a worker that restarts after an
interrupted create never creates the event again."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from activities.core import Role
from activities.gating import service as gating
from activities.jobs import Job, JobError, JobStatus
from activities.meetings import service as meetings
from activities.moodle import store
from activities.moodle.calendar import CalendarStatus, link_of, set_calendar, status_of
from activities.moodle.models import CalendarChange
from lti_tool.moodle import calendar
from lti_tool.moodle.connection import REQUIRED

START = dt.datetime(2026, 12, 14, 2, tzinfo=dt.UTC)  # 09:00 WIB
END = START + dt.timedelta(hours=2)
MANDIRI, JARAK_JAUH, KLASIKAL = 0, 1, 2


@pytest.fixture
def program(db, connected, learners):
    program = gating.create_program(db, learners.course, learners.staff, Role.STAFF)
    set_calendar(db, store.sync_row(db, learners.course.id), True)
    db.commit()
    return program


def _plan(db, program, learners, phase=JARAK_JAUH, meeting_id=None, **change):
    values = dict(phase_id=program.phases[phase].id, title="Tatap muka Fase 2", kind="online",
                  link="https://meet.example.go.id/latsar-2", starts_at=START, ends_at=END,
                  facilitator_ids=[learners.staff.id])
    values.update(change)
    meeting = meetings.save_meeting(db, program, learners.staff, Role.STAFF, meeting_id, **values)
    db.commit()
    return meeting


def _send_all(db, settings, http):
    for change in db.scalars(select(CalendarChange).where(CalendarChange.sent_at.is_(None))
                             .order_by(CalendarChange.id)).all():
        calendar.send(db, settings.secret_key, http, settings.http_timeout, change)


def _sync(db, settings, http):
    """What the worker does: scan (queue), then send what was queued."""
    queued = calendar.queue_due(db)
    db.commit()
    _send_all(db, settings, http)
    return queued


def test_the_calendar_functions_are_among_those_padu_needs():
    assert {"core_calendar_create_calendar_events", "core_calendar_delete_calendar_events"} <= set(REQUIRED)


def test_meetings_of_distance_and_classical_phases_become_course_events(db, settings, http, program, learners,
                                                                         site):
    online = _plan(db, program, learners)
    in_person = _plan(db, program, learners, KLASIKAL, title="Hari klasikal 1", kind="in_person", link="",
                      place="Aula BPSDM, Jl. Diponegoro 1", starts_at=START + dt.timedelta(days=7),
                      ends_at=START + dt.timedelta(days=7, hours=3))
    _plan(db, program, learners, MANDIRI, title="Konsultasi mandiri")  # a self-study phase: not in the calendar
    assert _sync(db, settings, http) == 2
    assert len(site.events) == 2
    first = site.events[link_of(db, online.id).moodle_event_id]
    assert (first["name"], first["eventtype"], first["courseid"], first["groupid"]) == (
        "Tatap muka Fase 2", "course", 2, 0)
    assert (first["timestart"], first["timeduration"]) == (int(START.timestamp()), 7200)
    assert 'href="https://meet.example.go.id/latsar-2"' in first["description"]
    assert "Pembelajaran Jarak Jauh" in first["description"]
    second = site.events[link_of(db, in_person.id).moodle_event_id]
    assert second["timeduration"] == 3 * 3600 and "Aula BPSDM, Jl. Diponegoro 1" in second["description"]


def test_running_the_sync_twice_changes_nothing(db, settings, http, program, learners, site):
    _plan(db, program, learners)
    assert _sync(db, settings, http) == 1
    writes = list(site.writes())
    assert _sync(db, settings, http) == 0
    for change in db.scalars(select(CalendarChange)).all():  # sending the sent ones again: no call at all
        calendar.send(db, settings.secret_key, http, settings.http_timeout, change)
    assert site.writes() == writes == ["core_calendar_create_calendar_events"]


def test_an_edited_meeting_updates_its_event(db, settings, http, program, learners, site):
    meeting = _plan(db, program, learners)
    _sync(db, settings, http)
    before = link_of(db, meeting.id).moodle_event_id
    _plan(db, program, learners, meeting_id=meeting.id, title="Tatap muka Fase 2 (diundur)",
          starts_at=START + dt.timedelta(hours=1), ends_at=END + dt.timedelta(hours=2))
    assert _sync(db, settings, http) == 1
    after = link_of(db, meeting.id).moodle_event_id
    assert before not in site.events and list(site.events) == [after]
    event = site.events[after]
    assert event["name"] == "Tatap muka Fase 2 (diundur)"
    assert (event["timestart"], event["timeduration"]) == (int(START.timestamp()) + 3600, 3 * 3600)
    assert _sync(db, settings, http) == 0 and len(site.events) == 1
    assert status_of(db, learners.course.id) == CalendarStatus(in_moodle=1, waiting=0, uncertain=0)


def test_several_edits_before_a_send_reach_moodle_as_the_last_one(db, settings, http, program, learners, site):
    meeting = _plan(db, program, learners)
    calendar.queue_due(db)
    _plan(db, program, learners, meeting_id=meeting.id, title="Versi kedua")
    calendar.queue_due(db)
    db.commit()
    _send_all(db, settings, http)
    assert [e["name"] for e in site.events.values()] == ["Versi kedua"]
    assert site.writes() == ["core_calendar_create_calendar_events"]
    first = db.scalar(select(CalendarChange).order_by(CalendarChange.id))
    assert first.superseded and first.attempted_at is None


def test_a_removed_meeting_and_one_moved_to_a_self_study_phase_leave_the_calendar(db, settings, http, program,
                                                                                 learners, site):
    removed = _plan(db, program, learners)
    moved = _plan(db, program, learners, KLASIKAL, title="Hari klasikal", kind="in_person", link="", place="Aula")
    _sync(db, settings, http)
    assert len(site.events) == 2
    db.delete(removed)  # a meeting removed (or its phase deleted): its event must still go
    db.commit()
    _plan(db, program, learners, MANDIRI, meeting_id=moved.id, kind="in_person", link="", place="Aula")
    assert _sync(db, settings, http) == 2
    assert site.events == {}
    assert link_of(db, removed.id).moodle_event_id is None and link_of(db, moved.id).moodle_event_id is None
    assert _sync(db, settings, http) == 0


def test_a_cancelled_meeting_leaves_the_calendar(db, settings, http, program, learners, site):
    meeting = _plan(db, program, learners)
    _sync(db, settings, http)
    meetings.cancel_meeting(db, program, meeting, learners.staff, Role.STAFF, reason="Narasumber berhalangan")
    db.commit()
    assert _sync(db, settings, http) == 1
    assert site.events == {}


def test_an_event_deleted_in_moodle_is_made_again_when_the_meeting_changes(db, settings, http, program, learners,
                                                                           site):
    meeting = _plan(db, program, learners)
    _sync(db, settings, http)
    site.events.clear()  # a teacher deleted it in Moodle
    _plan(db, program, learners, meeting_id=meeting.id, title="Baru")
    _sync(db, settings, http)
    assert [e["name"] for e in site.events.values()] == ["Baru"]


def test_nothing_goes_to_moodle_while_the_switch_is_off(db, settings, http, program, learners, site):
    set_calendar(db, store.sync_row(db, learners.course.id), False)
    db.commit()
    _plan(db, program, learners)
    assert _sync(db, settings, http) == 0 and site.events == {}


def test_moodle_down_is_retried_and_creates_the_event_once(db, settings, http, program, learners, site):
    meeting = _plan(db, program, learners)
    calendar.queue_due(db)
    db.commit()
    change = db.scalar(select(CalendarChange))
    site.down = True  # 503: maintenance, nothing ran
    with pytest.raises(JobError) as failed:
        calendar.send(db, settings.secret_key, http, settings.http_timeout, change)
    assert failed.value.retryable and change.attempted_at is None
    site.down = False
    calendar.send(db, settings.secret_key, http, settings.http_timeout, change)
    assert list(site.events) == [link_of(db, meeting.id).moodle_event_id]


def test_an_unanswered_create_is_never_repeated(db, settings, http, program, learners, site):
    _plan(db, program, learners)
    calendar.queue_due(db)
    db.commit()
    change = db.scalar(select(CalendarChange))
    assert status_of(db, learners.course.id) == CalendarStatus(in_moodle=0, waiting=1, uncertain=0)
    site.fail_after = {"core_calendar_create_calendar_events"}  # Moodle made it, then answered 500
    with pytest.raises(JobError) as failed:
        calendar.send(db, settings.secret_key, http, settings.http_timeout, change)
    assert not failed.value.retryable and "does not create it again" in failed.value.reason
    site.fail_after = set()
    with pytest.raises(JobError):
        calendar.send(db, settings.secret_key, http, settings.http_timeout, change)
    assert len(site.events) == 1 and site.writes() == ["core_calendar_create_calendar_events"]
    assert status_of(db, learners.course.id) == CalendarStatus(in_moodle=0, waiting=0, uncertain=1)


def test_a_worker_restart_creates_nothing_twice(worker_runtime, site):
    """Through the worker: a change whose worker died after asking Moodle is failed, not sent again;
    the next change of the same meeting goes through once."""
    from activities.core import Person, upsert_course, upsert_membership, upsert_person
    from activities.db import utcnow
    from activities.gating.models import Program
    from lti_tool.worker import run_once

    runtime, platform_id = worker_runtime
    with runtime.session_factory() as db:
        course = upsert_course(db, platform_id, "2")
        staff = upsert_person(db, platform_id, "3", name="Siti Rahmawati")
        upsert_membership(db, course, staff, Role.STAFF)
        program = gating.create_program(db, course, staff, Role.STAFF)
        set_calendar(db, store.sync_row(db, course.id), True)
        meeting = meetings.save_meeting(db, program, staff, Role.STAFF, phase_id=program.phases[1].id,
                                        title="Tatap muka", kind="online", link="https://meet.example.go.id/a",
                                        starts_at=START, ends_at=END)
        db.commit()
        ids = (program.id, meeting.id, staff.id)
    assert calendar.queue_periodic(runtime) == 1
    assert calendar.queue_periodic(runtime) is None  # not due again for INTERVAL
    with runtime.session_factory() as db:
        # A worker claimed the job, committed the attempt, asked Moodle, and died before the answer.
        change = db.scalar(select(CalendarChange))
        change.attempted_at = utcnow()
        db.commit()
    run_once(runtime)  # the next worker
    with runtime.session_factory() as db:
        job = db.scalar(select(Job).where(Job.kind == calendar.JOB_KIND))
        assert job.status == JobStatus.FAILED.value and "does not create it again" in job.last_error
    assert site.writes() == []
    run_once(runtime)
    assert site.writes() == []
    with runtime.session_factory() as db:
        program = db.get(Program, ids[0])
        person = db.get(Person, ids[2])
        meetings.save_meeting(db, program, person, Role.STAFF, ids[1], phase_id=program.phases[1].id,
                              title="Tatap muka (pindah jam)", kind="online", link="https://meet.example.go.id/a",
                              starts_at=START + dt.timedelta(hours=1), ends_at=END + dt.timedelta(hours=1))
        calendar.queue_due(db)
        db.commit()
    run_once(runtime)
    run_once(runtime)
    assert site.writes() == ["core_calendar_create_calendar_events"]
    assert [e["name"] for e in site.events.values()] == ["Tatap muka (pindah jam)"]
    with runtime.session_factory() as db:
        assert link_of(db, ids[1]).moodle_event_id in site.events
