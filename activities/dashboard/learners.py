"""The learner table: one row per roster learner, from the facts of every activity of the course.

Learners who never opened Padu are rows too (their membership came from the
Moodle roster, NRPS). Each column comes from one fact provider asked once for
the whole roster; the roster and the phases are the cohort grid of phase
gating (:func:`activities.gating.cohort.grid`: the stored states and the clock),
so the dashboard and the gating staff page always agree. Attendance "under the
requirement" is each attendance requirement of the program, asked of the
attendance course fact with that requirement's phase, percent and excused rule.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import registry
from ..core import Activity, Membership, Person, Role
from ..course.models import CoachAssignment
from ..facts import Fact, FactProvider, Status, Step
from ..gating.cohort import Grid, GridRow, grid
from ..gating.engine import PhasePlan, ProgramPlan, current_phase
from ..gating.models import State
from ..gating.store import program_of

READINESS = "readiness"
COACHING = "coaching"
GATING = "gating"
#: The course fact provider the meetings package registers (and the requirement kind of the same name):
#: ``Fact.value`` is the attendance percent so far; asked with a requirement's ``phase_id``, ``percent`` and
#: ``excused_counts``, ``Fact.progress.complete`` says whether the learner is at that percent so far.
ATTENDANCE = "attendance"


#: Coaching status keys, in the order a facilitator should look at them.
COACHING_STATES = ("revise", "waiting_review", "not_submitted", "in_progress", "done")


class LearnerRow(NamedTuple):
    """One roster learner's row: a plain tuple, not a frozen dataclass, since a course builds thousands of
    them each time its dashboard is computed (a frozen dataclass sets each of its fields through
    ``object.__setattr__``, three times as slow to build)."""

    learner_id: int
    name: str
    email: str
    #: False for a learner only Moodle's roster knows (never opened Padu).
    launched: bool
    #: Last launch of any Padu activity of the course.
    last_activity: dt.datetime | None
    coach_id: int | None
    #: The phase the learner is in (None without a program, or when every phase is passed: ``finished``).
    phase: PhasePlan | None
    phase_state: State | None
    finished: bool
    #: The stored state of every phase, in order (the funnel counts them).
    phase_states: tuple[State, ...]
    #: Readiness band key of the course's latest readiness check with a result; None if none taken.
    readiness_band: str | None
    #: The readiness fact of that check (None when the course has no readiness check).
    readiness: Fact | None
    #: One of :data:`COACHING_STATES`, None when the course has no coaching task.
    coaching: str | None
    #: Attendance percent, None without attendance data (or without the attendance provider).
    attendance: float | None
    #: Whether the learner is at the percent of every attendance requirement of their open phase,
    #: counting the meetings so far; None when no such requirement has a meeting counted for them yet.
    attendance_met: bool | None
    #: Work waiting for review past its target, and all work waiting.
    reviews_overdue: int
    reviews_waiting: int
    #: The coaching task whose review waits longest.
    review_task_id: int | None
    #: Average hours the learner's reviewed work waited, and how many reviews.
    review_hours: float | None
    reviews_given: int
    coaching_sessions: int


@dataclasses.dataclass(frozen=True)
class Course:
    """What the learner rows were read against: the program's plan and the course's activities by kind."""

    plan: ProgramPlan | None
    activities: Mapping[str, tuple[int, ...]]
    has_attendance: bool
    #: Activity id → title, for the places to act.
    titles: Mapping[int, str]
    #: The gating cohort grid the rows' phases come from (None without a program).
    grid: Grid | None = None

    @property
    def starts_at(self) -> dt.datetime | None:
        """The course starts when its first phase opens."""
        if self.plan is None or not self.plan.phases:
            return None
        return self.plan.phases[0].opens_at


def course_activities(session: Session, course_id: int) -> tuple[dict[str, tuple[int, ...]], dict[int, str]]:
    """The course's configured activities by kind, in the order they were placed, and their titles; one query."""
    found: dict[str, list[int]] = {}
    titles = {}
    for activity_id, kind, title in session.execute(
            select(Activity.id, Activity.kind, Activity.title).where(Activity.course_id == course_id,
                                                                     Activity.kind != "").order_by(Activity.id)):
        found.setdefault(kind, []).append(activity_id)
        titles[activity_id] = title
    return {kind: tuple(ids) for kind, ids in found.items()}, titles


def roster(session: Session, course_id: int) -> list[tuple[int, str, str, bool, dt.datetime | None]]:
    """Every learner of the course by name: (id, name, email, launched, last launch); one query of plain rows."""
    rows = session.execute(
        select(Person.id, Person.name, Person.username, Person.email, Person.sub, Membership.source,
               Membership.last_launch_at)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.course_id == course_id, Membership.role == Role.LEARNER.value)
        .order_by(Person.name, Person.sub))
    return [(pid, name or username or email or f"#{sub}", email, source == "launch", last)
            for pid, name, username, email, sub, source, last in rows]


def coach_by_learner(session: Session, course_id: int) -> dict[int, int]:
    assignment = CoachAssignment.__table__.c  # table columns: plain rows, no ORM loading (one per learner)
    return dict(session.execute(select(assignment.learner_id, assignment.coach_id)
                                .where(assignment.course_id == course_id)).all())


def learner_rows(session: Session, course_id: int, now: dt.datetime) -> tuple[Course, list[LearnerRow]]:
    """Every roster learner's row; a fixed number of queries for any number of learners (two more per
    attendance requirement of the program)."""
    activities, titles = course_activities(session, course_id)
    program = program_of(session, course_id)
    cohort = grid(session, program, now) if program is not None else None
    plan = cohort.plan if cohort is not None else None
    people: tuple[GridRow, ...] | list[GridRow] = (
        cohort.rows if cohort is not None else
        [GridRow(pid, name, email, launched, (), last) for pid, name, email, launched, last in roster(session, course_id)])
    ids = [p.learner_id for p in people]
    course_facts = registry.course_facts()
    attendance_provider = course_facts.get(ATTENDANCE)
    course = Course(plan, activities, attendance_provider is not None, titles, cohort)

    phases = _phases(cohort)
    readiness = _readiness(session, course_id, activities.get(READINESS, ()), ids)
    coaching_kind = registry.get(COACHING)
    has_tasks = bool(activities.get(COACHING)) and coaching_kind is not None
    tasks: Mapping[int, Fact] = {}
    waiting: Mapping[int, Fact] = {}
    times: Mapping[int, Fact] = {}
    if has_tasks and coaching_kind is not None:
        tasks = coaching_kind.facts["tasks_accepted"]().facts(session, course_id, ids)
        waiting = coaching_kind.facts["reviews_waiting"](now=now).facts(session, course_id, ids)
        times = coaching_kind.facts["review_time"]().facts(session, course_id, ids)
    sessions = course_facts["coaching_sessions_held"]().facts(session, course_id, ids)
    attendance = attendance_provider(now=now).facts(session, course_id, ids) if attendance_provider else {}
    attendance_met = (_attendance_met(session, course_id, plan, attendance_provider, phases, ids, now)
                      if attendance_provider is not None and plan is not None else {})
    coaches = coach_by_learner(session, course_id)

    rows = []
    nowhere: _PhaseCell = (None, None, False, ())
    for learner_id, name, email, launched, _standings, last in people:
        phase, state, finished, states = phases.get(learner_id, nowhere)
        ready = readiness.get(learner_id)
        wait, time, present = waiting.get(learner_id), times.get(learner_id), attendance.get(learner_id)
        held = sessions.get(learner_id)
        rows.append(LearnerRow(
            learner_id=learner_id, name=name, email=email, launched=launched, last_activity=last,
            coach_id=coaches.get(learner_id), phase=phase, phase_state=state, finished=finished,
            phase_states=states,
            readiness_band=ready.band if ready is not None else None, readiness=ready,
            coaching=_coaching(tasks.get(learner_id)) if has_tasks else None,
            attendance=_percent(present), attendance_met=attendance_met.get(learner_id),
            reviews_overdue=int(wait.value or 0) if wait is not None else 0,
            reviews_waiting=wait.progress.needed if wait is not None else 0,
            review_task_id=wait.next_step.activity_id if wait is not None and wait.next_step else None,
            review_hours=float(time.value) if time is not None and time.value is not None else None,
            reviews_given=time.progress.done if time is not None else 0,
            coaching_sessions=int(held.value or 0) if held is not None else 0,
        ))
    return course, rows


_PhaseCell = tuple[PhasePlan | None, State | None, bool, tuple[State, ...]]


def _phases(cohort: Grid | None) -> dict[int, _PhaseCell]:
    """By learner, from the cohort grid: the first phase not passed, its state, whether every phase is
    passed, and every phase's state; worked out once for each distinct tuple of the grid (learners in the
    same place share one)."""
    if cohort is None or not cohort.plan.phases:
        return {}
    cells: dict[int, _PhaseCell] = {}
    found: dict[int, _PhaseCell] = {}
    for row in cohort.rows:
        cell = cells.get(id(row.phases))
        if cell is None:
            states = tuple(standing.state for standing in row.phases)
            current = current_phase(row.phases)
            cell = cells[id(row.phases)] = ((current.phase, current.state, False, states) if current is not None
                                            else (None, None, True, states))
        found[row.learner_id] = cell
    return found


def _attendance_met(session: Session, course_id: int, plan: ProgramPlan, provider: Callable[..., FactProvider],
                    phases: Mapping[int, _PhaseCell], ids: list[int], now: dt.datetime) -> dict[int, bool]:
    """By learner: at the percent of every attendance requirement of the phase they are in (open: a passed
    phase's requirement no longer matters, a locked one's is not theirs yet), over that requirement's
    meetings so far and excused as it says. A requirement without a meeting counted for the learner yet
    says nothing about them."""
    found: dict[int, bool] = {}
    for index, phase in enumerate(plan.phases):
        for requirement in phase.requirements:
            if requirement.kind != ATTENDANCE:
                continue
            params = requirement.params
            facts = provider(phase_id=params["phase_id"], at_least_percent=float(params["percent"]),
                             excused_counts=bool(params.get("excused_counts", True)), now=now
                             ).facts(session, course_id, ids)
            for learner_id, fact in facts.items():
                cell = phases.get(learner_id)
                if fact.status is Status.NOT_STARTED or cell is None or cell[3][index] is not State.OPEN:
                    continue
                found[learner_id] = found.get(learner_id, True) and fact.progress.complete
    return found


def _readiness(session: Session, course_id: int, checks: tuple[int, ...], ids: list[int]) -> dict[int, Fact]:
    """By learner the fact of the course's latest readiness check they have a result of (else of the latest
    check); two queries per check."""
    kind = registry.get(READINESS)
    if kind is None or not checks:
        return {}
    found: dict[int, Fact] = {}
    for check in checks:  # a course has one check, seldom two: placed order, the later result wins
        for learner_id, fact in kind.facts["result"](activity_id=check).facts(session, course_id, ids).items():
            if fact.status is Status.DONE or found.get(learner_id, fact).status is not Status.DONE:
                found[learner_id] = fact
    return found


def _coaching(fact: Fact | None) -> str:
    if fact is None or fact.status is Status.NOT_STARTED:
        return "not_submitted"
    if fact.status is Status.DONE:
        return "done"
    step = fact.next_step.step if fact.next_step else None
    if step is Step.REVISE:
        return "revise"
    if step is Step.WAIT_FOR_REVIEW:
        return "waiting_review"
    return "in_progress"


def _percent(fact: Fact | None) -> float | None:
    if fact is None or fact.value is None or isinstance(fact.value, bool):
        return None
    return float(fact.value)
