"""What the meeting services refuse, one class per broken rule; the web layer maps each to a 4xx message."""

from __future__ import annotations


class MeetingError(Exception):
    """Base of every refusal of :mod:`activities.meetings.service`."""


class NotAllowed(MeetingError):
    """The person's role may not do this (a learner marking attendance, staff checking in)."""


class NotFound(MeetingError):
    """The meeting, phase or learner is not of this course's program."""


class MeetingInvalid(MeetingError):
    """A meeting field is wrong; ``field`` names the one to fix."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotExpected(MeetingError):
    """The learner is not in the meeting's group of learners."""


class CheckInClosed(MeetingError):
    """Check-in is only open around the meeting's time; ``opens_at``/``closes_at`` say when."""

    def __init__(self, message: str, opens_at: object = None, closes_at: object = None):
        super().__init__(message)
        self.opens_at = opens_at
        self.closes_at = closes_at


class WrongCode(MeetingError):
    """The code is not the one shown now (or a minute ago): mistyped, or expired."""


class TooManyTries(MeetingError):
    """Too many check-in tries by this learner for this meeting in a short time."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class AlreadyRecorded(MeetingError):
    """The learner's attendance at this meeting is already recorded (a second check-in)."""


class Cancelled(MeetingError):
    """The meeting is cancelled: no check-in, no marks, no edits, no second cancel."""
