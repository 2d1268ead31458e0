"""The learner's journey on one screen, and the activity's home page for every role."""

from __future__ import annotations

from flask import render_template

from activities.core import Activity, Role
from activities.gating.service import Program

from ..auth import current_person, current_role, requires
from ..web import Problem
from . import staff
from .common import bp, load, load_program, words
from .journey import journey_of


def journey_page(activity: Activity, program: Program, *, problem: Problem | None = None,
                 meeting_id: int | None = None):
    """The launch's learner's journey; with ``problem``, a refused check-in of meeting ``meeting_id`` made
    from this page (the meetings package answers it here, next to the box the code was typed in)."""
    return render_template("gating/journey.html", activity=activity, program=program,
                           journey=journey_of(program, current_person().id), problem=problem,
                           failed=meeting_id, **words()), problem.status if problem else 200


@bp.get("/")
@requires()
def home(activity_id: int):
    if current_role() is Role.LEARNER:
        activity, program = load(activity_id)
        if program is None:
            return render_template("gating/not_ready.html", activity=activity)
        return journey_page(activity, program)
    activity, program = load_program(activity_id)
    if program is None:
        return render_template("gating/not_ready.html", activity=activity)
    return staff.cohort_page(activity, program)
