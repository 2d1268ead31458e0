"""The audit trail (append-only, with before and after) and program edits that would take a completed phase away."""

import datetime as dt

import pytest
from sqlalchemy import delete, select, update

from activities.core import Role
from activities.gating import service
from activities.gating.exceptions import ProgramInvalid, RequirementInvalid, WouldLockOut
from activities.gating.models import AuditEntry, AuditIsAppendOnly, PhaseState

from .conftest import NOW, ready

DAY = dt.timedelta(days=1)


def log(db, program):
    return list(reversed(service.audit_log(db, program)))


def test_overrides_sign_offs_and_edits_are_audited_with_who_why_and_the_states_before_and_after(db, program, people):
    budi, first = people.budi, program.phases[0]
    override = service.override_phase(db, program, people.coach, Role.FACILITATOR, budi.id, first.id,
                                      "Sertifikat TIK", now=NOW)
    service.undo_override(db, program, people.staff, Role.STAFF, override.id, "Sertifikat palsu", now=NOW)
    service.update_phase(db, program, people.staff, Role.STAFF, first.id, title="Belajar Mandiri", now=NOW)
    entries = log(db, program)
    assert [e.action for e in entries] == ["program_created", "override", "override_undone", "phase_edited"]
    _, done, undone, edited = entries
    assert (done.actor_id, done.learner_id, done.phase_id, done.reason) == (
        people.coach.id, budi.id, first.id, "Sertifikat TIK")
    assert done.before[str(first.id)] == "open" and done.after[str(first.id)] == "overridden"
    assert (undone.actor_id, undone.reason) == (people.staff.id, "Sertifikat palsu")
    assert undone.before[str(first.id)] == "overridden" and undone.after[str(first.id)] == "open"
    assert edited.before["phases"][0]["title"] == "Pembelajaran Mandiri"
    assert edited.after["phases"][0]["title"] == "Belajar Mandiri"
    assert all(e.at == NOW for e in entries)


def test_audit_entries_cannot_be_updated_or_deleted(db, program):
    db.commit()
    entry = log(db, program)[0]
    entry.reason = "diubah"
    with pytest.raises(AuditIsAppendOnly):
        db.flush()
    db.rollback()
    entry = db.scalars(select(AuditEntry)).first()
    db.delete(entry)
    with pytest.raises(AuditIsAppendOnly):
        db.flush()
    db.rollback()
    with pytest.raises(AuditIsAppendOnly):
        db.execute(update(AuditEntry).values(reason="diubah"))
    with pytest.raises(AuditIsAppendOnly):
        db.execute(delete(AuditEntry))
    db.rollback()
    assert db.scalar(select(AuditEntry.reason)) == "latsar_cpns"


def test_an_edit_that_would_lock_a_learner_out_of_a_completed_phase_asks_first_and_is_audited(
        db, program, people, check):
    budi, first = people.budi, program.phases[0]
    ready(db, check, budi)
    requirement = first.requirements[0]
    before = log(db, program)
    with pytest.raises(WouldLockOut) as refused:
        service.update_requirement(db, program, people.staff, Role.STAFF, requirement.id,
                                   {"activity_id": check.id, "min_index": 100, "band": "siap"}, now=NOW)
    assert refused.value.learner_ids == [budi.id] and refused.value.phase_ids == [first.id]
    assert requirement.params == {"activity_id": check.id, "band": "siap_dengan_pendampingan"}  # nothing changed
    assert log(db, program) == before

    service.update_requirement(db, program, people.staff, Role.STAFF, requirement.id,
                               {"activity_id": check.id, "min_index": 100, "band": "siap"}, confirm=True, now=NOW)
    entry = log(db, program)[-1]
    assert entry.action == "requirement_edited" and entry.after["locked_out"] == {
        "learner_ids": [budi.id], "phase_ids": [first.id]}
    state = db.scalar(select(PhaseState.state).where(PhaseState.learner_id == budi.id,
                                                     PhaseState.phase_id == first.id))
    assert state == "open"


def test_an_edit_nobody_loses_by_needs_no_confirmation(db, program, people, check):
    ready(db, check, people.budi)
    first = program.phases[0]
    service.update_phase(db, program, people.staff, Role.STAFF, first.id, closes_at=NOW + 5 * DAY, now=NOW)
    service.add_phase(db, program, people.staff, Role.STAFF, title="Aktualisasi", kind="other", now=NOW)
    assert [p.title for p in program.phases][-1] == "Aktualisasi"
    # Moving the window of a completed phase into the future would lock Budi out of it.
    with pytest.raises(WouldLockOut):
        service.update_phase(db, program, people.staff, Role.STAFF, first.id, opens_at=NOW + DAY,
                             closes_at=NOW + 5 * DAY, now=NOW)


@pytest.mark.parametrize("kind, params, field", [
    ("readiness", {"activity_id": 999999}, "activity_id"),
    ("readiness", {"activity_id": "1"}, "activity_id"),
    ("readiness", {"activity_id": None}, "activity_id"),
    ("coaching_sessions", {"needed": 0}, "needed"),
    ("coaching_sessions", {"needed": True}, "needed"),
    ("coaching_tasks", {"activity_ids": []}, "activity_ids"),
    ("coaching_tasks", {"min_percent": 120}, "min_percent"),
    ("coaching_tasks", {"surprise": 1}, "surprise"),
    ("native_moodle_activity", {}, "kind"),  # a kind nobody registered
    ("attendance", {}, "phase_id"),  # registered by activities.meetings
    ("attendance", {"phase_id": 999999, "percent": 80}, "phase_id"),
])
def test_bad_requirement_parameters_are_refused_by_name(db, program, people, kind, params, field):
    with pytest.raises(RequirementInvalid) as refused:
        service.add_requirement(db, program, people.staff, Role.STAFF, program.phases[0].id, kind, params)
    assert refused.value.field == field


def test_a_readiness_band_must_be_a_band_and_a_task_of_this_course(db, program, people, check, task, make_activity):
    first = program.phases[0].id
    with pytest.raises(RequirementInvalid):
        service.add_requirement(db, program, people.staff, Role.STAFF, first, "readiness",
                                {"activity_id": check.id, "band": "hebat"})
    with pytest.raises(RequirementInvalid):
        service.add_requirement(db, program, people.staff, Role.STAFF, first, "coaching_tasks",
                                {"activity_ids": [check.id]})
    added = service.add_requirement(db, program, people.staff, Role.STAFF, first, "coaching_tasks",
                                    {"activity_ids": [task.id], "min_percent": 70})
    assert added.params == {"activity_ids": [task.id], "min_percent": 70.0}


@pytest.mark.parametrize("changes, field", [
    ({"title": "  "}, "title"),
    ({"kind": "hybrid"}, "kind"),
    ({"opens_at": dt.datetime(2026, 3, 1)}, "opens_at"),
    ({"opens_at": NOW, "closes_at": NOW - DAY}, "closes_at"),
])
def test_bad_phase_fields_are_refused_by_name(db, program, people, changes, field):
    with pytest.raises(ProgramInvalid) as refused:
        service.update_phase(db, program, people.staff, Role.STAFF, program.phases[0].id, **changes)
    assert refused.value.field == field


def test_a_group_needs_at_least_n_of_its_requirements(db, course, program, people, task, check):
    second = program.phases[1]
    ids = [r.id for r in second.requirements]
    service.add_group(db, program, people.staff, Role.STAFF, second.id, at_least=1, requirement_ids=ids, now=NOW)
    ready(db, check, people.budi)
    from .conftest import accepted

    accepted(db, task, people.budi, people.coach)  # the tasks, not the sessions: one of two is enough
    state = db.scalar(select(PhaseState.state).where(PhaseState.learner_id == people.budi.id,
                                                     PhaseState.phase_id == second.id))
    assert state == "complete"
    with pytest.raises(ProgramInvalid):
        service.add_group(db, program, people.staff, Role.STAFF, second.id, at_least=3, requirement_ids=ids)
