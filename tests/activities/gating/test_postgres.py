"""Gating on PostgreSQL: recompute's bulk writes, the gate grades and the append-only audit."""

import pytest
from sqlalchemy import select, update

from activities.core import Activity, Role, upsert_course, upsert_membership, upsert_person
from activities.db import transaction
from activities.gating import service
from activities.gating.models import AuditEntry, AuditIsAppendOnly, PhaseState
from activities.grades import GradeOutbox
from tests.rows import new_platform

pytestmark = pytest.mark.postgres


def test_overrides_recompute_and_audit_on_postgresql(postgres_sessions):
    factory = postgres_sessions
    with transaction(factory) as db:
        platform = new_platform()
        db.add(platform)
        db.flush()
        course = upsert_course(db, platform.id, "2")
        staff, budi = upsert_person(db, platform.id, "10"), upsert_person(db, platform.id, "11")
        upsert_membership(db, course, staff, Role.STAFF)
        upsert_membership(db, course, budi, Role.LEARNER)
        program = service.create_program(db, course, staff, Role.STAFF)
        first = program.phases[0]
        column = Activity(course_id=course.id, kind="gating", settings={"phase_id": first.id})
        db.add(column)
    with transaction(factory) as db:
        program = service.program_for(db, course.id)
        override = service.override_phase(db, program, staff, Role.STAFF, budi.id, first.id, "RPL")
    with transaction(factory) as db:
        program = service.program_for(db, course.id)
        service.undo_override(db, program, staff, Role.STAFF, override.id, "Keliru")
    with transaction(factory) as db:
        states = db.scalars(select(PhaseState.state).where(PhaseState.learner_id == budi.id)
                            .order_by(PhaseState.phase_id)).all()
        assert states == ["open", "locked", "locked"]
        assert [r.score_given for r in db.scalars(select(GradeOutbox).order_by(GradeOutbox.id))] == [100, 0]
    with transaction(factory) as db:  # a row another transaction inserted first is updated
        from activities.gating.store import _insert_states

        _insert_states(db, [{"phase_id": first.id, "learner_id": budi.id, "state": "complete",
                             "graded_value": None, "updated_at": override.created_at}])
    with transaction(factory) as db:
        assert db.scalar(select(PhaseState.state).where(PhaseState.phase_id == first.id)) == "complete"
    with pytest.raises(AuditIsAppendOnly):
        with transaction(factory) as db:
            db.execute(update(AuditEntry).values(reason="x"))
    with transaction(factory) as db:
        assert [e.action for e in db.scalars(select(AuditEntry).order_by(AuditEntry.id))] == [
            "program_created", "override", "override_undone"]

