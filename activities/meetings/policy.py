"""The time rules of meetings: when check-in is open, when a check-in is late, when a meeting is too long.

Plain functions of a :class:`Policy` and the clock, so the rules are tested
without a database. The numbers come from the operator's settings
(``PADU_MEETING_*`` / ``PADU_CHECK_IN_*``, read in :mod:`config` and handed in by
the web layer); the defaults here are the same.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

from .models import Meeting, Status


@dataclasses.dataclass(frozen=True)
class Policy:
    #: A meeting planned longer than this many hours gets a warning (LAN: over-long sessions).
    max_hours: float = 3.0
    #: Check-in opens this many minutes before the start and closes this many after the end.
    window_minutes: int = 15
    #: A check-in this many minutes after the start (or later) is recorded as late.
    late_after_minutes: int = 10
    #: Check-in tries a learner has per meeting within :attr:`tries_window_seconds`.
    max_tries: int = 5
    tries_window_seconds: int = 600


DEFAULT = Policy()


def check_in_opens(meeting: Meeting, policy: Policy) -> dt.datetime:
    return meeting.starts_at - dt.timedelta(minutes=policy.window_minutes)


def check_in_closes(meeting: Meeting, policy: Policy) -> dt.datetime:
    return meeting.ends_at + dt.timedelta(minutes=policy.window_minutes)


def check_in_open(meeting: Meeting, now: dt.datetime, policy: Policy) -> bool:
    """Within the meeting's time, widened by the window on both sides (both ends included)."""
    return check_in_opens(meeting, policy) <= now <= check_in_closes(meeting, policy)


def check_in_status(meeting: Meeting, now: dt.datetime, policy: Policy) -> Status:
    """Present until ``late_after_minutes`` past the start, late from then on."""
    late_from = meeting.starts_at + dt.timedelta(minutes=policy.late_after_minutes)
    return Status.LATE if now >= late_from else Status.PRESENT


def too_long(starts_at: dt.datetime, ends_at: dt.datetime, policy: Policy) -> bool:
    return ends_at - starts_at > dt.timedelta(hours=policy.max_hours)
