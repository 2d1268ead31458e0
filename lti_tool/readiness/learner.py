"""The learner's side: the intro, one short page per part, the LMS tasks, review and submit, the result.

Every page saves what it posts before moving on, so a learner whose
connection drops resumes where they were. Views read the launch, call
:mod:`activities.readiness.service`, commit and render; the rules live in
the domain, and a refusal comes back as a 4xx page with what was posted.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from activities.core import Role
from activities.readiness import service
from activities.readiness.exceptions import AttemptIncomplete

from ..auth import current_person, current_role, requires
from ..runtime import current, db
from ..web import Problem, form_action
from ..web.formatting import megabytes
from .common import TAKERS, WATCHERS, bp, load_check
from .forms import chosen, device_answers, skills_answers
from .steps import step_after, step_before, step_of_question, steps_of
from .summary import probe_lines

#: What the intro promises; the v1 instrument takes 8–12 minutes on a phone.
MINUTES = 10


def upload_dir():
    """Readiness uploads only, under the data folder: the orphan sweep deletes anything else in it."""
    return current().settings.uploads_dir / "readiness"


@bp.get("/")
@requires()
def home(activity_id: int):
    """Where a launch lands: learners see the check, staff and facilitators the cohort."""
    load_check(activity_id)
    if current_role() in WATCHERS:
        return redirect(url_for(".cohort", activity_id=activity_id))
    return redirect(url_for(".intro", activity_id=activity_id))


@bp.get("/intro")
@requires(*TAKERS)
def intro(activity_id: int):
    activity, settings = load_check(activity_id)
    me = current_person()
    attempt = service.open_attempt(db(), activity, me)
    result = service.current_result(db(), activity.id, me.id)
    used = service.attempts_used(db(), activity.id, me.id)
    instrument = service.load_instrument(attempt.instrument_version if attempt else settings.instrument_version)
    return render_template(
        "readiness/intro.html", activity=activity, settings=settings, instrument=instrument, attempt=attempt,
        result=result, attempts_left=service.attempts_left(settings, used), minutes=MINUTES,
        steps=steps_of(instrument, settings), preview=current_role() is Role.STAFF,
    )


@bp.post("/start")
@requires(*TAKERS)
def start(activity_id: int):
    """Start a new attempt, or resume the open one (a second tap only resumes)."""
    activity, settings = load_check(activity_id)
    me = current_person()
    # A refusal (no attempts left) is the blueprint's refusal page.
    try:
        attempt = service.start_or_resume_attempt(db(), activity, me)
        db().commit()
    except IntegrityError:
        # A double tap: the other request opened the attempt first; this one resumes it.
        db().rollback()
        attempt = service.start_or_resume_attempt(db(), activity, me)
    instrument = service.load_instrument(attempt.instrument_version)
    first = steps_of(instrument, settings)[0]
    return redirect(first.url(activity.id), code=303)


def _open_attempt(activity):
    """The learner's open attempt, or None (the page then points back to the intro)."""
    return service.open_attempt(db(), activity, current_person())


def _no_attempt(activity):
    flash(_("Start the check first (or start it again if you have attempts left)."), "info")
    return redirect(url_for(".intro", activity_id=activity.id), code=303)


def _page(template: str, activity, settings, attempt, key: str, *, values=None, problem: Problem | None = None,
          errors: dict | None = None, status: int | None = None, **context):
    instrument = service.load_instrument(attempt.instrument_version)
    steps = steps_of(instrument, settings)
    if status is None:
        status = problem.status if problem else (400 if errors else 200)
    return render_template(
        template, activity=activity, settings=settings, attempt=attempt, instrument=instrument, steps=steps,
        current=key, previous=step_before(steps, key), values=values or {}, chosen=chosen,
        problem=problem, errors=errors or {}, **context,
    ), status


# -- device and connection -------------------------------------------------------


def device_page(activity, settings, attempt, *, values=None, problem=None):
    return _page("readiness/device.html", activity, settings, attempt, "device",
                 values=values if values is not None else dict(attempt.self_report or {}), problem=problem,
                 errors={problem.field: problem.message} if problem and problem.field else None,
                 plan=service.PROBE_PLAN.to_dict(), probe=probe_lines(attempt.probe) if attempt.probe else None)


@bp.get("/device")
@requires(*TAKERS)
def device(activity_id: int):
    activity, settings = load_check(activity_id)
    if not settings.has_section("device"):
        abort(404)
    attempt = _open_attempt(activity)
    if attempt is None:
        return _no_attempt(activity)
    return device_page(activity, settings, attempt)


@bp.post("/device")
@requires(*TAKERS)
def save_device(activity_id: int):
    activity, settings = load_check(activity_id)
    attempt = _open_attempt(activity)
    if attempt is None:
        return _no_attempt(activity)
    instrument = service.load_instrument(attempt.instrument_version)
    values = device_answers(instrument, request.form)
    return form_action(
        lambda: service.save_section(db(), activity, current_person(), "device", values),
        again=lambda problem: device_page(activity, settings, attempt, values=values, problem=problem),
        to=step_after(steps_of(instrument, settings), "device").url(activity.id))


# -- digital skills, one DigComp area per page ----------------------------------------


def _area(instrument, area_id: str):
    for area in instrument.areas:
        if area.id == area_id:
            return area
    abort(404)


def skills_page(activity, settings, attempt, area, *, values=None, problem=None):
    return _page("readiness/skills.html", activity, settings, attempt, f"skills.{area.id}", area=area,
                 values=values if values is not None else dict(attempt.answers or {}), problem=problem,
                 errors={problem.field: problem.message} if problem and problem.field else None)


@bp.get("/skills/<area>")
@requires(*TAKERS)
def skills(activity_id: int, area: str):
    activity, settings = load_check(activity_id)
    if not settings.has_section("skills"):
        abort(404)
    attempt = _open_attempt(activity)
    if attempt is None:
        return _no_attempt(activity)
    return skills_page(activity, settings, attempt, _area(service.load_instrument(attempt.instrument_version), area))


@bp.post("/skills/<area>")
@requires(*TAKERS)
def save_skills(activity_id: int, area: str):
    activity, settings = load_check(activity_id)
    attempt = _open_attempt(activity)
    if attempt is None:
        return _no_attempt(activity)
    instrument = service.load_instrument(attempt.instrument_version)
    skill_area = _area(instrument, area)
    values = skills_answers(skill_area, request.form)
    return form_action(
        lambda: service.save_section(db(), activity, current_person(), "skills", values),
        again=lambda problem: skills_page(activity, settings, attempt, skill_area, values=values, problem=problem),
        to=step_after(steps_of(instrument, settings), f"skills.{area}").url(activity.id))


# -- LMS tasks ---------------------------------------------------------------------


def lms_page(activity, settings, attempt, *, code_value: str = "", problem=None, code_wrong: bool = False):
    errors = {problem.field: problem.message} if problem and problem.field else {}
    if code_wrong:
        # Not a refusal: the try is counted and saved, the answer is just not the code.
        errors["code"] = _("That is not the code. Look again in the Moodle course; upper and lower case do not matter.")
    return _page("readiness/lms.html", activity, settings, attempt, "lms", problem=problem, errors=errors,
                 status=None if problem else 200,
                 code_value=code_value, upload_mb=megabytes(settings.upload_max_bytes),
                 accept=",".join(f".{ext}" for ext in settings.upload_extensions),
                 tries_left=max(0, service.MAX_CODE_TRIES - attempt.code_tries))


@bp.get("/lms")
@requires(*TAKERS)
def lms(activity_id: int):
    activity, settings = load_check(activity_id)
    if not settings.active_tasks:
        abort(404)
    attempt = _open_attempt(activity)
    if attempt is None:
        return _no_attempt(activity)
    return lms_page(activity, settings, attempt)


@bp.post("/lms/upload")
@requires(*TAKERS)
def upload(activity_id: int):
    activity, settings = load_check(activity_id)
    attempt = _open_attempt(activity)
    if attempt is None:
        return _no_attempt(activity)
    file = request.files.get("file")
    if file is None or not file.filename:
        return lms_page(activity, settings, attempt,
                        problem=Problem(400, _("Choose a file to upload."), "file"))
    filename = file.filename  # a str here: the lambda below would not see the check above
    return form_action(
        lambda: service.record_upload(db(), activity, current_person(), upload_dir(), filename, file.stream),
        again=lambda problem: lms_page(activity, settings, attempt, problem=problem),
        to=url_for(".lms", activity_id=activity.id, _anchor="upload"),
        message=_("Your file is uploaded. The upload task is done."))


@bp.post("/lms/code")
@requires(*TAKERS)
def code(activity_id: int):
    activity, settings = load_check(activity_id)
    attempt = _open_attempt(activity)
    if attempt is None:
        return _no_attempt(activity)
    given = request.form.get("code", "")[:200]
    # A wrong code is no refusal: the try is counted and saved, and the form says so.
    return form_action(
        lambda: service.check_code(db(), activity, current_person(), given),
        again=lambda problem: lms_page(activity, settings, attempt, code_value=given, problem=problem),
        to=lambda found: (url_for(".lms", activity_id=activity.id, _anchor="find-code") if found
                          else lms_page(activity, settings, attempt, code_value=given, code_wrong=True)),
        message=_("That is the code. The task is done."))


# -- review and submit ------------------------------------------------------------------


def review_page(activity, settings, attempt, *, problem=None):
    missing = service.missing_answers(db(), activity, current_person())
    gaps: dict[str, int] = {}
    for question in missing:
        key = step_of_question(question)
        gaps[key] = gaps.get(key, 0) + 1
    return _page("readiness/review.html", activity, settings, attempt, "review", problem=problem,
                 missing=missing, gaps=gaps, tasks=attempt.task_outcomes())


@bp.get("/review")
@requires(*TAKERS)
def review(activity_id: int):
    activity, settings = load_check(activity_id)
    attempt = _open_attempt(activity)
    if attempt is None:
        return _no_attempt(activity)
    return review_page(activity, settings, attempt)


@bp.post("/submit")
@requires(*TAKERS)
def submit(activity_id: int):
    activity, settings = load_check(activity_id)
    attempt = _open_attempt(activity)
    if attempt is None:
        return _no_attempt(activity)
    # Only the gaps are shown on the review page; another refusal is the refusal page.
    return form_action(
        lambda: service.submit_attempt(db(), activity, current_person()),
        again=lambda problem: review_page(activity, settings, attempt, problem=problem),
        to=url_for(".result", activity_id=activity.id), refusals=(AttemptIncomplete,))


# -- the result --------------------------------------------------------------------------


@bp.get("/result")
@requires(*TAKERS)
def result(activity_id: int):
    activity, settings = load_check(activity_id)
    me = current_person()
    kept = service.current_result(db(), activity.id, me.id)
    if kept is None:
        return redirect(url_for(".intro", activity_id=activity.id), code=303)
    attempts = service.attempts_of(db(), activity, me)
    latest = max((a for a in attempts if a.is_submitted), key=lambda a: a.number)
    instrument = service.load_instrument(latest.instrument_version)
    return render_template(
        "readiness/result.html", activity=activity, settings=settings, result=kept, latest=latest,
        instrument=instrument, open_attempt=service.open_attempt(db(), activity, me),
        areas=[(area, score) for area, score in kept.areas.items() if score is not None],
    )
