"""The cohort as staff see it: learners × phases, the funnel, who is at risk, the CSV.

Every roster learner is in the grid, also those who never opened Padu
(their facts say "not started"). States come from the stored states (every
fact change recomputes them in its transaction) and the clock, at ``now``:
a window that opened since the last recompute shows as open, exactly as the
learner's journey computed from the facts shows it
(:func:`.store.shared_standings`). Reading 15,000 stored rows instead of every
fact of 5,000 learners keeps the staff page well under a second.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections import Counter
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core import Membership, Person, Role, display_name
from ..csv_export import csv_text
from ..db import utcnow
from .engine import PhasePlan, PhaseStanding, ProgramPlan, current_phase
from .models import Program, State
from .store import plan_of, shared_standings

SOON = dt.timedelta(days=7)


class GridRow(NamedTuple):
    """One roster learner's line (a plain tuple: a cohort has thousands, and the course dashboard reads
    the grid of its whole course)."""

    learner_id: int
    name: str
    email: str
    launched: bool
    #: States only: the requirement details are on the learner's own page. Learners with the same
    #: stored states share one tuple (:func:`.store.shared_standings`).
    phases: tuple[PhaseStanding, ...]
    #: Last launch of any Padu activity of the course (the course dashboard shows it).
    last_launch: dt.datetime | None = None

    @property
    def current(self) -> PhaseStanding | None:
        return current_phase(self.phases)


@dataclasses.dataclass(frozen=True)
class Grid:
    plan: ProgramPlan
    rows: tuple[GridRow, ...]
    now: dt.datetime


def grid(session: Session, program: Program, now: dt.datetime | None = None) -> Grid:
    """Every roster learner (by name, as :func:`activities.core.members` orders them) × every phase.
    Plain rows, not ORM objects: a cohort has thousands. The course dashboard reads its phases from here
    too (:mod:`activities.dashboard.learners`), so both pages say the same."""
    now = now or utcnow()
    plan = plan_of(program)
    member, person = Membership.__table__.c, Person.__table__.c  # table columns: plain rows, no ORM loading
    roster = session.execute(
        select(member.person_id, person.name, person.username, person.email, person.sub, member.source,
               member.last_launch_at)
        .join_from(Membership.__table__, Person.__table__, person.id == member.person_id)
        .where(member.course_id == program.course_id, member.role == Role.LEARNER.value)
        .order_by(person.name, person.sub)).all()
    states = shared_standings(session, plan, [m[0] for m in roster], now)
    rows = tuple(GridRow(learner_id, name or display_name(name, username, email, sub), email, source == "launch",
                         states[learner_id], last_launch)
                 for learner_id, name, username, email, sub, source, last_launch in roster)
    return Grid(plan, rows, now)


@dataclasses.dataclass(frozen=True)
class FunnelStep:
    phase: PhasePlan
    #: Learners for whom the phase is open or passed.
    reached: int
    passed: int


def funnel(cohort: Grid) -> list[FunnelStep]:
    """Each phase's learners reached and passed, counted over the grid's distinct rows of states (learners
    in the same place share one tuple) rather than over every learner and phase."""
    shapes = [row.phases for row in cohort.rows]
    counts = Counter(map(id, shapes))
    distinct = {id(shape): shape for shape in shapes}
    steps = []
    for index, phase in enumerate(cohort.plan.phases):
        reached = passed = 0
        for key, shape in distinct.items():
            state = shape[index].state
            reached += counts[key] if state is not State.LOCKED else 0
            passed += counts[key] if state.passed else 0
        steps.append(FunnelStep(phase, reached, passed))
    return steps


class Risk(str, enum.Enum):
    PAST_CLOSE = "past_close"  # still in a phase whose window has closed
    DEADLINE_SOON = "deadline_soon"  # requirements missing, the phase closes within 7 days


@dataclasses.dataclass(frozen=True)
class AtRisk:
    row: GridRow
    phase: PhaseStanding
    risk: Risk


def at_risk(cohort: Grid) -> list[AtRisk]:
    """Learners stuck in their current phase past its close, or with requirements missing and the close
    within 7 days. A phase still locked by its window is not the learner's fault and is not listed."""
    found = []
    for row in cohort.rows:
        phase = row.current
        if phase is None or phase.state is not State.OPEN or phase.phase.closes_at is None:
            continue
        closes = phase.phase.closes_at
        if closes <= cohort.now:
            found.append(AtRisk(row, phase, Risk.PAST_CLOSE))
        elif closes - cohort.now <= SOON and not phase.requirements_met:
            found.append(AtRisk(row, phase, Risk.DEADLINE_SOON))
    return found


def grid_csv(cohort: Grid) -> str:
    """The grid as CSV: name, email, launched, then each phase's state (machine values: the header is data)."""
    header = ["name", "email", "launched"] + [p.title for p in cohort.plan.phases]
    rows = ([row.name, row.email, "yes" if row.launched else "no"] + [s.state.value for s in row.phases]
            for row in cohort.rows)
    return csv_text(header, rows)
