"""Moodle messages: per-program switches, one message per event, never sent twice (not by a second
scan, not by a worker that restarts after an interrupted send)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from activities.coaching.service import review, submit
from activities.core import Activity, Role
from activities.gating import service
from activities.jobs import JobError
from activities.moodle import store
from activities.moodle.models import Notification
from activities.moodle.notifications import set_switches
from lti_tool.moodle import messages


def _send_all(db, settings, http):
    for notification in db.scalars(select(Notification).where(Notification.sent_at.is_(None))).all():
        messages.send(db, settings.secret_key, http, settings.http_timeout, notification)


@pytest.fixture
def program(db, connected, learners):
    program = service.create_program(db, learners.course, learners.staff, Role.STAFF)
    db.commit()
    return program


def test_a_phase_opening_is_announced_once_and_only_after_the_switch(db, settings, http, program, learners, site):
    first, second, _third = program.phases
    # Phase 1 opened for everyone before the switch: not announced.
    set_switches(db, store.sync_row(db, learners.course.id), ["phase_open"])
    db.commit()
    assert messages.queue_due(db) == 0
    service.sign_off(db, program, learners.staff, Role.STAFF, learners.budi.id, first.requirements[0].id)
    db.commit()
    assert messages.queue_due(db) == 1
    db.commit()
    _send_all(db, settings, http)
    assert site.messages == [(4, f"Fase “{second.title}” di kursus Pelatihan Dasar LATSAR CPNS 2026 kini terbuka "
                                 "untuk Anda.")]
    assert messages.queue_due(db) == 0  # seen again: already announced
    _send_all(db, settings, http)
    assert len(site.messages) == 1


def test_reviews_and_revisions_follow_their_own_switches(db, settings, http, connected, learners, site):
    task = Activity(course_id=learners.course.id, kind="coaching", title="Aktualisasi",
                    settings={"evidence_types": ["reflection"]})
    db.add(task)
    db.flush()
    set_switches(db, store.sync_row(db, learners.course.id), ["revision"])
    submission = submit(db, task, learners.budi, reflection="Laporan")
    review(db, task, submission, learners.staff, Role.STAFF, version_number=1, decision="revise",
           feedback="Tambahkan bukti.", score=40)
    submission = submit(db, task, learners.budi, reflection="Laporan lengkap")
    review(db, task, submission, learners.staff, Role.STAFF, version_number=2, decision="accept",
           feedback="Bagus.", score=90)
    db.commit()
    assert messages.queue_due(db) == 1  # the acceptance: its switch is off
    db.commit()
    _send_all(db, settings, http)
    assert [text for _user, text in site.messages] == [
        "Coach Anda meminta revisi untuk tugas “Aktualisasi”. Buka tugas itu untuk melihat umpan baliknya."]


def test_an_interrupted_send_is_never_repeated(db, settings, http, program, learners, site):
    set_switches(db, store.sync_row(db, learners.course.id), ["phase_open"])
    first = program.phases[0]
    for learner in (learners.budi, learners.dewi):
        service.sign_off(db, program, learners.staff, Role.STAFF, learner.id, first.requirements[0].id)
    db.commit()
    assert messages.queue_due(db) == 2
    db.commit()
    notification = db.scalars(select(Notification).where(Notification.sent_at.is_(None))).first()
    notification.attempted_at = dt.datetime.now(dt.UTC)  # a worker died after asking Moodle to send it
    db.commit()
    with pytest.raises(JobError) as refused:
        messages.send(db, settings.secret_key, http, settings.http_timeout, notification)
    assert "does not send it again" in refused.value.reason and not refused.value.retryable
    assert site.messages == []
    others = db.scalars(select(Notification).where(Notification.id != notification.id,
                                                   Notification.sent_at.is_(None))).all()
    for other in others:
        messages.send(db, settings.secret_key, http, settings.http_timeout, other)
        messages.send(db, settings.secret_key, http, settings.http_timeout, other)  # a second run: a no-op
    assert len(site.messages) == len(others) == 1  # phase 2 for the other learner
