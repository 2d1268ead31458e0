"""Reading a program and a cohort's standing from the database, and storing recomputed states.

Every function here answers for many learners with a number of statements
that depends on the program (its phases and requirements), never on the
number of learners.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Collection
from typing import cast

from sqlalchemy import Row, Table, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from ..core import Membership, Role
from ..db import JsonObject, utcnow
from .engine import GroupPlan, LearnerOverrides, PhasePlan, PhaseStatus, ProgramPlan, phase_states
from .gradebook import gate_columns, queue_values, target_value
from .models import Override, OverrideKind, Phase, PhaseState, Program
from .requirements import Evaluation, RequirementPlan, evaluate_all


def program_of(session: Session, course_id: int) -> Program | None:
    return session.scalar(
        select(Program).where(Program.course_id == course_id)
        .options(selectinload(Program.phases).selectinload(Phase.requirements),
                 selectinload(Program.phases).selectinload(Phase.groups)))


def plan_of(program: Program) -> ProgramPlan:
    return ProgramPlan(
        id=program.id, course_id=program.course_id, time_zone=program.time_zone,
        phases=tuple(
            PhasePlan(
                id=phase.id, position=phase.position, kind=phase.kind, title=phase.title,
                opens_at=phase.opens_at, closes_at=phase.closes_at,
                requirements=tuple(RequirementPlan(r.id, r.kind, dict(r.params or {}), r.group_id)
                                   for r in phase.requirements),
                groups=tuple(GroupPlan(g.id, g.at_least) for g in phase.groups),
            )
            for phase in sorted(program.phases, key=lambda p: p.position)
        ),
    )


def roster_learner_ids(session: Session, course_id: int, among: Collection[int] | None = None) -> list[int]:
    """Every learner of the course (or those of ``among`` who are): those who launched and those only the
    Moodle roster knows. Staff who try an activity out are not gated."""
    query = select(Membership.person_id).where(Membership.course_id == course_id,
                                               Membership.role == Role.LEARNER.value)
    if among is not None:
        query = query.where(Membership.person_id.in_(list(among)))
    return list(session.scalars(query.order_by(Membership.person_id)))


def overrides_of(session: Session, program_id: int, learner_ids: Collection[int]) -> dict[int, LearnerOverrides]:
    """By learner, the overrides in force (not undone); one query."""
    completed: dict[int, set[int]] = defaultdict(set)
    waived: dict[int, set[int]] = defaultdict(set)
    ids = list(learner_ids)
    if ids:
        for learner_id, kind, phase_id, requirement_id in session.execute(
                select(Override.learner_id, Override.kind, Override.phase_id, Override.requirement_id)
                .where(Override.program_id == program_id, Override.undone_at.is_(None),
                       Override.learner_id.in_(ids))):
            if kind == OverrideKind.COMPLETE_PHASE.value:
                completed[learner_id].add(phase_id)
            elif requirement_id is not None:
                waived[learner_id].add(requirement_id)
    return {i: LearnerOverrides(frozenset(completed.get(i, ())), frozenset(waived.get(i, ()))) for i in ids}


def states_for(
    session: Session, plan: ProgramPlan, learner_ids: Collection[int], now: dt.datetime | None = None
) -> dict[int, list[PhaseStatus]]:
    """Each learner's phase states, from their facts and overrides, at ``now``."""
    ids = list(dict.fromkeys(learner_ids))
    now = now or utcnow()
    checks = evaluate_all(Evaluation(session, plan.course_id, ids), plan.requirements)
    overrides = overrides_of(session, plan.id, ids)
    return {i: phase_states(plan, checks[i], overrides[i], now) for i in ids}


def stored_states(
    session: Session, plan: ProgramPlan, learner_ids: Collection[int] | None
) -> dict[tuple[int, int], Row[int, int, int, str, float | None]]:
    """By (phase id, learner id): the stored row's ``id``, ``state`` and ``graded_value``; one query
    (plain rows, not ORM objects: a cohort has thousands)."""
    query = select(PhaseState.id, PhaseState.phase_id, PhaseState.learner_id, PhaseState.state,
                   PhaseState.graded_value).where(PhaseState.phase_id.in_([p.id for p in plan.phases]))
    if learner_ids is not None:
        query = query.where(PhaseState.learner_id.in_(list(learner_ids)))
    return {(row.phase_id, row.learner_id): row for row in session.execute(query)}


def recompute(
    session: Session, course_id: int, learner_ids: Collection[int] | None = None, now: dt.datetime | None = None
) -> dict[int, list[PhaseStatus]]:
    """Recompute and store the phase states of ``learner_ids`` (default: the whole roster), in the caller's
    transaction, and queue a gate grade wherever a phase column's value changes.

    Called on every fact change (:func:`activities.events.fact_changed`), override, sign-off and
    program edit. Returns the new states. A course without a program has nothing to do.
    """
    program = program_of(session, course_id)
    if program is None:
        return {}
    plan = plan_of(program)
    now = now or utcnow()
    ids = roster_learner_ids(session, course_id, learner_ids)
    statuses = states_for(session, plan, ids, now)
    stored = stored_states(session, plan, ids)
    columns = gate_columns(session, course_id)
    new_rows: list[JsonObject] = []
    changed_rows: list[JsonObject] = []
    values: dict[int, dict[int, float]] = defaultdict(dict)
    for learner_id, phases in statuses.items():
        for status in phases:
            phase_id, state = status.phase.id, status.state.value
            row = stored.get((phase_id, learner_id))
            last_sent = row.graded_value if row is not None else None
            graded = last_sent
            if phase_id in columns:
                target = target_value(status.state.passed, last_sent)
                if target is not None and target != last_sent:
                    values[phase_id][learner_id] = graded = target
            if row is None:
                new_rows.append({"phase_id": phase_id, "learner_id": learner_id, "state": state,
                                 "graded_value": graded, "updated_at": now})
            elif row.state != state or row.graded_value != graded:
                changed_rows.append({"id": row.id, "state": state, "graded_value": graded, "updated_at": now})
    # Bulk statements: the ORM's own flush would send one UPDATE per row on SQLite.
    if new_rows:
        _insert_states(session, new_rows)
    if changed_rows:
        session.execute(update(PhaseState), changed_rows)
    for phase_id, by_learner in values.items():
        queue_values(session, columns[phase_id], by_learner)
    session.flush()
    return statuses


def _insert_states(session: Session, rows: list[JsonObject]) -> None:
    """Insert new state rows; one a concurrent transaction inserted first (two fact changes of a new
    learner at once) is updated instead, rather than failing the caller's transaction."""
    table = cast(Table, PhaseState.__table__)  # a mapped class's table is a Table; its ClassVar says FromClause
    dialect = session.get_bind().dialect.name
    upsert: Callable[[Table], postgresql.Insert | sqlite.Insert]
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as upsert
    else:
        session.execute(insert(table), rows)
        return
    statement = upsert(table)
    statement = statement.on_conflict_do_update(
        index_elements=["phase_id", "learner_id"],
        set_={name: statement.excluded[name] for name in ("state", "graded_value", "updated_at")})
    session.execute(statement, rows)


def recompute_opened_windows(session: Session, since: dt.datetime, now: dt.datetime | None = None) -> list[int]:
    """Recompute every course with a phase whose window opened in (``since``, ``now``]; returns their ids.

    A window opening is read from the clock, so pages are always right; but a
    phase whose requirements were met before its window opened becomes complete
    only at the opening, and its gate grade should reach Moodle then. A
    periodic job (the grade worker's housekeeping) calls this.
    """
    now = now or utcnow()
    course_ids = list(session.scalars(
        select(Program.course_id).join(Phase, Phase.program_id == Program.id)
        .where(Phase.opens_at > since, Phase.opens_at <= now).distinct().order_by(Program.course_id)))
    for course_id in course_ids:
        recompute(session, course_id, None, now)
    return course_ids
