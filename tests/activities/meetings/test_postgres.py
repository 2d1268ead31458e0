"""Meetings on PostgreSQL: a group meeting (JSON list of learners), a check-in whose recompute opens the next
phase, the course fact, and a second check-in of the same learner at the same moment losing on the unique row."""

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from activities import registry
from activities.core import Role, upsert_course, upsert_membership, upsert_person
from activities.db import transaction
from activities.gating import service as gating
from activities.gating.models import PhaseState
from activities.meetings import codes, service
from activities.meetings.models import Attendance
from tests.rows import new_platform

from .conftest import Tries

pytestmark = pytest.mark.postgres


def test_check_in_and_attendance_on_postgresql(postgres_sessions):
    factory = postgres_sessions
    now = dt.datetime.now(dt.UTC)
    with transaction(factory) as db:
        platform = new_platform()
        db.add(platform)
        db.flush()
        course = upsert_course(db, platform.id, "2")
        staff, budi, dewi = (upsert_person(db, platform.id, sub) for sub in ("10", "11", "12"))
        upsert_membership(db, course, staff, Role.STAFF)
        upsert_membership(db, course, budi, Role.LEARNER)
        upsert_membership(db, course, dewi, Role.LEARNER)
        program = gating.create_program(db, course, staff, Role.STAFF)
        first = program.phases[0]
        gating.add_requirement(db, program, staff, Role.STAFF, first.id, "attendance",
                               {"phase_id": first.id, "percent": 100})
        gating.remove_requirement(db, program, staff, Role.STAFF, first.requirements[0].id)
        meeting = service.save_meeting(db, program, staff, Role.STAFF, phase_id=first.id, title="Kelompok A",
                                       kind="in_person", place="Aula", starts_at=now - dt.timedelta(minutes=5),
                                       ends_at=now + dt.timedelta(hours=1), learner_ids=[budi.id])
    with transaction(factory) as db:
        program = gating.program_for(db, course.id)
        meeting = service.meeting_of(db, program, meeting.id)
        service.check_in(db, program, meeting, budi, Role.LEARNER, codes.current_code(meeting.secret, now),
                         tries=Tries(), now=now)
    with transaction(factory) as db:
        states = dict(db.execute(select(PhaseState.learner_id, PhaseState.state)
                                 .where(PhaseState.phase_id == first.id)).all())
        assert states == {budi.id: "complete", dewi.id: "open"}  # Dewi has no meeting: not met
        facts = registry.course_facts()["attendance"](now=now).facts(db, course.id, [budi.id, dewi.id])
        assert (facts[budi.id].value, facts[dewi.id].value) == (100.0, None)
    with pytest.raises(IntegrityError):
        with transaction(factory) as db:
            db.add(Attendance(meeting_id=meeting.id, learner_id=budi.id, status="present", how="check_in"))
