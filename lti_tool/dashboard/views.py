"""The dashboard's pages: the link kind's home, the course dashboard, its CSV and "send again"."""

from __future__ import annotations

import math
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import ngettext

from activities.core import Role
from activities.dashboard import exceptions, service
from activities.gating import service as gating

from ..auth import activity_in_context, current_launch, current_person, current_role, refresh_roster, requires
from ..gating.common import BANDS, PHASE_KINDS, STATE_LABELS, when_in
from ..gating.journey import journey_of
from ..responses import csv_response
from ..runtime import db
from . import boards
from .common import COACHING, REASONS, bp

PAGE_SIZE = 50
#: At most this many risks are listed on the page; the rest are behind the "at risk only" filter.
RISKS_LISTED = 30


@bp.get("/a/<int:activity_id>/dashboard/")
@requires()
def home(activity_id: int):
    """A "course dashboard" link: the dashboard for staff and facilitators, the learner's own journey."""
    activity = activity_in_context(activity_id, service.KIND)
    if current_role().can_facilitate:
        return redirect(url_for(".course", course_id=activity.course_id))
    program = gating.program_for(db(), activity.course_id)
    journey = journey_of(program, current_person().id) if program is not None else None
    return render_template("dashboard/journey.html", activity=activity, program=program, journey=journey,
                           STATE_LABELS=STATE_LABELS, PHASE_KINDS=dict(PHASE_KINDS))


def _check(course_id: int) -> None:
    """Only the launch's course, and only its staff and facilitators: anyone else gets a 404."""
    launch = current_launch()
    if course_id != launch.course_id:
        abort(404)
    if not service.may_view(db(), course_id, launch.person_id, current_role()):
        raise exceptions.NotAllowed(f"person {launch.person_id} may not see course {course_id}'s dashboard")


def _view(board: service.Dashboard) -> service.View:
    args = request.args
    return service.view(board, current_launch().person_id, everyone=args.get("everyone") == "1",
                        query=args.get("q", ""), at_risk_only=args.get("risk") == "1")


@bp.get("/c/<int:course_id>/dashboard")
@requires()
def course(course_id: int):
    _check(course_id)
    refresh_roster()  # asks for a fresh roster: learners who never opened Padu are rows too
    return render_dashboard(boards.board(course_id, fresh=request.args.get("fresh") == "1"))


def render_dashboard(board: service.Dashboard) -> str:
    """The page of a computed dashboard, narrowed and paged by the request's query (bench/dashboard.py times it)."""
    seen = _view(board)
    pages = max(1, math.ceil(len(seen.rows) / PAGE_SIZE))
    page = min(max(1, request.args.get("page", 1, type=int) or 1), pages)
    launch = current_launch()
    zone = ZoneInfo(board.course.plan.time_zone) if board.course.plan else ZoneInfo("Asia/Jakarta")
    filters = {"q": request.args.get("q", "")[:service.MAX_QUERY], "risk": "1" if request.args.get("risk") == "1"
               else "", "everyone": "1" if request.args.get("everyone") == "1" else ""}
    return render_template(
        "dashboard/course.html", board=board, seen=seen, rows=seen.rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE],
        risks=seen.risks[:RISKS_LISTED], page=page, pages=pages, filters=filters, zone=zone, when_in=when_in,
        REASONS=REASONS, COACHING=COACHING, BANDS=BANDS, STATE_LABELS=STATE_LABELS, course_id=launch.course_id,
        launched_from=launch.activity_id, is_staff=current_role() is Role.STAFF, place_url=_place_url)


def _place_url(risk: service.Risk) -> str | None:
    """Where to act on a risk, if the viewer can open it from here: staff reach every activity of the
    course; a facilitator only the activity their launch came from (Moodle decides what they see)."""
    place = risk.place
    if place is None or place.activity_id is None:
        return None
    staff = current_role() is Role.STAFF
    if not staff and place.activity_id != current_launch().activity_id:
        return None
    if place.kind == "gating":
        return url_for("gating.learner", activity_id=place.activity_id, learner_id=risk.learner_id)
    if place.kind == "coaching":
        return url_for("coaching.learner", activity_id=place.activity_id, learner_id=risk.learner_id)
    if place.kind == "attendance":
        return url_for("meetings.learner", activity_id=place.activity_id, learner_id=risk.learner_id)
    if place.kind == "readiness":
        return url_for("readiness.cohort", activity_id=place.activity_id)
    if place.kind == "grades" and staff:
        return url_for("grades.status", activity_id=place.activity_id)
    return None


@bp.get("/c/<int:course_id>/dashboard.csv")
@requires()
def course_csv(course_id: int):
    _check(course_id)
    board = boards.board(course_id)
    return csv_response(service.learners_csv(board, _view(board).rows), f"course-dashboard-{course_id}.csv")


@bp.post("/c/<int:course_id>/dashboard/grades/retry")
@requires(Role.STAFF)
def send_again(course_id: int):
    _check(course_id)
    count = service.send_failed_again(db(), course_id)
    db().commit()
    boards.forget(course_id)
    flash(ngettext("%(num)d grade will be sent again.", "%(num)d grades will be sent again.", count), "info")
    return redirect(url_for(".course", course_id=course_id, _anchor="grades"), code=303)
