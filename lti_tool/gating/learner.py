"""The learner's journey on one screen, and the activity's home page for every role."""

from __future__ import annotations

from flask import render_template

from activities.core import Role

from ..auth import current_person, current_role, requires
from . import staff
from .common import bp, load, load_program
from .journey import journey_of


@bp.get("/")
@requires()
def home(activity_id: int):
    if current_role() is Role.LEARNER:
        activity, program = load(activity_id)
        if program is None:
            return render_template("gating/not_ready.html", activity=activity)
        return render_template("gating/journey.html", activity=activity, program=program,
                               journey=journey_of(program, current_person().id))
    activity, program = load_program(activity_id)
    if program is None:
        return render_template("gating/not_ready.html", activity=activity)
    return staff.cohort_page(activity, program)
