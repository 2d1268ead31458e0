"""The meetings page (a learner's own meetings with check-in and record; the meeting list for staff and
facilitators) and the learner's check-in, also offered on the gating journey page."""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _

from activities.core import Activity, Role
from activities.gating import service as gating
from activities.meetings import service

from ..auth import current_person, current_role, requires
from ..gating.learner import journey_page
from ..runtime import current, db
from ..web import Problem, form_action
from .common import STATUS_LABELS, bp, load, rules
from .staff import list_page


def learner_page(activity: Activity, program: gating.Program, *, problem: Problem | None = None,
                 meeting_id: int | None = None):
    items, tally = service.learner_record(db(), program, current_person().id)
    phases = {p.id: p.title for p in program.phases}
    return render_template("meetings/learner_home.html", activity=activity, program=program, items=items,
                           tally=tally, percent=service.attendance_percent(tally), phases=phases, problem=problem,
                           failed=meeting_id), problem.status if problem else 200


@bp.get("/")
@requires()
def home(activity_id: int):
    activity, program = load(activity_id)
    if current_role() is Role.LEARNER:
        return learner_page(activity, program)
    return list_page(activity, program)


@bp.post("/<int:meeting_id>/check-in")
@requires()
def check_in(activity_id: int, meeting_id: int):
    activity, program = load(activity_id)
    meeting = service.meeting_of(db(), program, meeting_id)
    from_journey = request.form.get("back") == "journey"
    back = url_for("gating.home", activity_id=activity.id) if from_journey else url_for(".home", activity_id=activity.id)

    def again(problem: Problem):
        """A refusal comes back where the code was typed: the journey page, or the meetings page."""
        if from_journey:
            return journey_page(activity, program, problem=problem, meeting_id=meeting.id)
        return learner_page(activity, program, problem=problem, meeting_id=meeting.id)

    return form_action(
        lambda: service.check_in(db(), program, meeting, current_person(), current_role(),
                                 request.form.get("code", ""), tries=current().cache, rules=rules()),
        again=again,
        to=back + f"#meeting-{meeting.id}",
        message=lambda record: _("Your attendance is recorded: %(status)s.",
                                 status=STATUS_LABELS[record.status][0]),
        # Two taps at once: the second loses the unique row's race; it is the same refusal as a second check-in.
        conflict=Problem(409, _("Your attendance at this meeting is already recorded."), "code"))


@bp.app_template_global("journey_meetings")
def journey_meetings(program: gating.Program, phase_id: int | None) -> list[service.LearnerMeeting]:
    """For the gating journey page: the launch's learner's meetings of their current phase, upcoming first."""
    if phase_id is None or current_role() is not Role.LEARNER:
        return []
    return service.learner_meetings(db(), program, current_person().id, phase_id=phase_id, rules=rules())
