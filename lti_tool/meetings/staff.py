"""Staff and facilitators: the meeting list and editor, the roster grid (one tap per learner, "all
present"), the live check-in screen with code, QR and count, one learner's record, and the CSV."""

from __future__ import annotations

import segno
from flask import render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from activities.core import Activity
from activities.gating import service as gating
from activities.meetings import exceptions, service

from ..auth import course_roster, current_person, current_role, requires
from ..responses import csv_response
from ..runtime import db
from ..web import Problem, form_action
from ..web.formatting import number
from .common import FACILITATORS, bp, load, local_value, parse_local, rules


def list_page(activity: Activity, program: gating.Program):
    course_roster()  # learners who never opened Padu are counted too, once the worker has fetched the roster
    meetings = service.meetings_of(db(), program)
    learners = service.course_learners(db(), program.course_id)
    tallies = service.course_tallies(db(), program, [p.id for p in learners])
    marked = {m.id: service.checked_in(db(), m) for m in meetings}
    return render_template("meetings/list.html", activity=activity, program=program, meetings=meetings,
                           phases={p.id: p.title for p in program.phases}, learners=learners, tallies=tallies,
                           percent=service.attendance_percent, marked=marked)


# ---- the editor ---------------------------------------------------------------------------------


def _ids(name: str) -> list[int]:
    chosen = []
    for value in request.form.getlist(name):
        try:
            chosen.append(int(value))
        except ValueError:
            raise exceptions.MeetingInvalid(name, "people of this course") from None
    return chosen


def _phase_id() -> int:
    try:
        return int(request.form.get("phase_id", ""))
    except ValueError:
        raise exceptions.MeetingInvalid("phase_id", "a phase") from None


def form_page(activity: Activity, program: gating.Program, meeting=None, *, problem: Problem | None = None,
              values: dict | None = None):
    if values is None and meeting is not None:
        values = {"phase_id": str(meeting.phase_id), "title": meeting.title, "kind": meeting.kind,
                  "link": meeting.link, "place": meeting.place,
                  "starts_at": local_value(meeting.starts_at, program), "ends_at": local_value(meeting.ends_at, program),
                  "facilitator_ids": [str(i) for i in meeting.facilitator_ids],
                  "learner_ids": [str(i) for i in meeting.learner_ids or ()]}
    values = values or {"kind": "online", "facilitator_ids": [str(current_person().id)]}
    return render_template("meetings/form.html", activity=activity, program=program, meeting=meeting,
                           values=values, problem=problem,
                           facilitators=service.course_facilitators(db(), program.course_id),
                           learners=service.course_learners(db(), program.course_id)), problem.status if problem else 200


def _posted_values() -> dict:
    form = request.form
    values: dict = {name: form.get(name, "") for name in ("phase_id", "title", "kind", "link", "place", "starts_at",
                                                          "ends_at")}
    values.update(facilitator_ids=form.getlist("facilitator_ids"), learner_ids=form.getlist("learner_ids"))
    return values


def _save(activity: Activity, program: gating.Program, meeting_id: int | None):
    form = request.form
    meeting = service.meeting_of(db(), program, meeting_id) if meeting_id is not None else None

    def work():
        return service.save_meeting(
            db(), program, current_person(), current_role(), meeting_id, phase_id=_phase_id(),
            title=form.get("title", ""), kind=form.get("kind", ""), link=form.get("link", ""),
            place=form.get("place", ""), starts_at=parse_local(form.get("starts_at"), "starts_at", program),
            ends_at=parse_local(form.get("ends_at"), "ends_at", program),
            facilitator_ids=_ids("facilitator_ids"), learner_ids=_ids("learner_ids"))

    def message(saved) -> str:
        if service.too_long(saved, rules()):
            hours = number(rules().max_hours)
            return _("The meeting is saved. It is planned for more than %(hours)s hours: long sessions tire "
                     "learners; consider splitting it.", hours=hours)
        return _("The meeting is saved.")

    return form_action(work, again=lambda problem: form_page(activity, program, meeting, problem=problem,
                                                             values=_posted_values()),
                       to=url_for(".home", activity_id=activity.id), message=message)


@bp.get("/new")
@requires(*FACILITATORS)
def new(activity_id: int):
    activity, program = load(activity_id)
    return form_page(activity, program)


@bp.post("/new")
@requires(*FACILITATORS)
def create(activity_id: int):
    activity, program = load(activity_id)
    return _save(activity, program, None)


def _not_cancelled(program: gating.Program, meeting_id: int):
    """The program's meeting, for a page that changes it; a cancelled one is refused (Cancelled)."""
    found = service.meeting_of(db(), program, meeting_id)
    if found.cancelled:
        raise exceptions.Cancelled(f"meeting {found.id} is cancelled")
    return found


@bp.get("/<int:meeting_id>/edit")
@requires(*FACILITATORS)
def edit(activity_id: int, meeting_id: int):
    activity, program = load(activity_id)
    # Saving would be refused: say so before the form is filled in.
    return form_page(activity, program, _not_cancelled(program, meeting_id))


@bp.post("/<int:meeting_id>/edit")
@requires(*FACILITATORS)
def update(activity_id: int, meeting_id: int):
    activity, program = load(activity_id)
    return _save(activity, program, meeting_id)


# ---- cancelling ------------------------------------------------------------------------------------


def cancel_page(activity: Activity, program: gating.Program, meeting, *, problem: Problem | None = None):
    marks = sum(1 for _person, record in service.roster(db(), program, meeting) if record is not None)
    return render_template("meetings/cancel.html", activity=activity, program=program, meeting=meeting, marks=marks,
                           problem=problem, reason=request.form.get("reason", "")), problem.status if problem else 200


@bp.get("/<int:meeting_id>/cancel")
@requires(*FACILITATORS)
def cancel(activity_id: int, meeting_id: int):
    """The confirmation: what cancelling does, a reason for the audit log, and a box to tick."""
    activity, program = load(activity_id)
    return cancel_page(activity, program, _not_cancelled(program, meeting_id))


@bp.post("/<int:meeting_id>/cancel")
@requires(*FACILITATORS)
def cancel_confirmed(activity_id: int, meeting_id: int):
    activity, program = load(activity_id)
    found = service.meeting_of(db(), program, meeting_id)

    def work():
        if request.form.get("confirm") != "yes":
            raise exceptions.MeetingInvalid("confirm", "tick the box to confirm")
        return service.cancel_meeting(db(), program, found, current_person(), current_role(),
                                      reason=request.form.get("reason", ""))

    return form_action(work, again=lambda problem: cancel_page(activity, program, found, problem=problem),
                       to=url_for(".home", activity_id=activity.id) + f"#meeting-{found.id}",
                       message=lambda cancelled: _("The meeting “%(title)s” is cancelled.", title=cancelled.title))


# ---- attendance -----------------------------------------------------------------------------------


def meeting_page(activity: Activity, program: gating.Program, meeting, *, problem: Problem | None = None):
    rows = service.roster(db(), program, meeting)
    counts: dict[str, int] = {}
    for _person, record in rows:
        key = record.status if record else "none"
        counts[key] = counts.get(key, 0) + 1
    return render_template("meetings/meeting.html", activity=activity, program=program, meeting=meeting, rows=rows,
                           counts=counts, problem=problem,
                           phase=next((p.title for p in program.phases if p.id == meeting.phase_id), ""),
                           people={p.id: p.display_name for p in service.course_facilitators(db(), program.course_id)}
                           ), problem.status if problem else 200


@bp.get("/<int:meeting_id>")
@requires(*FACILITATORS)
def meeting(activity_id: int, meeting_id: int):
    activity, program = load(activity_id)
    return meeting_page(activity, program, service.meeting_of(db(), program, meeting_id))


def _learner_id() -> int:
    try:
        return int(request.form.get("learner_id", ""))
    except ValueError:
        return -1  # of nobody: the domain refuses it, after its own checks


def _conflict() -> Problem:
    """Another facilitator (or the learner's check-in) recorded the same learner at the same moment."""
    return Problem(409, _("Someone recorded this learner at the same moment. Reload the page to see the current "
                          "state."))


@bp.post("/<int:meeting_id>/mark")
@requires(*FACILITATORS)
def mark(activity_id: int, meeting_id: int):
    activity, program = load(activity_id)
    found = service.meeting_of(db(), program, meeting_id)
    learner_id = _learner_id()
    return form_action(
        lambda: service.mark(db(), program, found, current_person(), current_role(), learner_id,
                             request.form.get("status", ""), note=request.form.get("note", "")),
        again=lambda problem: meeting_page(activity, program, found, problem=problem),
        to=url_for(".meeting", activity_id=activity.id, meeting_id=found.id) + f"#learner-{learner_id}",
        conflict=_conflict())


@bp.post("/<int:meeting_id>/all-present")
@requires(*FACILITATORS)
def all_present(activity_id: int, meeting_id: int):
    activity, program = load(activity_id)
    found = service.meeting_of(db(), program, meeting_id)
    return form_action(
        lambda: service.mark_all_present(db(), program, found, current_person(), current_role()),
        again=lambda problem: meeting_page(activity, program, found, problem=problem),
        to=url_for(".meeting", activity_id=activity.id, meeting_id=found.id),
        message=lambda count: _("%(n)d learner(s) marked present.", n=count), conflict=_conflict())


def qr_svg(text: str, label: str) -> Markup:
    """The code as a QR code in inline SVG (segno): no image request, sharp on a projector."""
    svg = segno.make(text, error="m", micro=False).svg_inline(scale=8, title=label, dark="#000", light="#fff")
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704  (segno's own SVG, a code of our alphabet)


@bp.get("/<int:meeting_id>/live")
@requires(*FACILITATORS)
def live(activity_id: int, meeting_id: int):
    activity, program = load(activity_id)
    found = service.meeting_of(db(), program, meeting_id)
    code = service.live(found, rules=rules())
    expected = len(service.roster(db(), program, found))
    return render_template("meetings/live.html", activity=activity, program=program, meeting=found, code=code,
                           qr=qr_svg(code.code, _("QR code of the check-in code %(code)s", code=code.code)),
                           count=service.checked_in(db(), found), expected=expected)


@bp.get("/learners/<int:learner_id>")
@requires(*FACILITATORS)
def learner(activity_id: int, learner_id: int):
    activity, program = load(activity_id)
    person = next((p for p in service.course_learners(db(), program.course_id) if p.id == learner_id), None)
    if person is None:
        raise exceptions.NotFound(f"person {learner_id} is not a learner of this course")
    items, tally = service.learner_record(db(), program, learner_id)
    return render_template("meetings/learner_record.html", activity=activity, program=program, person=person,
                           items=items, tally=tally, percent=service.attendance_percent(tally),
                           phases={p.id: p.title for p in program.phases})


@bp.get("/attendance.csv")
@requires(*FACILITATORS)
def attendance_csv(activity_id: int):
    activity, program = load(activity_id)
    course_roster()
    return csv_response(service.attendance_csv(db(), program), f"attendance-{activity.course_id}.csv")
