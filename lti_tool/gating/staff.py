"""Staff and facilitators watch the cohort: the grid of learners × phases with its filters,
the phase funnel, who is at risk, the CSV, and the audit log. Staff also choose which
phase's gradebook column this activity is, with Moodle's steps to restrict on it."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

from flask import render_template, request, url_for
from flask_babel import gettext as _

from activities.core import Activity, Role
from activities.gating import service

from ..auth import course_roster, current_role, requires
from ..responses import csv_response
from ..runtime import db
from ..web import form_action
from .common import FACILITATORS, bp, load_program, require_program, zone_of

Program = service.Program

PAGE_SIZE = 100
STATES = ("locked", "open", "complete", "overridden")


@dataclasses.dataclass(frozen=True)
class Filters:
    phase_id: int | None
    state: str
    at_risk: bool
    name: str
    page: int


def _filters(program: Program) -> Filters:
    args = request.args
    phase_ids = {p.id for p in program.phases}
    phase_id = args.get("phase", type=int)
    state = args.get("state", "")
    return Filters(phase_id if phase_id in phase_ids else None, state if state in STATES else "",
                   args.get("risk") == "1", (args.get("q") or "").strip()[:100].casefold(),
                   max(1, args.get("page", 1, type=int) or 1))


def _rows(cohort, filters: Filters, risky: Mapping[int, object]):
    index = {p.id: i for i, p in enumerate(cohort.plan.phases)}
    for row in cohort.rows:
        if filters.at_risk and row.learner_id not in risky:
            continue
        if filters.name and filters.name not in row.name.casefold() and filters.name not in row.email.casefold():
            continue
        if filters.state:
            if filters.phase_id is not None:
                if row.phases[index[filters.phase_id]].state.value != filters.state:
                    continue
            elif not any(s.state.value == filters.state for s in row.phases):
                continue
        yield row


def cohort_page(activity: Activity, program: Program):
    course_roster()  # refresh the roster: learners who never opened Padu are in the grid too
    return render_cohort(activity, program, service.grid(db(), program))


def render_cohort(activity: Activity, program: Program, cohort: service.Grid) -> str:
    """The cohort page of a computed grid, filtered and paged by the request's query (bench/gating.py times it)."""
    risky = {item.row.learner_id: item for item in service.at_risk(cohort)}
    filters = _filters(program)
    rows = list(_rows(cohort, filters, risky))
    pages = max(1, math.ceil(len(rows) / PAGE_SIZE))
    page = min(filters.page, pages)
    shown = rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    return render_template("gating/cohort.html", activity=activity, program=program, cohort=cohort,
                           funnel=service.funnel(cohort), risky=risky, rows=shown, matched=len(rows),
                           filters=filters, page=page, pages=pages, zone=zone_of(program), tab="cohort")


@bp.get("/cohort")
@requires(*FACILITATORS)
def cohort(activity_id: int):
    activity, program = load_program(activity_id)
    if program is None:
        return render_template("gating/not_ready.html", activity=activity)
    return cohort_page(activity, program)


@bp.get("/cohort.csv")
@requires(*FACILITATORS)
def cohort_csv(activity_id: int):
    activity, program = require_program(activity_id)
    course_roster()
    return csv_response(service.grid_csv(service.grid(db(), program)), f"phase-gating-{activity.course_id}.csv")


@bp.get("/audit")
@requires(*FACILITATORS)
def audit(activity_id: int):
    activity, program = load_program(activity_id)
    if program is None:
        return render_template("gating/not_ready.html", activity=activity)
    entries = service.audit_log(db(), program, limit=500)
    people = {m.person_id: m.person.display_name for m in course_roster()}
    phases = {p.id: p.title for p in program.phases}
    return render_template("gating/audit.html", activity=activity, program=program, entries=entries, people=people,
                           phases=phases, zone=zone_of(program), tab="audit")


def _settings_page(activity: Activity, program: Program, problem=None):
    chosen = service.column_phase(activity)
    phase = next((p for p in program.phases if p.id == chosen), None)
    following = next((p for p in program.phases if phase is not None and p.position > phase.position), None)
    return render_template("gating/settings.html", activity=activity, program=program, chosen=chosen, phase=phase,
                           following=following, problem=problem, tab="settings"), problem.status if problem else 200


@bp.get("/settings")
@requires(Role.STAFF)
def settings(activity_id: int):
    activity, program = require_program(activity_id)
    return _settings_page(activity, program)


@bp.post("/settings")
@requires(Role.STAFF)
def save_settings(activity_id: int):
    activity, program = require_program(activity_id)
    raw = request.form.get("phase_id", "")
    try:
        phase_id = int(raw) if raw else None
    except ValueError:
        phase_id = -1  # refused by the domain like any phase not of this program
    return form_action(
        lambda: service.set_column(db(), activity, current_role(), phase_id),
        again=lambda problem: _settings_page(activity, program, problem),
        to=url_for(".settings", activity_id=activity.id),
        message=_("The settings are saved. Learners who already passed the phase get 100 in its column."))
