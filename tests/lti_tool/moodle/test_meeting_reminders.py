"""Moodle messages: a reminder to each learner a meeting expects when it starts within the hour, sent
once (not by a second scan, not by a restarted worker); not for a meeting further off, cancelled or
started, not for a learner whose phase is locked or outside the meeting's group, not with the switch
off; a meeting moved after its reminder reminds again with the new time. A learner reminded of a
meeting that is then cancelled, removed or moved more than an hour off, before the time the reminder
gave, is told so once."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from activities import events
from activities.core import Role, upsert_membership, upsert_person
from activities.gating import service as gating
from activities.jobs import JobError
from activities.meetings import service as meetings
from activities.moodle import store
from activities.moodle.models import Notification
from activities.moodle.notifications import collect, set_switches
from lti_tool.moodle import messages

from ...activities.statements import counted_statements

NOW = dt.datetime(2026, 12, 14, 1, 10, tzinfo=dt.UTC)
SOON = dt.datetime(2026, 12, 14, 2, tzinfo=dt.UTC)  # 50 minutes from NOW: 09:00 WIB
FIRST, SECOND = 0, 1
LINK = "https://meet.example.go.id/latsar-2"


@pytest.fixture
def program(db, connected, learners):
    program = gating.create_program(db, learners.course, learners.staff, Role.STAFF)
    set_switches(db, store.sync_row(db, learners.course.id), ["meeting"])
    db.commit()
    return program


def _plan(db, program, learners, phase=FIRST, meeting_id=None, **change):
    values = dict(phase_id=program.phases[phase].id, title="Tatap muka <b>Fase 1</b>", kind="online", link=LINK,
                  starts_at=SOON, ends_at=SOON + dt.timedelta(hours=2), facilitator_ids=[learners.staff.id])
    values.update(change)
    meeting = meetings.save_meeting(db, program, learners.staff, Role.STAFF, meeting_id, **values)
    db.commit()
    return meeting


def _run(db, settings, http, now=NOW):
    """One worker minute: scan, then send what is waiting."""
    queued = messages.queue_due(db, now)
    db.commit()
    for notification in db.scalars(select(Notification).where(Notification.sent_at.is_(None),
                                                               Notification.attempted_at.is_(None))).all():
        messages.send(db, settings.secret_key, http, settings.http_timeout, notification, now=now)
    return queued


def test_a_meeting_within_the_hour_reminds_each_expected_learner_once(db, engine, settings, http, program, learners,
                                                                     site):
    _plan(db, program, learners)
    _plan(db, program, learners, title="Besok", starts_at=SOON + dt.timedelta(hours=1, minutes=10),
          ends_at=SOON + dt.timedelta(hours=3))  # 2 h ahead: not yet
    assert _run(db, settings, http) == 2
    text = ("Pengingat: pertemuan “Tatap muka <b>Fase 1</b>” dimulai kurang dari satu jam lagi, Senin, 14 Desember "
            f"2026, pukul 09.00 WIB. Tautan: {LINK}")
    assert sorted(site.messages) == [(4, text), (5, text)]  # plain text: Moodle shows the <b> as typed
    assert _run(db, settings, http, NOW + dt.timedelta(minutes=1)) == 0  # the next minute: already reminded
    with Session(engine) as restarted:  # a worker restarted: the outbox, not its memory, says what was sent
        assert messages.queue_due(restarted, NOW + dt.timedelta(minutes=2)) == 0
        restarted.commit()
    assert len(site.messages) == 2
    assert _run(db, settings, http, NOW + dt.timedelta(minutes=71)) == 2  # the other meeting, 49 minutes ahead
    assert len(site.messages) == 4


def test_in_person_meetings_name_the_place_in_the_programs_time_zone(db, settings, http, program, learners, site):
    program.time_zone = "Asia/Makassar"
    _plan(db, program, learners, title="Hari klasikal 1", kind="in_person", link="", place="Aula BPSDM")
    assert _run(db, settings, http) == 2
    assert site.messages[0][1] == ("Pengingat: pertemuan “Hari klasikal 1” dimulai kurang dari satu jam lagi, Senin, "
                                   "14 Desember 2026, pukul 10.00 WITA. Tempat: Aula BPSDM")


def test_no_reminder_for_a_cancelled_or_started_meeting_or_with_the_switch_off(db, settings, http, program, learners,
                                                                              site):
    cancelled = _plan(db, program, learners)
    meetings.cancel_meeting(db, program, cancelled, learners.staff, Role.STAFF, reason="Narasumber sakit")
    _plan(db, program, learners, title="Sudah mulai", starts_at=NOW - dt.timedelta(minutes=5))
    db.commit()
    assert _run(db, settings, http) == 0
    later = _plan(db, program, learners, title="Nanti", starts_at=SOON + dt.timedelta(minutes=5))
    set_switches(db, store.sync_row(db, learners.course.id), ["phase_open", "review", "revision"])
    db.commit()
    assert _run(db, settings, http) == 0  # every switch but the meeting reminder
    set_switches(db, store.sync_row(db, learners.course.id), ["meeting"])
    db.commit()
    assert _run(db, settings, http) == 2  # switched on 55 minutes before it starts: still to come, so reminded
    assert {text for _user, text in site.messages} == {site.messages[0][1]} and later.title in site.messages[0][1]


def test_only_learners_whose_phase_is_open_and_who_are_in_the_group(db, settings, http, program, learners, site):
    first, second = program.phases[FIRST], program.phases[SECOND]
    gating.sign_off(db, program, learners.staff, Role.STAFF, learners.budi.id, first.requirements[0].id)
    db.commit()  # phase 2 opens for Budi only
    _plan(db, program, learners, SECOND, title="Fase 2")
    _plan(db, program, learners, FIRST, title="Kelompok Dewi", learner_ids=[learners.dewi.id])
    assert second.id and _run(db, settings, http) == 2
    assert sorted(site.messages) == sorted([
        (4, "Pengingat: pertemuan “Fase 2” dimulai kurang dari satu jam lagi, Senin, 14 Desember 2026, pukul "
            f"09.00 WIB. Tautan: {LINK}"),
        (5, "Pengingat: pertemuan “Kelompok Dewi” dimulai kurang dari satu jam lagi, Senin, 14 Desember 2026, "
            f"pukul 09.00 WIB. Tautan: {LINK}")])


def test_a_moved_meeting_reminds_again_and_a_stale_reminder_is_not_sent(db, settings, http, program, learners, site):
    meeting = _plan(db, program, learners)
    assert _run(db, settings, http) == 2
    _plan(db, program, learners, meeting_id=meeting.id, starts_at=SOON + dt.timedelta(minutes=30),
          ends_at=SOON + dt.timedelta(hours=2))
    assert _run(db, settings, http, NOW + dt.timedelta(minutes=30)) == 2  # the new time, 50 minutes ahead again
    assert [text.split(", pukul ")[1][:5] for _user, text in site.messages] == ["09.00", "09.00", "09.30", "09.30"]
    # Queued, then moved (or cancelled) before the worker sent it: the reminder is no longer true.
    other = _plan(db, program, learners, title="Dipindah", starts_at=SOON + dt.timedelta(minutes=40),
                  ends_at=SOON + dt.timedelta(hours=2))
    assert messages.queue_due(db, NOW + dt.timedelta(minutes=30)) == 2
    db.commit()
    _plan(db, program, learners, meeting_id=other.id, starts_at=SOON + dt.timedelta(hours=3),
          ends_at=SOON + dt.timedelta(hours=4))
    for notification in db.scalars(select(Notification).where(Notification.sent_at.is_(None))).all():
        with pytest.raises(JobError) as refused:
            messages.send(db, settings.secret_key, http, settings.http_timeout, notification,
                          now=NOW + dt.timedelta(minutes=31))
        assert "no longer true" in refused.value.reason and not refused.value.retryable
    assert len(site.messages) == 4


def test_the_scan_reads_as_many_statements_for_a_class_as_for_two(db, engine, program, learners):
    """Only the inserts grow with the class: one per new message (the ORM batches them where the database can)."""
    def reads(now):
        with counted_statements(engine) as seen:
            added = collect(db, now)
        db.commit()
        return len([s for s in seen if not s.startswith("INSERT")]), len(added)

    _plan(db, program, learners)
    few = reads(NOW)
    # the courses, the meetings, who is expected, which reminders exist, the last hour's reminders (to changes)
    assert few == (5, 2)
    more = [upsert_person(db, learners.course.platform_id, str(100 + i), name=f"Peserta {i}") for i in range(40)]
    for person in more:
        upsert_membership(db, learners.course, person, Role.LEARNER)
    events.fact_changed(db, learners.course.id, [p.id for p in more])  # phase 1 opens for them
    _plan(db, program, learners, title="Kelas besar")
    assert reads(NOW) == (5, 40 + 42)  # the new learners at the first meeting, everyone at the second


def test_moodle_down_is_retried_and_an_unanswered_send_is_never_repeated(db, settings, http, program, learners,
                                                                         site):
    _plan(db, program, learners)
    assert messages.queue_due(db, NOW) == 2
    db.commit()
    budi, dewi = db.scalars(select(Notification).order_by(Notification.learner_id)).all()
    site.down = True  # 503: maintenance, nothing ran
    with pytest.raises(JobError) as failed:
        messages.send(db, settings.secret_key, http, settings.http_timeout, budi, now=NOW)
    assert failed.value.retryable and budi.attempted_at is None
    site.down = False
    messages.send(db, settings.secret_key, http, settings.http_timeout, budi, now=NOW)
    assert budi.sent_at is not None and [user for user, _text in site.messages] == [4]
    site.fail_after = {"core_message_send_instant_messages"}  # Moodle sent it, then answered 500
    with pytest.raises(JobError) as failed:
        messages.send(db, settings.secret_key, http, settings.http_timeout, dewi, now=NOW)
    assert not failed.value.retryable and "does not send it again" in failed.value.reason
    site.fail_after = set()
    with pytest.raises(JobError):
        messages.send(db, settings.secret_key, http, settings.http_timeout, dewi, now=NOW)
    assert [user for user, _text in site.messages] == [4, 5] and dewi.sent_at is None


def _cancel(db, program, learners, meeting):
    meetings.cancel_meeting(db, program, meeting, learners.staff, Role.STAFF, reason="Narasumber sakit")
    db.commit()


def test_a_reminded_meeting_cancelled_before_it_starts_is_announced_once_to_those_reminded(db, settings, http,
                                                                                          program, learners, site):
    meeting = _plan(db, program, learners)
    assert _run(db, settings, http) == 2
    _cancel(db, program, learners, meeting)
    assert _run(db, settings, http, NOW + dt.timedelta(minutes=10)) == 2
    cancelled = ("Pertemuan “Tatap muka <b>Fase 1</b>” yang dijadwalkan Senin, 14 Desember 2026, pukul 09.00 WIB "
                 "dibatalkan.")
    assert sorted(site.messages[2:]) == [(4, cancelled), (5, cancelled)]
    assert _run(db, settings, http, NOW + dt.timedelta(minutes=11)) == 0  # once
    assert len(site.messages) == 4


def test_no_cancellation_message_to_the_unreminded_nor_after_the_time_given(db, settings, http, program, learners,
                                                                            site):
    far = _plan(db, program, learners, title="Besok", starts_at=SOON + dt.timedelta(days=1),
                ends_at=SOON + dt.timedelta(days=1, hours=2))
    _cancel(db, program, learners, far)  # never reminded: Padu's page and Moodle's calendar show it
    late = _plan(db, program, learners, title="Terlambat dibatalkan")
    assert _run(db, settings, http) == 2  # the reminders of the second meeting only
    _cancel(db, program, learners, late)
    assert _run(db, settings, http, SOON + dt.timedelta(minutes=5)) == 0  # cancelled after its start: no news
    assert len(site.messages) == 2


def test_a_reminded_meeting_removed_is_announced_as_cancelled(db, settings, http, program, learners, site):
    meeting = _plan(db, program, learners)
    assert _run(db, settings, http) == 2
    db.delete(meeting)  # staff removed it, or its phase
    db.commit()
    assert _run(db, settings, http, NOW + dt.timedelta(minutes=1)) == 2
    assert {text for _user, text in site.messages[2:]} == {
        "Pertemuan yang dijadwalkan Senin, 14 Desember 2026, pukul 09.00 WIB dibatalkan."}


def test_a_reminded_meeting_moved_more_than_an_hour_off_is_announced_with_its_new_time(db, settings, http, program,
                                                                                      learners, site):
    meeting = _plan(db, program, learners)
    assert _run(db, settings, http) == 2
    tomorrow = SOON + dt.timedelta(days=1, hours=5)
    _plan(db, program, learners, meeting_id=meeting.id, starts_at=tomorrow, ends_at=tomorrow + dt.timedelta(hours=2),
          kind="in_person", link="", place="Aula BPSDM")
    assert _run(db, settings, http, NOW + dt.timedelta(minutes=5)) == 2
    moved = ("Jadwal pertemuan “Tatap muka <b>Fase 1</b>” berubah: kini Selasa, 15 Desember 2026, pukul 14.00 WIB, "
             "bukan Senin, 14 Desember 2026, pukul 09.00 WIB. Tempat: Aula BPSDM")
    assert sorted(site.messages[2:]) == [(4, moved), (5, moved)]
    assert _run(db, settings, http, NOW + dt.timedelta(minutes=6)) == 0
    # An hour before the new time, the new time's own reminder.
    assert _run(db, settings, http, tomorrow - dt.timedelta(minutes=50)) == 2
    assert "pukul 14.00" in site.messages[-1][1] and site.messages[-1][1].startswith("Pengingat")


def test_a_move_to_within_the_hour_is_told_by_the_new_reminder_alone(db, settings, http, program, learners, site):
    meeting = _plan(db, program, learners)
    assert _run(db, settings, http) == 2
    _plan(db, program, learners, meeting_id=meeting.id, starts_at=SOON + dt.timedelta(minutes=10),
          ends_at=SOON + dt.timedelta(hours=2))
    assert _run(db, settings, http, NOW + dt.timedelta(minutes=5)) == 2  # 55 minutes ahead: reminded again
    assert all(text.startswith("Pengingat") and "pukul 09.10" in text for _user, text in site.messages[2:])


def test_a_move_message_queued_then_overtaken_by_another_change_is_not_sent(db, settings, http, program, learners,
                                                                            site):
    meeting = _plan(db, program, learners)
    assert _run(db, settings, http) == 2
    tomorrow = SOON + dt.timedelta(days=1)
    _plan(db, program, learners, meeting_id=meeting.id, starts_at=tomorrow, ends_at=tomorrow + dt.timedelta(hours=2))
    assert messages.queue_due(db, NOW + dt.timedelta(minutes=5)) == 2
    db.commit()
    _cancel(db, program, learners, meeting)
    for notification in db.scalars(select(Notification).where(Notification.sent_at.is_(None))).all():
        with pytest.raises(JobError) as refused:
            messages.send(db, settings.secret_key, http, settings.http_timeout, notification,
                          now=NOW + dt.timedelta(minutes=6))
        assert "no longer true" in refused.value.reason
    # The cancellation itself is the next scan's news.
    assert messages.queue_due(db, NOW + dt.timedelta(minutes=7)) == 2
    db.commit()
    for notification in db.scalars(select(Notification).where(Notification.kind == "meeting_cancelled")).all():
        messages.send(db, settings.secret_key, http, settings.http_timeout, notification,
                      now=NOW + dt.timedelta(minutes=7))
    assert all(text.endswith("dibatalkan.") for _user, text in site.messages[2:]) and len(site.messages) == 4
