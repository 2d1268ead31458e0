"""A facilitator's decisions about one learner: the learner's journey, completing a phase or
waiving a requirement (always with a reason), undoing it, and signing off.

Staff and facilitators only; a learner never reaches another learner's page. A
learner id from another course or platform is a 404 (the domain's NotInProgram).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from activities.core import Activity
from activities.gating import service
from activities.gating.exceptions import GatingError, NotInProgram
from activities.gating.models import Program

from ..auth import course_roster, current_person, current_role, requires
from ..problems import Problem
from ..runtime import db
from .common import FACILITATORS, bp, load_program, zone_of
from .errors import describe
from .journey import journey_of


def _program(activity_id: int) -> tuple[Activity, Program]:
    activity, program = load_program(activity_id)
    if program is None:
        raise NotInProgram("the course has no program yet")
    return activity, program


def learner_page(activity: Activity, program: Program, learner_id: int, *, problem: Problem | None = None,
                 form: str = "", values: dict | None = None):
    learner = service.course_learner(db(), program, learner_id)
    overrides = service.overrides_for(db(), program, learner_id)
    return render_template(
        "gating/learner.html", activity=activity, program=program, learner=learner,
        journey=journey_of(program, learner_id), overrides=overrides,
        requirement_titles={r.id: r.title for p in program.phases for r in p.requirements},
        phases={p.id: p.title for p in program.phases},
        entries=service.audit_log(db(), program, learner_id=learner_id, limit=100),
        people={m.person_id: m.person.display_name for m in course_roster()},
        problem=problem, form=form, values=values or {}, zone=zone_of(program), tab="cohort",
    ), problem.status if problem else 200


@bp.get("/learners/<int:learner_id>")
@requires(*FACILITATORS)
def learner(activity_id: int, learner_id: int):
    activity, program = _program(activity_id)
    return learner_page(activity, program, learner_id)


def _decide(activity_id: int, learner_id: int, form: str, act, done: str):
    """Run one decision; on a refusal show the learner's page again with the message next to the form."""
    activity, program = _program(activity_id)
    try:
        act(program)
    except GatingError as error:
        db().rollback()
        problem = describe(error)
        if problem.status == 404:
            raise
        return learner_page(activity, program, learner_id, problem=problem, form=form, values=dict(request.form))
    db().commit()
    flash(done, "info")
    return redirect(url_for(".learner", activity_id=activity.id, learner_id=learner_id), code=303)


def _int(name: str) -> int:
    try:
        return int(request.form.get(name, ""))
    except ValueError:
        raise NotInProgram(f"{name} is not a number") from None


@bp.post("/learners/<int:learner_id>/override")
@requires(*FACILITATORS)
def override(activity_id: int, learner_id: int):
    phase_id = request.form.get("phase_id", "")
    return _decide(activity_id, learner_id, f"override-{phase_id}", lambda program: service.override_phase(
        db(), program, current_person(), current_role(), learner_id, _int("phase_id"),
        request.form.get("reason", "")), _("The phase is completed for this learner."))


@bp.post("/learners/<int:learner_id>/waive")
@requires(*FACILITATORS)
def waive(activity_id: int, learner_id: int):
    requirement_id = request.form.get("requirement_id", "")
    return _decide(activity_id, learner_id, f"waive-{requirement_id}", lambda program: service.waive_requirement(
        db(), program, current_person(), current_role(), learner_id, _int("requirement_id"),
        request.form.get("reason", "")), _("The requirement is waived for this learner."))


@bp.post("/learners/<int:learner_id>/undo")
@requires(*FACILITATORS)
def undo(activity_id: int, learner_id: int):
    override_id = request.form.get("override_id", "")

    def act(program):
        oid = _int("override_id")
        if oid not in {o.id for o in service.overrides_for(db(), program, learner_id)}:
            raise NotInProgram(f"override {oid} is not of learner {learner_id}")
        service.undo_override(db(), program, current_person(), current_role(), oid, request.form.get("reason", ""))

    return _decide(activity_id, learner_id, f"undo-{override_id}", act, _("The override is undone."))


@bp.post("/learners/<int:learner_id>/sign-off")
@requires(*FACILITATORS)
def sign_off(activity_id: int, learner_id: int):
    requirement_id = request.form.get("requirement_id", "")
    return _decide(activity_id, learner_id, f"sign-{requirement_id}", lambda program: service.sign_off(
        db(), program, current_person(), current_role(), learner_id, _int("requirement_id"),
        note=request.form.get("note", "")), _("Signed off."))


@bp.post("/learners/<int:learner_id>/revoke")
@requires(*FACILITATORS)
def revoke(activity_id: int, learner_id: int):
    requirement_id = request.form.get("requirement_id", "")
    return _decide(activity_id, learner_id, f"revoke-{requirement_id}", lambda program: service.revoke_sign_off(
        db(), program, current_person(), current_role(), learner_id, _int("requirement_id"),
        request.form.get("reason", "")), _("The sign-off is revoked."))
