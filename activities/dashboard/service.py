"""The course dashboard's services the web layer calls, in one place.

:func:`dashboard` reads the whole course once (learner rows, risks, workload,
grade sync, funnel) in a fixed number of queries; :func:`view` narrows it to
what one person asked for (their coachees first, a name, the at-risk only);
:func:`learners_csv` exports the table; :func:`send_failed_again` queues the
course's failed grades again. Who may look: staff and facilitators *of this
course* (:func:`may_view`), checked against the stored membership, not only
the launch's role.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core import Person, Role
from ..course.access import role_in_course
from ..csv_export import csv_text
from ..db import utcnow
from ..gating.cohort import FunnelStep, funnel
from . import KIND as KIND  # re-exported for the web layer
from .grade_sync import ActivitySync as ActivitySync
from .grade_sync import GradeSync as GradeSync
from .grade_sync import grade_sync
from .grade_sync import send_failed_again as send_failed_again
from .learners import COACHING_STATES as COACHING_STATES
from .learners import Course as Course
from .learners import LearnerRow as LearnerRow
from .learners import learner_rows
from .risks import Context, at_risk
from .risks import Place as Place
from .risks import Reason as Reason
from .risks import Risk as Risk
from .workload import CoachLoad as CoachLoad
from .workload import workload

MAX_QUERY = 100


@dataclasses.dataclass(frozen=True)
class Dashboard:
    course: Course
    now: dt.datetime
    #: Every roster learner, by name.
    rows: tuple[LearnerRow, ...]
    risks: tuple[Risk, ...]
    funnel: tuple[FunnelStep, ...]
    workload: tuple[CoachLoad, ...]
    grades: GradeSync


def may_view(session: Session, course_id: int, person_id: int, role: Role | None) -> bool:
    """Staff and facilitators of the course: the launch's role and the course's stored membership agree."""
    if role is None or not role.can_facilitate:
        return False
    stored = role_in_course(session, course_id, person_id)
    return stored is not None and stored.can_facilitate


def dashboard(session: Session, course_id: int, now: dt.datetime | None = None) -> Dashboard:
    """The whole course at ``now``; a number of queries that does not grow with the roster."""
    now = now or utcnow()
    course, rows = learner_rows(session, course_id, now)
    grades = grade_sync(session, course_id)
    risks = at_risk(rows, Context(course, now, grades.failed_by_learner))
    coach_ids = {row.coach_id for row in rows if row.coach_id is not None}
    names = _names(session, coach_ids)
    steps = tuple(funnel(course.grid)) if course.grid is not None else ()
    return Dashboard(course, now, tuple(rows), tuple(risks), steps, tuple(workload(rows, names)), grades)


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {p.id: p.display_name for p in session.scalars(select(Person).where(Person.id.in_(list(ids))))}


@dataclasses.dataclass(frozen=True)
class View:
    """What one person sees: ``rows`` and ``risks`` narrowed and ordered for them."""

    rows: tuple[LearnerRow, ...]
    risks: tuple[Risk, ...]
    #: The viewer coaches someone in the course.
    coaches: bool
    #: Only the viewer's coachees are shown (the default for a coach).
    mine_only: bool


def view(board: Dashboard, viewer_id: int, *, everyone: bool = False, query: str = "",
         at_risk_only: bool = False) -> View:
    """The viewer's coachees first (only them, unless ``everyone``), then the name or email filter and
    the at-risk filter. Staff who coach nobody see everyone."""
    mine = {row.learner_id for row in board.rows if row.coach_id == viewer_id}
    mine_only = bool(mine) and not everyone
    rows: Sequence[LearnerRow] = sorted(board.rows, key=lambda row: row.learner_id not in mine)  # stable: by name
    risks: Sequence[Risk] = sorted(board.risks, key=lambda risk: risk.learner_id not in mine)
    if mine_only:
        rows = [row for row in rows if row.learner_id in mine]
        risks = [risk for risk in risks if risk.learner_id in mine]
    text = query.strip()[:MAX_QUERY].casefold()
    if text:
        rows = [row for row in rows if text in row.name.casefold() or text in row.email.casefold()]
    if at_risk_only:
        risky = {risk.learner_id for risk in risks}
        rows = [row for row in rows if row.learner_id in risky]
    return View(tuple(rows), tuple(risks), bool(mine), mine_only)


def learners_csv(board: Dashboard, rows: Sequence[LearnerRow]) -> str:
    """The learner table as CSV, machine values (the header is data): one line per learner of ``rows``."""
    reasons: dict[int, list[str]] = {}
    for risk in board.risks:
        reasons.setdefault(risk.learner_id, []).append(risk.reason.value)
    header = ["name", "email", "launched", "last_activity", "phase", "phase_state", "readiness_band", "coaching",
              "attendance_percent", "at_risk"]
    lines = ([row.name, row.email, "yes" if row.launched else "no",
              row.last_activity.isoformat() if row.last_activity else "",
              "done" if row.finished else (row.phase.title if row.phase else ""),
              row.phase_state.value if row.phase_state else "", row.readiness_band or "", row.coaching or "",
              "" if row.attendance is None else round(row.attendance, 1),
              " ".join(reasons.get(row.learner_id, []))] for row in rows)
    return csv_text(header, lines)
