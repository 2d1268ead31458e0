"""The learner's side: the task, handing in evidence (again after a revision), and evidence files.

The activity's home page is here too: it shows each role its own starting
page without another redirect (the launch already took two).
"""

from __future__ import annotations

from flask import abort, render_template, request, url_for
from flask_babel import gettext as _

from activities.coaching import service
from activities.coaching.service import CoachingSettings, Decision
from activities.core import Activity, Role
from activities.moodle.store import group_names_of

from ..auth import current_person, current_role, requires
from ..responses import stored_file_response
from ..runtime import current, db
from ..web import Problem, form_action
from . import coach, staff
from .common import bp, by_version, evidence_store, load_task
from .forms import evidence_values, file_accept, lines, text_to_html


@bp.get("/")
@requires()
def home(activity_id: int):
    activity, settings = load_task(activity_id)
    role = current_role()
    if role is Role.LEARNER:
        return task_page(activity, settings)
    if role is Role.FACILITATOR:
        return coach.queue_page(activity)
    return staff.overview_page(activity)


def task_page(activity: Activity, settings: CoachingSettings, *, values: dict | None = None,
              problem: Problem | None = None):
    me = current_person()
    submission = service.submission_for(db(), activity.id, me.id)
    reviews = service.reviews_of(db(), submission) if submission else []
    may_submit = service.may_submit(db(), submission)
    if values is None:
        values = evidence_values(settings, submission.latest if submission and may_submit else None)
    accepted = next((r for r in reversed(reviews) if r.decision == Decision.ACCEPT.value), None)
    page = render_template(
        "coaching/task.html", activity=activity, settings=settings, submission=submission,
        reviews_by_version=by_version(reviews), latest_review=reviews[-1] if reviews else None, accepted=accepted,
        may_submit=may_submit, values=values, problem=problem, accept=file_accept(settings),
        coach=service.coach_of(db(), activity.course_id, me.id),
        actions=service.agreed_actions_for(db(), activity.course_id, me.id),
        server_max_bytes=current().settings.max_upload_bytes,
        kept_bytes=service.kept_file_bytes(db(), submission) if submission else 0,
    )
    return page, problem.status if problem else 200


@bp.post("/submit")
@requires(Role.LEARNER)
def submit(activity_id: int):
    activity, settings = load_task(activity_id)
    values = {"reflection": request.form.get("reflection", ""), "links": request.form.get("links", "")}
    # An empty file input still sends a part without a name: that is "no file", not a bad name.
    uploads = [service.Upload(f.filename, f.stream) for f in request.files.getlist("files") if f.filename]
    return form_action(
        lambda: service.submit(db(), activity, current_person(), reflection=text_to_html(values["reflection"]),
                               links=lines(values["links"]), files=uploads, store=evidence_store(),
                               learner_groups=group_names_of(db(), activity.course_id, current_person().id)),
        again=lambda problem: task_page(activity, settings, values=values, problem=problem),
        to=url_for(".home", activity_id=activity.id), message=lambda _submission: _handed_in(activity),
        # A double tap on a slow connection: two first hand-ins raced, the other one was saved.
        conflict=Problem(409, _("Your work was sent twice at the same moment; the first one was saved. "
                                "Check it below.")))


def _handed_in(activity: Activity) -> str:
    coach = service.coach_of(db(), activity.course_id, current_person().id)
    if coach is not None:
        return _("Your work was handed in. %(coach)s, your coach, will review it.", coach=coach.display_name)
    return _("Your work was handed in. No coach is assigned to you yet, so the course's teachers will review it.")


@bp.get("/learners/<int:learner_id>/files/<int:file_id>")
@requires()
def evidence_file(activity_id: int, learner_id: int, file_id: int):
    """A file of a submission, for the learner, their coach and staff of the course only."""
    activity, _settings = load_task(activity_id)
    submission = service.submission_for(db(), activity.id, learner_id)
    if submission is None:
        abort(404)
    role = current_role()
    if not service.can_view_submission(db(), submission, current_person().id, role):
        # A learner learns nothing about others' work, not even that it exists.
        abort(403 if role.can_facilitate else 404)
    record = service.evidence_file(db(), submission, file_id)
    if record is None:
        abort(404)
    if record.is_removed:
        # Swept after newer versions came (activities/coaching/housekeeping.py): gone for good.
        abort(410)
    return stored_file_response(evidence_store().base_dir, record.stored_name, record.original_name,
                                record.content_type)
