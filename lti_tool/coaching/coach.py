"""The coach's side: the review queue, one learner's work with the review form, coaching sessions.

Facilitators see their own coachees; staff of the course see everyone. The
domain checks the same again on every write, so a crafted POST gains nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _

from activities.coaching import service
from activities.coaching.exceptions import CoachingSessionInvalid, NotYourCoachee, ScoreOutOfRange, UnknownVersion
from activities.coaching.service import CoachingSettings, Decision, Rubric
from activities.core import Activity, Person, Role

from ..auth import current_person, current_role, requires
from ..runtime import db
from ..web import Problem, form_action
from ..web.formatting import course_zone, typed_number
from .common import COACHES, bp, by_version, course_learner, load_task
from .forms import conversion, lines, text_to_html


def queue_page(activity: Activity):
    me = current_person()
    is_staff = current_role() is Role.STAFF
    # One query for the whole course: this task's queue, and what waits in the course's other tasks.
    everything = service.course_review_queue(db(), activity.course_id, me.id, is_staff=is_staff)
    coachees = service.coachees(db(), activity.course_id, me.id)
    return render_template(
        "coaching/queue.html", activity=activity, page="queue",
        items=[item for item in everything if item.activity.id == activity.id],
        elsewhere=[item for item in everything if item.activity.id != activity.id],
        coachees=[(person, service.submission_for(db(), activity.id, person.id)) for person in coachees],
    )


@bp.get("/queue")
@requires(*COACHES)
def queue(activity_id: int):
    activity, _settings = load_task(activity_id)
    return queue_page(activity)


def _check_coach_of(activity: Activity, learner: Person) -> None:
    # The rule review() and log_session() enforce on every write, asked before the page shows.
    if not service.may_coach(db(), activity.course_id, current_person().id, current_role(), learner.id):
        raise NotYourCoachee("only the learner's coach or staff of the course")


def learner_page(activity: Activity, settings: CoachingSettings, learner: Person, *,
                 review_values: dict | None = None, session_values: dict | None = None, problem: Problem | None = None):
    """One learner's work on the task, the review form when it waits for review, and their sessions.

    A refused review or session comes back here with what was typed, and the
    problem shown next to its field (the two forms have no field name in common).
    """
    _check_coach_of(activity, learner)
    submission = service.submission_for(db(), activity.id, learner.id)
    reviews = service.reviews_of(db(), submission) if submission else []
    page = render_template(
        "coaching/learner.html", activity=activity, settings=settings, rubric=settings.rubric, learner=learner,
        submission=submission, reviews_by_version=by_version(reviews),
        coach=service.coach_of(db(), activity.course_id, learner.id),
        sessions=service.coaching_sessions_for(db(), activity.course_id, learner.id),
        review_values=review_values or {"selection": {}, "score": "", "feedback": ""},
        session_values=session_values or {"held_on": dt.datetime.now(course_zone()).date().isoformat(),
                                          "mode": "", "notes": "", "agreed_actions": ""},
        problem=problem, page="learner", conversion=conversion(settings.rubric, activity.score_maximum),
    )
    return page, problem.status if problem else 200


@bp.get("/learners/<int:learner_id>")
@requires(*COACHES)
def learner(activity_id: int, learner_id: int):
    activity, settings = load_task(activity_id)
    return learner_page(activity, settings, course_learner(activity, learner_id))


def _review_input(rubric: Rubric, form, decision: str) -> dict:
    """The review as the domain takes it. A revision may carry a partial rubric: radio
    buttons cannot be cleared, so an incomplete selection is simply not scored."""
    try:
        version = int(form.get("version", ""))
    except ValueError:
        raise UnknownVersion("no version number in the form") from None
    selection = score = None
    if rubric.is_simple:
        try:
            score = typed_number(form.get("score"))
        except ValueError:
            raise ScoreOutOfRange(float("nan"), rubric.max_points) from None
    else:
        chosen = {c.id: form[f"level-{c.id}"] for c in rubric.criteria if form.get(f"level-{c.id}")}
        complete = len(chosen) == len(rubric.criteria)
        selection = chosen if decision != Decision.REVISE.value or complete else None
    return {"version_number": version, "decision": decision, "selection": selection or None, "score": score}


@bp.post("/learners/<int:learner_id>/review")
@requires(*COACHES)
def review(activity_id: int, learner_id: int):
    activity, settings = load_task(activity_id)
    learner = course_learner(activity, learner_id)
    submission = service.submission_for(db(), activity.id, learner.id)
    if submission is None:
        abort(404)
    values: dict[str, Any] = {"selection": {c.id: request.form.get(f"level-{c.id}") for c in settings.rubric.criteria},
              "score": request.form.get("score", ""), "feedback": request.form.get("feedback", "")}
    decision = request.form.get("decision", "")
    return form_action(
        lambda: service.review(db(), activity, submission, current_person(), current_role(),
                               feedback=text_to_html(values["feedback"]),
                               **_review_input(settings.rubric, request.form, decision)),
        again=lambda problem: learner_page(activity, settings, learner, review_values=values, problem=problem),
        to=url_for(".queue", activity_id=activity.id),
        message=(_("%(name)s's work is accepted. The grade is on its way to Moodle.", name=learner.display_name)
                 if decision == Decision.ACCEPT.value
                 else _("%(name)s was asked to revise their work.", name=learner.display_name)))


@bp.post("/learners/<int:learner_id>/sessions")
@requires(*COACHES)
def log_session(activity_id: int, learner_id: int):
    activity, settings = load_task(activity_id)
    learner = course_learner(activity, learner_id)
    values = {key: request.form.get(key, "") for key in ("held_on", "mode", "notes", "agreed_actions")}

    def log():
        try:
            held_on = dt.date.fromisoformat(values["held_on"].strip())
        except ValueError:
            raise CoachingSessionInvalid("held_on", "not a date") from None
        service.log_coaching_session(db(), activity.course, current_person(), learner, current_role(),
                                     held_on=held_on, mode=values["mode"], notes=text_to_html(values["notes"]),
                                     agreed_actions=lines(values["agreed_actions"]))

    return form_action(
        log, again=lambda problem: learner_page(activity, settings, learner, session_values=values, problem=problem),
        to=url_for(".learner", activity_id=activity.id, learner_id=learner.id, _anchor="sessions"),
        message=_("The coaching session is logged."))

