"""The time rules without a database: rotating codes, the check-in window, the late threshold,
the planned-length warning."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from activities.meetings import codes, policy
from activities.meetings.models import Meeting, Status

SECRET = "ab" * 32
T = dt.datetime(2026, 3, 10, 2, 0, 30, tzinfo=dt.UTC)


def test_a_code_is_six_characters_without_look_alikes_and_changes_every_minute():
    seen = {codes.code_for(SECRET, minute) for minute in range(1000, 1100)}
    assert len(seen) >= 99  # a collision in 100 minutes is possible, not likely
    for code in seen:
        assert len(code) == 6 and set(code) <= set(codes.ALPHABET)
        assert not set(code) & set("01OIL")
    assert codes.code_for("cd" * 32, 1000) != codes.code_for(SECRET, 1000)  # each meeting its own codes


def test_the_current_and_the_previous_minute_s_codes_are_accepted_older_ones_have_expired():
    shown = codes.current_code(SECRET, T)
    assert codes.accepted(SECRET, shown, T)
    assert codes.accepted(SECRET, shown, T + dt.timedelta(seconds=60))  # read at :30, typed a minute later
    assert not codes.accepted(SECRET, shown, T + dt.timedelta(seconds=120))  # expired
    assert not codes.accepted(SECRET, shown, T - dt.timedelta(seconds=60))  # not valid before it is shown
    assert codes.accepted(SECRET, " " + shown.lower()[:3] + "-" + shown.lower()[3:], T)  # as typed on a phone
    assert not codes.accepted(SECRET, "", T) and not codes.accepted(SECRET, shown[:5], T)


def test_seconds_left_counts_down_to_the_next_code():
    assert codes.seconds_left(T) == 30
    assert codes.seconds_left(T.replace(second=0)) == 60


def _meeting(start: dt.datetime, hours: float = 2) -> Meeting:
    return Meeting(starts_at=start, ends_at=start + dt.timedelta(hours=hours))


def test_the_check_in_window_is_the_meeting_widened_by_the_setting():
    rules = policy.Policy(window_minutes=15)
    m = _meeting(T)
    assert not policy.check_in_open(m, T - dt.timedelta(minutes=15, seconds=1), rules)
    assert policy.check_in_open(m, T - dt.timedelta(minutes=15), rules)
    assert policy.check_in_open(m, m.ends_at + dt.timedelta(minutes=15), rules)
    assert not policy.check_in_open(m, m.ends_at + dt.timedelta(minutes=15, seconds=1), rules)
    assert not policy.check_in_open(m, m.ends_at + dt.timedelta(minutes=1), policy.Policy(window_minutes=0))


def test_a_check_in_from_the_late_threshold_on_is_late():
    rules = policy.Policy(late_after_minutes=10)
    m = _meeting(T)
    assert policy.check_in_status(m, T - dt.timedelta(minutes=10), rules) is Status.PRESENT
    assert policy.check_in_status(m, T + dt.timedelta(minutes=9, seconds=59), rules) is Status.PRESENT
    assert policy.check_in_status(m, T + dt.timedelta(minutes=10), rules) is Status.LATE


def test_a_meeting_longer_than_the_setting_gets_a_warning():
    assert not policy.too_long(T, T + dt.timedelta(hours=3), policy.Policy(max_hours=3))
    assert policy.too_long(T, T + dt.timedelta(hours=3, minutes=1), policy.Policy(max_hours=3))


@given(st.integers(min_value=0, max_value=2**31), st.integers(min_value=0, max_value=2**31))
def test_only_the_code_of_its_own_minute_or_the_next_accepts_it(shown_minute, offset_minutes):
    shown = codes.code_for(SECRET, shown_minute)
    now = dt.datetime.fromtimestamp((shown_minute + offset_minutes % 5) * 60 + 7, dt.UTC)
    same = codes.code_for(SECRET, codes.minute_of(now)) == shown or \
        codes.code_for(SECRET, codes.minute_of(now) - 1) == shown
    assert codes.accepted(SECRET, shown, now) == same
    if offset_minutes % 5 <= 1:
        assert codes.accepted(SECRET, shown, now)
