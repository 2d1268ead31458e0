"""Staff edit the course's program: phases (title, kind, window), requirements and
"at least N of" groups. Each save is one domain call; the domain validates,
audits and recomputes every learner (and their gate grades) in the same
transaction. An edit that would take a completed phase away asks to be confirmed.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from flask import render_template, request, url_for
from flask_babel import gettext as _

from activities.core import Activity, Course, Role
from activities.gating import service
from activities.gating.exceptions import ProgramInvalid

from ..auth import current_person, current_role, requires
from ..moodle import sync as moodle_sync
from ..runtime import db
from ..web import Problem, form_action
from ..web.formatting import ZONES, typed_number
from .common import BANDS, PHASE_KINDS, REQUIREMENT_KINDS, bp, require_program, zone_of
from .moodle import status_of

Program = service.Program

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def local_value(value: dt.datetime | None, program: Program) -> str:
    """A stored (UTC) time as a datetime-local field shows it, in the program's time zone."""
    return value.astimezone(zone_of(program)).strftime(LOCAL_FORMAT) if value else ""


def parse_local(text: str, field: str, program: Program) -> dt.datetime | None:
    """A datetime-local value typed in the program's time zone; empty is None."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = dt.datetime.strptime(text[:16], LOCAL_FORMAT)
    except ValueError:
        raise ProgramInvalid(field, "a date and time") from None
    return value.replace(tzinfo=zone_of(program)).astimezone(dt.UTC)


def _number(text: str | None, field: str, *, whole: bool = False) -> Any:
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = int(text) if whole else typed_number(text)
    except ValueError:
        raise ProgramInvalid(field, "a number") from None
    if value is None or not math.isfinite(value):  # None cannot be: the text is not blank
        raise ProgramInvalid(field, "a number")
    return value


def requirement_params(kind: str, form) -> dict:
    """The params of a requirement of ``kind`` from the form's fields (the domain validates them)."""
    if kind == "readiness":
        params: dict[str, Any] = {"activity_id": _number(form.get("activity_id"), "activity_id", whole=True)}
        if form.get("band"):
            params["band"] = form.get("band")
        min_index = _number(form.get("min_index"), "min_index")
        if min_index is not None:
            params["min_index"] = min_index
        return params
    if kind == "coaching_tasks":
        params = {}
        chosen = [_number(v, "activity_ids", whole=True) for v in form.getlist("activity_ids") if v]
        if chosen:
            params["activity_ids"] = chosen
        for name, whole in (("min_percent", False), ("needed", True)):
            value = _number(form.get(name), name, whole=whole)
            if value is not None:
                params[name] = value
        return params
    if kind == "coaching_sessions":
        return {"needed": _number(form.get("sessions_needed"), "needed", whole=True)}
    if kind == "attendance":  # the meetings of the phase the form adds to (lti_tool/meetings)
        return {"phase_id": _number(form.get("meetings_phase_id"), "phase_id", whole=True),
                "percent": _number(form.get("percent"), "percent"),
                "excused_counts": form.get("excused_counts") == "yes"}
    if kind in ("moodle_completion", "moodle_grade"):
        params = {"cmid": _number(form.get("cmid"), "cmid", whole=True)}
        if kind == "moodle_grade":
            # Checked here so that the message sits by this field, not by the coaching tasks' own.
            min_percent = _number(form.get("moodle_min_percent"), "moodle_min_percent")
            if min_percent is None or not 0 <= min_percent <= 100:
                raise ProgramInvalid("moodle_min_percent", "a number from 0 to 100")
            params["min_percent"] = min_percent
        return params
    return {}


def program_page(activity: Activity, program: Program, *, problem: Problem | None = None, form: str = "",
                 values: dict | None = None):
    activities = service.activity_titles(db(), program.course_id)
    return render_template(
        "gating/program.html", activity=activity, program=program, problem=problem, form=form,
        values=values or {}, local_value=local_value, kinds=PHASE_KINDS, requirement_kinds=REQUIREMENT_KINDS,
        bands=BANDS, readiness=[(i, t) for i, (t, k) in activities.items() if k == "readiness"],
        coaching=[(i, t) for i, (t, k) in activities.items() if k == "coaching"], zones=ZONES, tab="program",
        moodle=status_of(program.course_id, activity.course.platform_id),
    ), problem.status if problem else 200


@bp.get("/program")
@requires(Role.STAFF)
def program(activity_id: int):
    activity, program = require_program(activity_id)
    return program_page(activity, program)


def _edit(activity_id: int, form: str, edit, message: str):
    """One edit by form_action: on a refusal the program page again (as stored: the edit was rolled
    back), the message next to the form it came from."""
    activity, program = require_program(activity_id)
    return form_action(
        lambda: edit(program),
        again=lambda problem: program_page(activity, require_program(activity_id)[1], problem=problem, form=form,
                                           values=dict(request.form)),
        to=url_for(".program", activity_id=activity.id) + f"#{form}", message=message)


def _confirm() -> bool:
    return request.form.get("confirm") == "yes"


@bp.post("/program/phases/<int:phase_id>")
@requires(Role.STAFF)
def edit_phase(activity_id: int, phase_id: int):
    form = request.form

    def act(program):
        service.update_phase(db(), program, current_person(), current_role(), phase_id,
                             title=form.get("title", ""), kind=form.get("kind", ""),
                             opens_at=parse_local(form.get("opens_at", ""), "opens_at", program),
                             closes_at=parse_local(form.get("closes_at", ""), "closes_at", program),
                             confirm=_confirm(), reason=form.get("reason", ""))

    return _edit(activity_id, f"phase-{phase_id}", act, _("The phase is saved."))


@bp.post("/program/time-zone")
@requires(Role.STAFF)
def time_zone(activity_id: int):
    """The zone the windows are typed and shown in; stored times stay as they are (UTC)."""
    return _edit(activity_id, "zone", lambda program: service.set_time_zone(
        db(), program, current_person(), current_role(), request.form.get("time_zone", "")),
        _("The time zone is saved."))


@bp.post("/program/phases")
@requires(Role.STAFF)
def add_phase(activity_id: int):
    form = request.form

    def act(program):
        service.add_phase(db(), program, current_person(), current_role(), title=form.get("title", ""),
                          kind=form.get("kind", ""),
                          opens_at=parse_local(form.get("opens_at", ""), "opens_at", program),
                          closes_at=parse_local(form.get("closes_at", ""), "closes_at", program))

    return _edit(activity_id, "phase-new", act, _("The phase is added."))


@bp.post("/program/phases/<int:phase_id>/requirements")
@requires(Role.STAFF)
def add_requirement(activity_id: int, phase_id: int):
    form = request.form
    kind = form.get("kind", "")

    def act(program):
        service.add_requirement(db(), program, current_person(), current_role(), phase_id, kind,
                                requirement_params(kind, form), title=form.get("title", ""), confirm=_confirm())
        if kind.startswith("moodle_"):
            moodle_sync.request(db(), db().get(Course, program.course_id))  # read the learners' facts for it soon

    return _edit(activity_id, f"requirement-new-{phase_id}", act, _("The requirement is added."))


@bp.post("/program/requirements/<int:requirement_id>/remove")
@requires(Role.STAFF)
def remove_requirement(activity_id: int, requirement_id: int):
    def act(program):
        service.remove_requirement(db(), program, current_person(), current_role(), requirement_id,
                                   confirm=_confirm())

    return _edit(activity_id, f"requirement-{requirement_id}", act, _("The requirement is removed."))


@bp.post("/program/phases/<int:phase_id>/groups")
@requires(Role.STAFF)
def add_group(activity_id: int, phase_id: int):
    form = request.form

    def act(program):
        chosen = []
        for value in form.getlist("requirement_ids"):
            try:
                chosen.append(int(value))
            except ValueError:
                raise ProgramInvalid("requirement_ids", "requirements of this phase") from None
        at_least = _number(form.get("at_least"), "at_least", whole=True)
        service.add_group(db(), program, current_person(), current_role(), phase_id,
                          at_least=at_least if at_least is not None else 0, requirement_ids=chosen,
                          title=form.get("title", ""), confirm=_confirm())

    return _edit(activity_id, f"group-new-{phase_id}", act, _("The group is added."))
