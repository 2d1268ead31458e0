"""What a person reads when the gating domain refuses something.

The domain raises one class per broken rule (English, for logs); each becomes
a translated sentence, the page's HTTP status and the form field it belongs to.
"""

from __future__ import annotations

from flask_babel import gettext as _

from activities.gating import exceptions as ex

from ..web.refusals import Problem, Table, answer, table

_FIELDS = {
    "title": lambda: _("Give a title of 1 to 200 characters."),
    "kind": lambda: _("Choose the kind of phase."),
    "opens_at": lambda: _("Give a date and time, or leave it empty."),
    "closes_at": lambda: _("The phase must close after it opens."),
    "time_zone": lambda: _("Choose a time zone."),
    "reason": lambda: _("The reason is too long: at most 2000 characters."),
    "requirement_ids": lambda: _("Choose two or more requirements of this phase."),
    "at_least": lambda: _("Give a whole number from 1 to the number of requirements chosen."),
    "phase_id": lambda: _("Choose a phase of this course's program."),
    "activity_id": lambda: _("Choose a readiness check of this course."),
    "activity_ids": lambda: _("Choose coaching tasks of this course."),
    "band": lambda: _("Choose a readiness band."),
    "min_index": lambda: _("Give a number from 0 to 100."),
    "min_percent": lambda: _("Give a number from 0 to 100."),
    "percent": lambda: _("Give a number from 0 to 100."),
    "needed": lambda: _("Give a whole number from 1 up to the number of tasks or sessions."),
    "cmid": lambda: _("Choose an activity of the course's Moodle activity list."),
    "moodle_min_percent": lambda: _("Give a number from 0 to 100."),
}


def _field(error: ex.ProgramInvalid | ex.RequirementInvalid) -> Problem:
    message = _FIELDS.get(error.field)
    return Problem(400, message() if message else _("Check this field."), error.field)


#: Class → Problem, looked up along the class's MRO (lti_tool.web.refusals).
PROBLEMS: Table = table(
    answer(ex.NotAllowed, lambda e: Problem(403, _("Your role in this course does not allow this."))),
    answer(ex.NotInProgram, lambda e: Problem(404, _("This is not part of this course's program."))),
    answer(ex.ReasonRequired, lambda e: Problem(400, _("Write the reason: it is kept in the audit log."), "reason")),
    answer(ex.AlreadyDone, lambda e: Problem(
        409, _("This was already done. Reload the page to see the current state."))),
    answer(ex.ProgramInvalid, _field),
    answer(ex.RequirementInvalid, _field),
    answer(ex.WouldLockOut, lambda e: Problem(
        409, _("This change would take a completed phase away from %(n)d learner(s). Tick the confirmation to "
               "make it anyway; it is recorded in the audit log.", n=len(e.learner_ids)), "confirm")),
)

