"""Staff pages of a coaching task: settings, who coaches whom, and the overview with its CSV."""

from __future__ import annotations

import collections

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from activities.coaching import service
from activities.coaching.exceptions import NotAFacilitator, SettingsInvalid
from activities.coaching.service import KIND, validate_settings
from activities.core import Activity, Person, Role

from ..auth import activity_in_context, course_roster, requires
from ..responses import csv_response
from ..runtime import current, db
from ..web import Problem, form_action, saved
from ..web.formatting import ZONES, megabytes
from .common import bp, load_task
from .forms import check_settings, conversion, known_extensions, posted_settings_values, rubric_of, settings_values


def _settings_page(activity: Activity, values: dict, errors: dict, status: int = 200, broken: bool = False):
    return render_template(
        "coaching/settings.html", activity=activity, values=values, errors=errors, broken=broken,
        zones=ZONES, extensions=known_extensions(), page="settings",
        conversion=conversion(rubric_of(values), activity.score_maximum),
        server_max_mb=megabytes(current().settings.max_upload_bytes),
        keep_versions=current().settings.keep_superseded_versions,
    ), status


@bp.route("/settings", methods=["GET", "POST"])
@requires(Role.STAFF)
def settings(activity_id: int):
    # Not load_task(): a task whose stored settings are broken must still open here to be fixed.
    activity = activity_in_context(activity_id, KIND)
    if request.method == "GET":
        try:
            stored, broken = service.settings_of(activity), False
        except SettingsInvalid:
            stored, broken = validate_settings({}), True
        return _settings_page(activity, settings_values(activity.title, stored), {}, broken=broken)
    values = posted_settings_values(request.form)
    checked, errors = check_settings(values, current().settings.max_upload_bytes)
    if checked is None:  # None exactly when there are errors
        return _settings_page(activity, values, errors, 400)
    activity.title = values["title"]
    activity.settings = checked.to_dict()
    return saved(url_for(".settings", activity_id=activity.id), _("The settings are saved."))


def _roster() -> tuple[list[Person], list[Person], set[int]]:
    """Learners and possible coaches of the course (NRPS roster and everyone who launched),
    and the ids of facilitators, whom "spread evenly" offers first."""
    members = course_roster()
    learners = [m.person for m in members if m.role == Role.LEARNER.value]
    coaches = [m.person for m in members if Role(m.role).can_facilitate]
    facilitators = {m.person_id for m in members if m.role == Role.FACILITATOR.value}
    return learners, coaches, facilitators


def _coaches_page(activity: Activity, problem: Problem | None = None, posted: dict | None = None):
    """The page; after a refused save, each select shows what was posted for it."""
    learners, coaches, facilitators = _roster()
    current_coach = {a.learner_id: a.coach_id for a in service.assignments(db(), activity.course_id)}
    chosen = {learner.id: str(current_coach.get(learner.id, "")) for learner in learners}
    chosen.update(posted or {})
    load = collections.Counter(current_coach.values())
    return render_template(
        "coaching/coaches.html", activity=activity, learners=learners, coaches=coaches,
        facilitators=facilitators, chosen=chosen, load=load,
        unassigned=sum(learner.id not in current_coach for learner in learners),
        problem=problem, page="coaches",
    ), problem.status if problem else 200


@bp.get("/coaches")
@requires(Role.STAFF)
def coaches(activity_id: int):
    activity, _settings = load_task(activity_id)
    return _coaches_page(activity)


@bp.post("/coaches")
@requires(Role.STAFF)
def assign(activity_id: int):
    """Save the coach chosen for each learner listed; an empty choice removes the coach."""
    activity, _settings = load_task(activity_id)
    learners, coaches, _facilitators = _roster()
    by_id = {str(coach.id): coach for coach in coaches}
    current_coach = {a.learner_id: a.coach_id for a in service.assignments(db(), activity.course_id)}
    posted = {learner.id: request.form[f"coach-{learner.id}"] for learner in learners
              if f"coach-{learner.id}" in request.form}

    def assign_all() -> int:
        changed = 0
        for learner in learners:
            choice = posted.get(learner.id, str(current_coach.get(learner.id, "")))
            if choice == str(current_coach.get(learner.id, "")):
                continue
            if choice == "":
                service.unassign_coach(db(), activity.course, learner)
            elif choice in by_id:
                service.assign_coach(db(), activity.course, by_id[choice], learner)
            else:
                raise NotAFacilitator(f"{choice!r} is not a coach of this course")
            changed += 1
        return changed

    return form_action(
        assign_all, again=lambda problem: _coaches_page(activity, problem, posted),
        to=url_for(".coaches", activity_id=activity.id),
        message=lambda changed: ngettext("%(num)d learner has a new coach.", "%(num)d learners have a new coach.",
                                         changed))


@bp.post("/coaches/spread")
@requires(Role.STAFF)
def spread(activity_id: int):
    """Give every learner without a coach the chosen coach with the fewest coachees."""
    activity, _settings = load_task(activity_id)
    learners, coaches, _facilitators = _roster()
    wanted = set(request.form.getlist("coach"))
    return form_action(
        lambda: service.spread_coaches_evenly(db(), activity.course, [c for c in coaches if str(c.id) in wanted],
                                              learners),
        again=lambda problem: _coaches_page(activity, problem),
        to=url_for(".coaches", activity_id=activity.id),
        message=lambda made: ngettext("%(num)d learner got a coach.", "%(num)d learners got a coach.", len(made)))


def overview_page(activity: Activity):
    course_roster()  # refresh the roster, so learners who never opened Padu count as "not submitted"
    return render_template("coaching/overview.html", activity=activity, page="overview",
                           overview=service.overview(db(), activity))


@bp.get("/overview")
@requires(Role.STAFF)
def overview(activity_id: int):
    activity, _settings = load_task(activity_id)
    return overview_page(activity)


@bp.get("/overview.csv")
@requires(Role.STAFF)
def overview_csv(activity_id: int):
    activity, _settings = load_task(activity_id)
    course_roster()
    return csv_response(service.overview_csv(db(), activity), f"coaching-task-{activity.id}.csv")
