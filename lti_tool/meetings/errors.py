"""What a person reads when the meeting services refuse something (English in the domain, for logs)."""

from __future__ import annotations

from flask_babel import gettext as _

from activities.meetings import exceptions as ex

from ..web.refusals import Problem, Table, answer, table

_FIELDS = {
    "phase_id": lambda: _("Choose a phase of this course's program."),
    "title": lambda: _("Give a title of 1 to 200 characters."),
    "kind": lambda: _("Choose online or in person."),
    "link": lambda: _("Give the meeting link, a web address starting with https://."),
    "place": lambda: _("Give the place of the meeting (at most 500 characters)."),
    "starts_at": lambda: _("Give the date and time the meeting starts."),
    "ends_at": lambda: _("Give the date and time the meeting ends, after its start."),
    "facilitator_ids": lambda: _("Choose facilitators of this course."),
    "learner_ids": lambda: _("Choose learners of this course."),
    "status": lambda: _("Choose present, late, excused or absent."),
    "note": lambda: _("The note is too long: at most 500 characters."),
    "reason": lambda: _("The reason is too long: at most 500 characters."),
    "confirm": lambda: _("Tick the box to confirm that the meeting is cancelled."),
}


def _field(error: ex.MeetingInvalid) -> Problem:
    message = _FIELDS.get(error.field)
    return Problem(400, message() if message else _("Check this field."), error.field)


#: Class → Problem, looked up along the class's MRO (lti_tool.web.refusals).
PROBLEMS: Table = table(
    answer(ex.NotAllowed, lambda e: Problem(403, _("Your role in this course does not allow this."))),
    answer(ex.NotFound, lambda e: Problem(404, _("This meeting or learner is not part of this course."))),
    answer(ex.NotExpected, lambda e: Problem(403, _("This meeting is for another group of learners."))),
    answer(ex.MeetingInvalid, _field),
    answer(ex.CheckInClosed, lambda e: Problem(
        409, _("Check-in for this meeting is closed: it is open shortly before, during and shortly after the "
               "meeting."), "code")),
    answer(ex.WrongCode, lambda e: Problem(
        400, _("That is not the code shown now. Codes change every minute: type the code on the screen now."),
        "code")),
    answer(ex.TooManyTries, lambda e: Problem(
        429, _("Too many tries. Wait %(minutes)d minute(s), or ask the facilitator to mark you present.",
               minutes=max(1, (e.retry_after + 59) // 60)), "code")),
    answer(ex.Cancelled, lambda e: Problem(
        409, _("This meeting is cancelled: no one can check in, and its attendance can no longer be changed."))),
    answer(ex.AlreadyRecorded, lambda e: Problem(
        409, _("Your attendance at this meeting is already recorded."), "code")),
)
