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

from sqlalchemy import Row, Table, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from ..core import Activity, Membership, Role
from ..db import JsonObject, utcnow
from ..facts import learners_among
from .engine import (
    GroupPlan,
    LearnerOverrides,
    PhasePlan,
    PhaseStanding,
    PhaseStatus,
    ProgramPlan,
    phase_states,
    standing,
    standings,
)
from .gradebook import gate_columns, queue_values, target_value
from .models import Override, OverrideKind, Phase, PhaseState, Program, State
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
                       *learners_among(Override.learner_id, ids))):
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
) -> dict[tuple[int, int], Row[int, int, int, str, float | None, bool | None]]:
    """By (phase id, learner id): the stored row's ``id``, ``state``, ``graded_value`` and
    ``requirements_met``; one query (plain rows, not ORM objects: a cohort has thousands)."""
    query = select(PhaseState.id, PhaseState.phase_id, PhaseState.learner_id, PhaseState.state,
                   PhaseState.graded_value, PhaseState.requirements_met
                   ).where(PhaseState.phase_id.in_([p.id for p in plan.phases]))
    if learner_ids is not None:
        query = query.where(*learners_among(PhaseState.learner_id, learner_ids))
    return {(row.phase_id, row.learner_id): row for row in session.execute(query)}


def standings_for(
    session: Session, plan: ProgramPlan, learner_ids: Collection[int], now: dt.datetime | None = None
) -> dict[int, list[PhaseStanding]]:
    """Each learner's phase states at ``now`` from the stored states and the clock (what the cohort
    grid shows): one read of the stored rows instead of every fact.

    A recompute runs in the same transaction as every fact change, override
    and program edit, and stores for each phase whether its requirements were
    met; the clock adds only the windows opened since (:func:`.engine.standings`).
    A learner with no complete stored set yet (new on the roster, rows from
    before the flag was kept) is computed from the facts instead, in one batch.
    """
    return {learner_id: list(found) for learner_id, found in shared_standings(session, plan, learner_ids, now).items()}


def shared_standings(
    session: Session, plan: ProgramPlan, learner_ids: Collection[int], now: dt.datetime | None = None
) -> dict[int, tuple[PhaseStanding, ...]]:
    """:func:`standings_for` as tuples, one tuple shared by the learners with the same stored set (a cohort
    of thousands has a handful): the cohort grid and the course dashboard keep them, and count or look
    each shape up once instead of once per learner."""
    ids = list(dict.fromkeys(learner_ids))
    now = now or utcnow()
    wanted = set(ids)
    met: dict[int, dict[int, bool]] = defaultdict(dict)
    overridden: dict[int, set[int]] = defaultdict(set)
    incomplete: set[int] = set()
    phase_ids = [p.id for p in plan.phases]
    # By phase only (not by learner: the grid asks for the whole roster, and a list of thousands of ids
    # costs more to send than the few rows of others it keeps out). Table columns: plain rows, no ORM.
    table = PhaseState.__table__.c
    rows = session.execute(select(table.phase_id, table.learner_id, table.state, table.requirements_met)
                           .where(table.phase_id.in_(phase_ids))).all()  # fetched at once, not row by row
    overridden_value = State.OVERRIDDEN.value
    for phase_id, learner_id, state, requirements_met in rows:
        if learner_id not in wanted:
            continue
        if requirements_met is None:
            incomplete.add(learner_id)
            continue
        met[learner_id][phase_id] = requirements_met
        if state == overridden_value:
            overridden[learner_id].add(phase_id)
    result: dict[int, tuple[PhaseStanding, ...]] = {}
    unstored = []
    # A cohort of thousands has a handful of distinct stored sets: each is worked out once.
    seen: dict[tuple[tuple[bool, ...], frozenset[int]], tuple[PhaseStanding, ...]] = {}
    nothing_overridden: frozenset[int] = frozenset()
    for learner_id in ids:
        mine = met.get(learner_id)
        if learner_id in incomplete or mine is None or len(mine) != len(phase_ids):
            unstored.append(learner_id)
            continue
        flags = tuple(map(mine.__getitem__, phase_ids))
        skipped = overridden.get(learner_id)
        key = (flags, frozenset(skipped) if skipped else nothing_overridden)
        found = seen.get(key)
        if found is None:
            found = seen[key] = tuple(standings(plan, mine, key[1], now))
        result[learner_id] = found
    if unstored:
        for learner_id, statuses in states_for(session, plan, unstored, now).items():
            result[learner_id] = tuple(standing(status) for status in statuses)
    return {i: result[i] for i in ids}


def unstored_learners(session: Session, program_id: int, course_id: int) -> list[int]:
    """The roster learners without a complete set of stored states (three small queries)."""
    phase_ids = list(session.scalars(select(Phase.id).where(Phase.program_id == program_id)))
    if not phase_ids:
        return []
    stored = session.execute(
        select(PhaseState.learner_id).where(PhaseState.phase_id.in_(phase_ids),
                                            PhaseState.requirements_met.is_not(None))
        .group_by(PhaseState.learner_id).having(func.count() == len(phase_ids)))
    complete = {learner_id for (learner_id,) in stored}
    return [i for i in roster_learner_ids(session, course_id) if i not in complete]


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
            met = status.requirements_met
            last_sent = row.graded_value if row is not None else None
            graded = last_sent
            if phase_id in columns:
                target = target_value(status.state.passed, last_sent)
                if target is not None and target != last_sent:
                    values[phase_id][learner_id] = graded = target
            if row is None:
                new_rows.append({"phase_id": phase_id, "learner_id": learner_id, "state": state,
                                 "graded_value": graded, "requirements_met": met, "updated_at": now})
            elif row.state != state or row.graded_value != graded or row.requirements_met != met:
                changed_rows.append({"id": row.id, "state": state, "graded_value": graded,
                                     "requirements_met": met, "updated_at": now})
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
        set_={name: statement.excluded[name] for name in ("state", "graded_value", "requirements_met", "updated_at")})
    session.execute(statement, rows)


def recompute_opened_windows(session: Session, since: dt.datetime, now: dt.datetime | None = None) -> list[int]:
    """Recompute every course with a phase whose window opened in (``since``, ``now``]; returns their ids.

    A window opening is read from the clock, so pages are always right; but a
    phase whose requirements were met before its window opened becomes complete
    only at the opening, and its gate grade should reach Moodle then. The
    worker's periodic gating step (:func:`recompute_due`) calls this.
    """
    now = now or utcnow()
    course_ids = list(session.scalars(
        select(Program.course_id).join(Phase, Phase.program_id == Program.id)
        .where(Phase.opens_at > since, Phase.opens_at <= now).distinct().order_by(Program.course_id)))
    for course_id in course_ids:
        recompute(session, course_id, None, now)
    return course_ids


def recompute_due(session: Session, since: dt.datetime | None, now: dt.datetime | None = None) -> list[int]:
    """Store what changed without an event since ``since`` (None: ever); returns the courses recomputed.

    Run by the worker every minute (``lti_tool.housekeeping.run_gating``), so
    stored states and gate grades follow without anyone opening Padu:

    * a window opened (:func:`recompute_opened_windows`);
    * an activity of the course was placed or changed (a new coaching task
      changes "every task"; a new gate column needs the grades already earned);
    * roster learners have no complete stored states yet (new on the roster,
      rows from before ``requirements_met`` was kept): those learners only.
    """
    now = now or utcnow()
    if since is None:
        whole = list(session.scalars(select(Program.course_id).order_by(Program.course_id)))
        for course_id in whole:
            recompute(session, course_id, None, now)
    else:
        whole = recompute_opened_windows(session, since, now)
        changed = session.scalars(
            select(Program.course_id).join(Activity, Activity.course_id == Program.course_id)
            .where(Activity.updated_at > since, Activity.updated_at <= now, Program.course_id.not_in(whole))
            .distinct().order_by(Program.course_id))
        for course_id in list(changed):
            recompute(session, course_id, None, now)
            whole.append(course_id)
    touched = set(whole)
    programs = session.execute(select(Program.id, Program.course_id).where(Program.course_id.not_in(whole))).all()
    for program_id, course_id in programs:
        missing = unstored_learners(session, program_id, course_id)
        if missing:
            recompute(session, course_id, missing, now)
            touched.add(course_id)
    return sorted(touched)
