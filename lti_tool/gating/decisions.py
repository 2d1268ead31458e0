"""A facilitator's decisions about one learner: the learner's journey, completing a phase or
waiving a requirement (always with a reason), undoing it, and signing off.

Staff and facilitators only; a learner never reaches another learner's page. A
learner id from another course or platform is a 404 (the domain's NotInProgram).
"""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_babel import gettext as _

from activities.core import Activity
from activities.gating import service
from activities.gating.exceptions import NotInProgram

from ..auth import course_roster, current_person, current_role, requires
from ..runtime import db
from ..web import Problem, form_action
from .common import FACILITATORS, bp, require_program, zone_of
from .journey import journey_of


def learner_page(activity: Activity, program: service.Program, learner_id: int, *, problem: Problem | None = None,
                 form: str = "", values: dict | None = None):
    learner = service.course_learner(db(), program, learner_id)
    return render_template(
        "gating/learner.html", activity=activity, program=program, learner=learner,
        journey=journey_of(program, learner_id), overrides=service.overrides_for(db(), program, learner_id),
        requirement_titles={r.id: r.title for p in program.phases for r in p.requirements},
        phases={p.id: p.title for p in program.phases},
        entries=service.audit_log(db(), program, learner_id=learner_id, limit=100),
        people={m.person_id: m.person.display_name for m in course_roster()},
        problem=problem, form=form, values=values or {}, zone=zone_of(program), tab="cohort",
    ), problem.status if problem else 200


@bp.get("/learners/<int:learner_id>")
@requires(*FACILITATORS)
def learner(activity_id: int, learner_id: int):
    activity, program = require_program(activity_id)
    return learner_page(activity, program, learner_id)


def _decide(activity_id: int, learner_id: int, form: str, decide, message: str):
    """One decision by form_action: on a refusal the learner's page again, the message next to the form."""
    activity, program = require_program(activity_id)
    return form_action(
        lambda: decide(program),
        again=lambda problem: learner_page(activity, program, learner_id, problem=problem, form=form,
                                           values=dict(request.form)),
        to=url_for(".learner", activity_id=activity.id, learner_id=learner_id), message=message)


def _posted_id(name: str) -> int:
    """The posted id, or -1 (of nothing: the domain refuses it, after its own checks such as the reason)."""
    try:
        return int(request.form.get(name, ""))
    except ValueError:
        return -1


@bp.post("/learners/<int:learner_id>/override")
@requires(*FACILITATORS)
def override(activity_id: int, learner_id: int):
    return _decide(activity_id, learner_id, f"override-{request.form.get('phase_id', '')}", lambda program:
                   service.override_phase(db(), program, current_person(), current_role(), learner_id,
                                          _posted_id("phase_id"), request.form.get("reason", "")),
                   _("The phase is completed for this learner."))


@bp.post("/learners/<int:learner_id>/waive")
@requires(*FACILITATORS)
def waive(activity_id: int, learner_id: int):
    return _decide(activity_id, learner_id, f"waive-{request.form.get('requirement_id', '')}", lambda program:
                   service.waive_requirement(db(), program, current_person(), current_role(), learner_id,
                                             _posted_id("requirement_id"), request.form.get("reason", "")),
                   _("The requirement is waived for this learner."))


@bp.post("/learners/<int:learner_id>/undo")
@requires(*FACILITATORS)
def undo(activity_id: int, learner_id: int):
    def decide(program):
        override_id = _posted_id("override_id")
        if override_id not in {o.id for o in service.overrides_for(db(), program, learner_id)}:
            raise NotInProgram(f"override {override_id} is not of learner {learner_id}")
        return service.undo_override(db(), program, current_person(), current_role(), override_id,
                                     request.form.get("reason", ""))

    return _decide(activity_id, learner_id, f"undo-{request.form.get('override_id', '')}", decide,
                   _("The override is undone."))


@bp.post("/learners/<int:learner_id>/sign-off")
@requires(*FACILITATORS)
def sign_off(activity_id: int, learner_id: int):
    return _decide(activity_id, learner_id, f"sign-{request.form.get('requirement_id', '')}", lambda program:
                   service.sign_off(db(), program, current_person(), current_role(), learner_id,
                                    _posted_id("requirement_id"), note=request.form.get("note", "")),
                   _("Signed off."))


@bp.post("/learners/<int:learner_id>/revoke")
@requires(*FACILITATORS)
def revoke(activity_id: int, learner_id: int):
    return _decide(activity_id, learner_id, f"revoke-{request.form.get('requirement_id', '')}", lambda program:
                   service.revoke_sign_off(db(), program, current_person(), current_role(), learner_id,
                                           _posted_id("requirement_id"), request.form.get("reason", "")),
                   _("The sign-off is revoked."))
