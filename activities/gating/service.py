"""The gating services the web layer calls, in one place.

Each takes the caller's SQLAlchemy session and leaves committing to it, so a
decision, its audit entry, the recomputed states and the gate grades are
saved together or not at all. Each refuses a broken rule with one exception
from :mod:`.exceptions`, before changing anything.

Who may do what: staff edit the program; staff and facilitators override,
undo and sign off; learners only read their own journey (the web layer).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core import Activity, Course, Membership, Person, Role
from ..db import JsonObject, utcnow
from . import KIND as KIND  # re-exported for the web layer
from . import cohort as _cohort
from . import template
from .engine import GroupPlan, PhasePlan, ProgramPlan, current_phase
from .engine import LockedBecause as LockedBecause  # re-exported for the web layer
from .engine import PhaseStatus as PhaseStatus  # re-exported for the web layer
from .exceptions import AlreadyDone, NotAllowed, NotInProgram, ProgramInvalid, ReasonRequired, WouldLockOut
from .models import (
    AuditEntry,
    Override,
    OverrideKind,
    Phase,
    PhaseKind,
    Requirement,
    RequirementGroup,
    SignOff,
    State,
)
from .models import (
    Program as Program,  # re-exported for the web layer
)
from .requirements import RequirementInvalid, RequirementPlan, kinds, validate
from .settings import check_phase, validate_settings
from .store import plan_of, program_of, recompute, states_for, stored_states

MAX_REASON = 2000
MAX_TITLE = 200
_UNSET: Any = object()


# ---- helpers ----------------------------------------------------------------------------------


def _facilitator(role: Role) -> None:
    if not Role(role).can_facilitate:
        raise NotAllowed("only staff and facilitators of the course")


def _staff(role: Role) -> None:
    if not Role(role).is_staff:
        raise NotAllowed("only staff of the course edit its program")


def _reason(text: str, *, required: bool = True) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ReasonRequired("say why")
    if len(text) > MAX_REASON:
        raise ProgramInvalid("reason", f"at most {MAX_REASON} characters")
    return text


def _learner(session: Session, program: Program, learner_id: int) -> int:
    found = session.scalar(select(Membership.id).where(
        Membership.course_id == program.course_id, Membership.person_id == learner_id,
        Membership.role == Role.LEARNER.value))
    if found is None:
        raise NotInProgram(f"person {learner_id} is not a learner of this course")
    return learner_id


def _phase(program: Program, phase_id: int) -> Phase:
    for phase in program.phases:
        if phase.id == phase_id:
            return phase
    raise NotInProgram(f"phase {phase_id} is not of this program")


class RequirementParamsInvalid(ProgramInvalid, RequirementInvalid):
    """A requirement's params are wrong: a :class:`RequirementInvalid` (what the kinds raise) that is
    also a :class:`ProgramInvalid`, so that every refusal of this façade is a ``GatingError``."""

    def __init__(self, field: str, message: str):
        Exception.__init__(self, f"{field}: {message}")
        self.field = field
        self.message = message


def _validated(session: Session, course_id: int, kind: str, params: Any) -> JsonObject:
    try:
        return validate(session, course_id, kind, params)
    except RequirementInvalid as error:
        raise RequirementParamsInvalid(error.field, error.message) from error


def _requirement(program: Program, requirement_id: int) -> Requirement:
    for phase in program.phases:
        for requirement in phase.requirements:
            if requirement.id == requirement_id:
                return requirement
    raise NotInProgram(f"requirement {requirement_id} is not of this program")


def _snapshot(statuses: list[PhaseStatus] | None) -> dict[str, str]:
    return {str(s.phase.id): s.state.value for s in statuses or ()}


def audit(session: Session, program: Program, actor: Person | None, action: str, *, learner_id: int | None = None,
          phase_id: int | None = None, requirement_id: int | None = None, reason: str = "",
          before: JsonObject | None = None, after: JsonObject | None = None, now: dt.datetime | None = None) -> AuditEntry:
    entry = AuditEntry(program_id=program.id, at=now or utcnow(), actor_id=actor.id if actor else None, action=action,
                       learner_id=learner_id, phase_id=phase_id, requirement_id=requirement_id, reason=reason,
                       before=before, after=after)
    session.add(entry)
    session.flush()
    return entry


def audit_log(
    session: Session, program: Program, *, learner_id: int | None = None, limit: int = 500
) -> list[AuditEntry]:
    """Newest first."""
    query = select(AuditEntry).where(AuditEntry.program_id == program.id)
    if learner_id is not None:
        query = query.where(AuditEntry.learner_id == learner_id)
    return list(session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)))


def _for_learner(session: Session, program: Program, learner_id: int, now: dt.datetime) -> list[PhaseStatus]:
    return states_for(session, plan_of(program), [learner_id], now)[learner_id]


_T = TypeVar("_T")


def _decide(session: Session, program: Program, actor: Person, learner_id: int, action: str, change: Callable[[], _T],
            *, reason: str, phase_id: int | None, requirement_id: int | None, now: dt.datetime) -> _T:
    """Apply a decision about one learner: states before, the change, recompute, an audit entry with both."""
    before = _for_learner(session, program, learner_id, now)
    result = change()
    session.flush()
    after = recompute(session, program.course_id, [learner_id], now)[learner_id]
    audit(session, program, actor, action, learner_id=learner_id, phase_id=phase_id, requirement_id=requirement_id,
          reason=reason, before=_snapshot(before), after=_snapshot(after), now=now)
    return result


# ---- reading ----------------------------------------------------------------------------------


def journey(session: Session, program: Program, learner_id: int, now: dt.datetime | None = None) -> list[PhaseStatus]:
    """One learner's phases in order, computed now (a window that opened needs no event)."""
    return _for_learner(session, program, learner_id, now or utcnow())


def next_deadline(statuses: list[PhaseStatus], now: dt.datetime) -> dt.datetime | None:
    """The close of the learner's current phase, if it is open and still ahead."""
    current = current_phase(statuses)
    if current is None or current.state is not State.OPEN or current.phase.closes_at is None \
            or current.phase.closes_at <= now:
        return None
    return current.phase.closes_at


# ---- the program ------------------------------------------------------------------------------


def program_for(session: Session, course_id: int) -> Program | None:
    return program_of(session, course_id)


def create_program(session: Session, course: Course, actor: Person, role: Role, *,
                   readiness_activity_id: int | None = None, now: dt.datetime | None = None) -> Program:
    """The course's program, made from the Latsar CPNS template the first time (later calls attach to it)."""
    _staff(role)
    existing = program_of(session, course.id)
    if existing is not None:
        return existing
    now = now or utcnow()
    program = template.latsar_cpns(session, course, readiness_activity_id=readiness_activity_id)
    session.add(program)
    session.flush()
    audit(session, program, actor, "program_created", reason=template.LATSAR_CPNS,
          after=describe(plan_of(program)), now=now)
    recompute(session, course.id, None, now)
    return program


def describe(plan: ProgramPlan) -> JsonObject:
    """The program as JSON for the audit trail."""
    return {"phases": [_describe_phase(p) for p in plan.phases]}


def _describe_phase(phase: PhasePlan) -> JsonObject:
    return {
        "id": phase.id, "position": phase.position, "kind": phase.kind, "title": phase.title,
        "opens_at": phase.opens_at.isoformat() if phase.opens_at else None,
        "closes_at": phase.closes_at.isoformat() if phase.closes_at else None,
        "requirements": [{"id": r.id, "kind": r.kind, "params": dict(r.params), "group_id": r.group_id}
                         for r in phase.requirements],
        "groups": [{"id": g.id, "at_least": g.at_least} for g in phase.groups],
    }


def _lockouts(
    session: Session, before: ProgramPlan, after: ProgramPlan, now: dt.datetime
) -> tuple[list[int], list[int]]:
    """Learners (and phases) that have a phase stored as passed which ``after`` would no longer pass."""
    passed = [(phase_id, learner_id) for (phase_id, learner_id), row in stored_states(session, before, None).items()
              if row.state in ("complete", "overridden")]
    if not passed:
        return [], []
    states = states_for(session, after, {learner_id for _, learner_id in passed}, now)
    lost_learners, lost_phases = set(), set()
    for phase_id, learner_id in passed:
        status = next((s for s in states[learner_id] if s.phase.id == phase_id), None)
        if status is None or not status.state.passed:
            lost_learners.add(learner_id)
            lost_phases.add(phase_id)
    return sorted(lost_learners), sorted(lost_phases)


def _edit(session: Session, program: Program, actor: Person, action: str, after_plan: ProgramPlan,
          apply: Callable[[], _T], *, confirm: bool, reason: str, phase_id: int | None = None,
          requirement_id: int | None = None, now: dt.datetime) -> _T:
    """A program edit: refused (``WouldLockOut``) before anything changes if it would take a completed
    phase away from anyone and ``confirm`` is not given; else applied, audited, and every learner recomputed."""
    before_plan = plan_of(program)
    learners, phases = _lockouts(session, before_plan, after_plan, now)
    if learners and not confirm:
        raise WouldLockOut(learners, phases)
    result = apply()
    session.flush()
    session.expire(program)
    reloaded = program_of(session, program.course_id)
    if reloaded is None:  # deleted by another transaction meanwhile
        raise NotInProgram(f"course {program.course_id} has no program any more")
    program = reloaded
    after = describe(plan_of(program))
    if learners:
        after["locked_out"] = {"learner_ids": learners, "phase_ids": phases}
    audit(session, program, actor, action, phase_id=phase_id, requirement_id=requirement_id, reason=reason,
          before=describe(before_plan), after=after, now=now)
    recompute(session, program.course_id, None, now)
    return result


def _replace_phase(plan: ProgramPlan, phase_id: int, **changes: Any) -> ProgramPlan:
    return dataclasses.replace(plan, phases=tuple(
        dataclasses.replace(p, **changes) if p.id == phase_id else p for p in plan.phases))


def _check_phase_fields(title: str, kind: str, opens_at: dt.datetime | None, closes_at: dt.datetime | None) -> None:
    if not (title or "").strip() or len(title) > MAX_TITLE:
        raise ProgramInvalid("title", f"1 to {MAX_TITLE} characters")
    try:
        PhaseKind(kind)
    except ValueError:
        raise ProgramInvalid("kind", "mandiri, jarak_jauh, klasikal or other") from None
    for name, value in (("opens_at", opens_at), ("closes_at", closes_at)):
        if value is not None and (not isinstance(value, dt.datetime) or value.tzinfo is None):
            raise ProgramInvalid(name, "a date and time with its time zone")
    if opens_at is not None and closes_at is not None and closes_at <= opens_at:
        raise ProgramInvalid("closes_at", "after the phase opens")


def set_time_zone(session: Session, program: Program, actor: Person, role: Role, time_zone: str,
                  *, now: dt.datetime | None = None) -> None:
    _staff(role)
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ProgramInvalid("time_zone", "an IANA time zone such as Asia/Jakarta") from None
    before = program.time_zone
    program.time_zone = time_zone
    audit(session, program, actor, "time_zone_changed", before={"time_zone": before},
          after={"time_zone": time_zone}, now=now)


def update_phase(session: Session, program: Program, actor: Person, role: Role, phase_id: int, *,
                 title: str | None = None, kind: str | None = None, opens_at: Any = _UNSET, closes_at: Any = _UNSET,
                 confirm: bool = False, reason: str = "", now: dt.datetime | None = None) -> Phase:
    """Change a phase's title, kind or window (``None`` clears a window end)."""
    _staff(role)
    now = now or utcnow()
    phase = _phase(program, phase_id)
    title = phase.title if title is None else title.strip()
    kind = phase.kind if kind is None else kind
    opens_at = phase.opens_at if opens_at is _UNSET else opens_at
    closes_at = phase.closes_at if closes_at is _UNSET else closes_at
    _check_phase_fields(title, kind, opens_at, closes_at)
    after = _replace_phase(plan_of(program), phase_id, title=title, kind=kind, opens_at=opens_at, closes_at=closes_at)

    def apply() -> Phase:
        phase.title, phase.kind, phase.opens_at, phase.closes_at = title, kind, opens_at, closes_at
        return phase

    return _edit(session, program, actor, "phase_edited", after, apply, confirm=confirm,
                 reason=_reason(reason, required=False), phase_id=phase_id, now=now)


def add_phase(session: Session, program: Program, actor: Person, role: Role, *, title: str, kind: str,
              opens_at: dt.datetime | None = None, closes_at: dt.datetime | None = None,
              now: dt.datetime | None = None) -> Phase:
    """A new last phase (it takes nothing from anyone: the phases before it are unchanged)."""
    _staff(role)
    now = now or utcnow()
    title = (title or "").strip()
    _check_phase_fields(title, kind, opens_at, closes_at)
    position = max((p.position for p in program.phases), default=-1) + 1
    phase = Phase(position=position, kind=kind, title=title, opens_at=opens_at, closes_at=closes_at)
    new_plan = dataclasses.replace(plan_of(program), phases=plan_of(program).phases + (
        PhasePlan(-1, position, kind, title, opens_at, closes_at),))

    def apply() -> Phase:
        program.phases.append(phase)
        return phase

    return _edit(session, program, actor, "phase_added", new_plan, apply, confirm=False, reason="", now=now)


def add_requirement(session: Session, program: Program, actor: Person, role: Role, phase_id: int, kind: str,
                    params: Any, *, title: str = "", group_id: int | None = None, confirm: bool = False,
                    now: dt.datetime | None = None) -> Requirement:
    _staff(role)
    now = now or utcnow()
    phase = _phase(program, phase_id)
    params = _validated(session, program.course_id, kind, params)
    if group_id is not None and group_id not in {g.id for g in phase.groups}:
        raise NotInProgram(f"group {group_id} is not of phase {phase_id}")
    title = (title or "").strip()[:MAX_TITLE]
    position = max((r.position for r in phase.requirements), default=-1) + 1
    plan = plan_of(program)
    old = next(p for p in plan.phases if p.id == phase_id)
    new = RequirementPlan(-1, kind, params, group_id)
    after = _replace_phase(plan, phase_id, requirements=old.requirements + (new,))
    requirement = Requirement(kind=kind, params=params, title=title, group_id=group_id, position=position)

    def apply() -> Requirement:
        phase.requirements.append(requirement)
        return requirement

    return _edit(session, program, actor, "requirement_added", after, apply, confirm=confirm, reason="",
                 phase_id=phase_id, now=now)


def update_requirement(session: Session, program: Program, actor: Person, role: Role, requirement_id: int,
                       params: Any, *, title: str | None = None, confirm: bool = False,
                       now: dt.datetime | None = None) -> Requirement:
    _staff(role)
    now = now or utcnow()
    requirement = _requirement(program, requirement_id)
    params = _validated(session, program.course_id, requirement.kind, params)
    plan = plan_of(program)
    old = next(p for p in plan.phases if p.id == requirement.phase_id)
    after = _replace_phase(plan, old.id, requirements=tuple(
        dataclasses.replace(r, params=params) if r.id == requirement_id else r for r in old.requirements))

    def apply() -> Requirement:
        requirement.params = params
        if title is not None:
            requirement.title = title.strip()[:MAX_TITLE]
        return requirement

    return _edit(session, program, actor, "requirement_edited", after, apply, confirm=confirm, reason="",
                 phase_id=old.id, requirement_id=requirement_id, now=now)


def remove_requirement(session: Session, program: Program, actor: Person, role: Role, requirement_id: int, *,
                       confirm: bool = False, now: dt.datetime | None = None) -> None:
    _staff(role)
    now = now or utcnow()
    requirement = _requirement(program, requirement_id)
    phase = _phase(program, requirement.phase_id)
    plan = plan_of(program)
    old = next(p for p in plan.phases if p.id == phase.id)
    after = _replace_phase(plan, phase.id, requirements=tuple(r for r in old.requirements if r.id != requirement_id))
    # Removing a requirement can close a phase only through a group it leaves short; still checked.
    _edit(session, program, actor, "requirement_removed", after, lambda: phase.requirements.remove(requirement),
          confirm=confirm, reason="", phase_id=phase.id, requirement_id=requirement_id, now=now)


def add_group(session: Session, program: Program, actor: Person, role: Role, phase_id: int, *, at_least: int,
              requirement_ids: list[int], title: str = "", confirm: bool = False,
              now: dt.datetime | None = None) -> RequirementGroup:
    """Put requirements of a phase in an "at least ``at_least`` of these" group."""
    _staff(role)
    now = now or utcnow()
    phase = _phase(program, phase_id)
    chosen = [r for r in phase.requirements if r.id in set(requirement_ids)]
    if len(chosen) != len(set(requirement_ids)) or len(chosen) < 2:
        raise ProgramInvalid("requirement_ids", "two or more requirements of this phase")
    if isinstance(at_least, bool) or not isinstance(at_least, int) or not 1 <= at_least <= len(chosen):
        raise ProgramInvalid("at_least", f"a whole number from 1 to {len(chosen)}")
    group = RequirementGroup(title=(title or "").strip()[:MAX_TITLE], at_least=at_least)
    plan = plan_of(program)
    old = next(p for p in plan.phases if p.id == phase_id)
    after = _replace_phase(plan, phase_id, groups=old.groups + (GroupPlan(-1, at_least),), requirements=tuple(
        dataclasses.replace(r, group_id=-1) if r.id in set(requirement_ids) else r for r in old.requirements))

    def apply() -> RequirementGroup:
        phase.groups.append(group)
        session.flush()
        for requirement in chosen:
            requirement.group_id = group.id
        return group

    return _edit(session, program, actor, "group_added", after, apply, confirm=confirm, reason="",
                 phase_id=phase_id, now=now)


# ---- decisions about one learner ---------------------------------------------------------------------


def override_phase(session: Session, program: Program, actor: Person, role: Role, learner_id: int, phase_id: int,
                   reason: str, *, now: dt.datetime | None = None) -> Override:
    """Complete a phase for a learner whatever its requirements say (e.g. recognised prior learning)."""
    _facilitator(role)
    now = now or utcnow()
    reason = _reason(reason)
    _learner(session, program, learner_id)
    _phase(program, phase_id)
    if _active(session, program, learner_id, OverrideKind.COMPLETE_PHASE, phase_id, None) is not None:
        raise AlreadyDone("this phase is already completed by an override")
    override = Override(program_id=program.id, learner_id=learner_id, kind=OverrideKind.COMPLETE_PHASE.value,
                        phase_id=phase_id, reason=reason, created_by=actor.id, created_at=now)
    return _decide(session, program, actor, learner_id, "override", lambda: _added(session, override),
                   reason=reason, phase_id=phase_id, requirement_id=None, now=now)


def waive_requirement(session: Session, program: Program, actor: Person, role: Role, learner_id: int,
                      requirement_id: int, reason: str, *, now: dt.datetime | None = None) -> Override:
    """Count one requirement as met for a learner."""
    _facilitator(role)
    now = now or utcnow()
    reason = _reason(reason)
    _learner(session, program, learner_id)
    requirement = _requirement(program, requirement_id)
    if _active(session, program, learner_id, OverrideKind.WAIVE_REQUIREMENT, requirement.phase_id,
               requirement_id) is not None:
        raise AlreadyDone("this requirement is already waived")
    override = Override(program_id=program.id, learner_id=learner_id, kind=OverrideKind.WAIVE_REQUIREMENT.value,
                        phase_id=requirement.phase_id, requirement_id=requirement_id, reason=reason,
                        created_by=actor.id, created_at=now)
    return _decide(session, program, actor, learner_id, "waiver", lambda: _added(session, override), reason=reason,
                   phase_id=requirement.phase_id, requirement_id=requirement_id, now=now)


def undo_override(session: Session, program: Program, actor: Person, role: Role, override_id: int, reason: str,
                  *, now: dt.datetime | None = None) -> Override:
    """Take an override back; the row stays (with who, when and why), the states are computed again."""
    _facilitator(role)
    now = now or utcnow()
    reason = _reason(reason)
    override = session.get(Override, override_id)
    if override is None or override.program_id != program.id:
        raise NotInProgram(f"override {override_id} is not of this program")
    if override.undone_at is not None:
        raise AlreadyDone("this override was already undone")

    def undo() -> Override:
        override.undone_at, override.undone_by, override.undo_reason = now, actor.id, reason
        return override

    return _decide(session, program, actor, override.learner_id, "override_undone", undo, reason=reason,
                   phase_id=override.phase_id, requirement_id=override.requirement_id, now=now)


def overrides_for(session: Session, program: Program, learner_id: int) -> list[Override]:
    """Every override of a learner, undone ones too, newest first."""
    return list(session.scalars(select(Override).where(
        Override.program_id == program.id, Override.learner_id == learner_id).order_by(Override.id.desc())))


def sign_off(session: Session, program: Program, actor: Person, role: Role, learner_id: int, requirement_id: int,
             *, note: str = "", now: dt.datetime | None = None) -> SignOff:
    _facilitator(role)
    now = now or utcnow()
    note = _reason(note, required=False)
    _learner(session, program, learner_id)
    requirement = _requirement(program, requirement_id)
    if requirement.kind != "sign_off":
        raise NotInProgram(f"requirement {requirement_id} is not a sign-off")
    if _signed(session, requirement_id, learner_id) is not None:
        raise AlreadyDone("already signed off")
    record = SignOff(requirement_id=requirement_id, learner_id=learner_id, signed_by=actor.id, signed_at=now, note=note)
    return _decide(session, program, actor, learner_id, "sign_off", lambda: _added(session, record), reason=note,
                   phase_id=requirement.phase_id, requirement_id=requirement_id, now=now)


def revoke_sign_off(session: Session, program: Program, actor: Person, role: Role, learner_id: int,
                    requirement_id: int, reason: str, *, now: dt.datetime | None = None) -> SignOff:
    _facilitator(role)
    now = now or utcnow()
    reason = _reason(reason)
    requirement = _requirement(program, requirement_id)
    record = _signed(session, requirement_id, learner_id)
    if record is None:
        raise AlreadyDone("not signed off")

    def revoke() -> SignOff:
        record.revoked_at, record.revoked_by = now, actor.id
        return record

    return _decide(session, program, actor, learner_id, "sign_off_revoked", revoke, reason=reason,
                   phase_id=requirement.phase_id, requirement_id=requirement_id, now=now)


def _added(session: Session, row: _T) -> _T:
    session.add(row)
    session.flush()
    return row


def _active(session: Session, program: Program, learner_id: int, kind: OverrideKind, phase_id: int,
            requirement_id: int | None) -> Override | None:
    query = select(Override).where(Override.program_id == program.id, Override.learner_id == learner_id,
                                   Override.kind == kind.value, Override.phase_id == phase_id,
                                   Override.undone_at.is_(None))
    if requirement_id is not None:
        query = query.where(Override.requirement_id == requirement_id)
    return session.scalars(query).first()


def _signed(session: Session, requirement_id: int, learner_id: int) -> SignOff | None:
    return session.scalars(select(SignOff).where(
        SignOff.requirement_id == requirement_id, SignOff.learner_id == learner_id,
        SignOff.revoked_at.is_(None))).first()


# ---- the cohort, the gradebook column, names (for the web layer) -------------------------------

Grid = _cohort.Grid
grid = _cohort.grid
funnel = _cohort.funnel
at_risk = _cohort.at_risk
grid_csv = _cohort.grid_csv


def column_phase(activity: Activity) -> int | None:
    """The phase whose gradebook column ``activity`` is (None until staff choose one)."""
    phase_id = (activity.settings or {}).get("phase_id")
    return phase_id if isinstance(phase_id, int) and not isinstance(phase_id, bool) else None


def set_column(session: Session, activity: Activity, role: Role, phase_id: int | None,
               *, now: dt.datetime | None = None) -> None:
    """Make ``activity`` the gradebook column of ``phase_id`` (a phase of its course's program), then
    recompute the course so that the column gets the values its learners have already earned."""
    _staff(role)
    settings = validate_settings({"phase_id": phase_id})
    check_phase(session, activity.course_id, settings["phase_id"])
    activity.settings = settings
    session.flush()
    recompute(session, activity.course_id, None, now or utcnow())


def activity_titles(session: Session, course_id: int) -> dict[int, tuple[str, str]]:
    """By activity id: (title, kind) of the course's activities, for naming a requirement's activity."""
    return {row.id: (row.title, row.kind) for row in session.execute(
        select(Activity.id, Activity.title, Activity.kind).where(Activity.course_id == course_id))}


def course_learner(session: Session, program: Program, learner_id: int) -> Person:
    """A learner of the program's course (launched or only on the roster), or :class:`NotInProgram`."""
    _learner(session, program, learner_id)
    person = session.get(Person, learner_id)
    if person is None:
        raise NotInProgram(f"person {learner_id} is not in program {program.id}")
    return person


def requirement_kinds() -> list[str]:
    return kinds()
