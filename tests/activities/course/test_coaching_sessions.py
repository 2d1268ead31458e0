"""Coaching sessions: logged by the coach or staff, counted for gating, actions shown to the learner."""

import datetime as dt

import pytest

from activities.core import Role
from activities.course.exceptions import CoachingSessionInvalid, NotYourCoachee
from activities.course.service import (
    agreed_actions_for,
    coaching_session_count,
    coaching_sessions_for,
    log_coaching_session,
)

NOW = dt.datetime(2026, 3, 10, 3, tzinfo=dt.UTC)


def log(db, course, people, coach=None, role=Role.FACILITATOR, **kwargs):
    kwargs.setdefault("held_on", dt.date(2026, 3, 9))
    kwargs.setdefault("mode", "online")
    return log_coaching_session(db, course, coach or people.coach, people.budi, role, now=NOW, **kwargs)


def test_a_coach_logs_a_coaching_session_and_the_learner_sees_the_agreed_actions(db, course, coached):
    log(db, course, coached, held_on=dt.date(2026, 3, 2), mode="in_person",
        notes="<p>Membahas <script>x</script>rencana</p>", agreed_actions=["Susun rancangan aktualisasi", "  "])
    log(db, course, coached, agreed_actions=["Konsultasi dengan mentor"])
    assert coaching_session_count(db, course.id, coached.budi.id) == 2
    assert coaching_session_count(db, course.id, coached.dewi.id) == 0
    logged = coaching_sessions_for(db, course.id, coached.budi.id)
    assert [s.held_on.day for s in logged] == [9, 2]
    assert logged[1].notes == "<p>Membahas rencana</p>"
    assert [(a.text, a.held_on.day) for a in agreed_actions_for(db, course.id, coached.budi.id)] == [
        ("Konsultasi dengan mentor", 9), ("Susun rancangan aktualisasi", 2),
    ]


def test_only_the_coach_or_staff_may_log(db, course, coached):
    log(db, course, coached, coach=coached.staff, role=Role.STAFF)
    with pytest.raises(NotYourCoachee):
        log(db, course, coached, coach=coached.other_coach)
    assert coaching_session_count(db, course.id, coached.budi.id) == 1


@pytest.mark.parametrize("kwargs, field", [
    ({"held_on": dt.date(2026, 3, 12)}, "held_on"),
    ({"held_on": "2026-03-01"}, "held_on"),
    ({"mode": "telepathy"}, "mode"),
    ({"agreed_actions": "satu aksi"}, "agreed_actions"),
    ({"agreed_actions": ["x" * 501]}, "agreed_actions"),
])
def test_invalid_coaching_sessions_name_the_field(db, course, coached, kwargs, field):
    with pytest.raises(CoachingSessionInvalid) as excinfo:
        log(db, course, coached, **kwargs)
    assert excinfo.value.field == field


def test_today_in_papua_is_not_in_the_future(db, course, coached):
    """At 03:00 UTC it is already noon the same day in Jayapura, and 10:00 in Jakarta;
    at 20:00 UTC it is the next day in Jayapura."""
    log(db, course, coached, held_on=dt.date(2026, 3, 11))
