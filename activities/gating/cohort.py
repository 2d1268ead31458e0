"""The cohort as staff see it: learners × phases, the funnel, who is at risk, the CSV.

Every roster learner is in the grid, also those who never opened Padu
(their facts say "not started"). States come from the stored states (every
fact change recomputes them in its transaction) and the clock, at ``now``:
a window that opened since the last recompute shows as open, exactly as the
learner's journey computed from the facts shows it
(:func:`.store.standings_for`). Reading 15,000 stored rows instead of every
fact of 5,000 learners keeps the staff page well under a second.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core import Membership, Person, Role, display_name
from ..csv_export import csv_text
from ..db import utcnow
from .engine import PhasePlan, PhaseStanding, ProgramPlan, current_phase
from .models import Program, State
from .store import plan_of, standings_for

SOON = dt.timedelta(days=7)


@dataclasses.dataclass(frozen=True)
class GridRow:
    learner_id: int
    name: str
    email: str
    launched: bool
    #: States only: the requirement details are on the learner's own page.
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
    roster = session.execute(
        select(Membership.person_id, Person.name, Person.username, Person.email, Person.sub, Membership.source,
               Membership.last_launch_at)
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.course_id == program.course_id, Membership.role == Role.LEARNER.value)
        .order_by(Person.name, Person.sub)).all()
    states = standings_for(session, plan, [m.person_id for m in roster], now)
    rows = tuple(GridRow(m.person_id, display_name(m.name, m.username, m.email, m.sub), m.email,
                         m.source == "launch", tuple(states[m.person_id]), m.last_launch_at) for m in roster)
    return Grid(plan, rows, now)


@dataclasses.dataclass(frozen=True)
class FunnelStep:
    phase: PhasePlan
    #: Learners for whom the phase is open or passed.
    reached: int
    passed: int


def funnel(cohort: Grid) -> list[FunnelStep]:
    steps = []
    for index, phase in enumerate(cohort.plan.phases):
        states = [row.phases[index].state for row in cohort.rows]
        steps.append(FunnelStep(phase, sum(s is not State.LOCKED for s in states), sum(s.passed for s in states)))
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
