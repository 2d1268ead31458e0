"""A window opening needs no event: the worker's periodic gating step stores the new states and the gate
grade reaches the platform's AGS endpoint without anyone opening Padu."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select, update

from activities.db import utcnow
from activities.gating.models import Phase
from lti_tool import housekeeping, worker

from .conftest import BUDI, complete_attempt


def test_a_phase_met_before_its_window_opens_reaches_the_gradebook_at_the_opening(course):
    padu = course.connected.padu
    opens = utcnow() + dt.timedelta(hours=1)
    with padu.session() as db:
        db.execute(update(Phase).where(Phase.id == course.phase_ids()[0]).values(opens_at=opens))
        db.commit()
    start = utcnow()
    assert housekeeping.run_gating(padu.runtime, start) is not None  # the first run: every program stored
    assert housekeeping.run_gating(padu.runtime, start + dt.timedelta(seconds=30)) is None  # once a minute

    complete_attempt(course.connected, BUDI)  # Mandiri's requirement met, but its window is not open yet
    course.drain()
    assert course.gate_scores("mandiri", BUDI) == []

    # Nobody opens Padu; the worker's periodic step runs after the opening.
    assert housekeeping.run_gating(padu.runtime, opens + dt.timedelta(seconds=5)) == [course_id(course)]
    course.drain()
    assert course.gate_scores("mandiri", BUDI) == [100.0]
    # Nothing new since: no second grade.
    assert housekeeping.run_gating(padu.runtime, opens + dt.timedelta(minutes=2)) == []
    course.drain()
    assert course.gate_scores("mandiri", BUDI) == [100.0]


def test_the_worker_loop_runs_the_gating_step_and_outlives_its_failure(course, monkeypatch, caplog):
    runtime = course.connected.padu.runtime
    stop = threading.Event()
    calls = []

    def run_gating(_runtime, _now=None):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database away")
        stop.set()

    monkeypatch.setattr(housekeeping, "run_gating", run_gating)
    loop = threading.Thread(target=worker.run_forever, args=(runtime, stop), daemon=True)
    loop.start()
    loop.join(timeout=10)
    assert not loop.is_alive() and len(calls) == 2
    assert "periodic recompute failed" in caplog.text and "database away" in caplog.text


def course_id(course) -> int:
    from activities.core import Activity

    with course.connected.padu.session() as db:
        return db.get(Activity, course.ids["mandiri"]).course_id


@pytest.mark.postgres
def test_on_postgresql_one_worker_runs_the_gating_step_each_minute_and_stores_new_learners(tmp_path, postgres_url):
    from activities.core import Role, upsert_course, upsert_membership, upsert_person
    from activities.db import Base
    from activities.gating import service
    from activities.gating.models import PhaseState
    from config import load_settings
    from lti_tool.migrations import load_models
    from lti_tool.runtime import Runtime
    from tests.rows import new_platform

    settings = load_settings(environ={}, data_dir=tmp_path / "instance", database_url=postgres_url)
    first, second = Runtime.build(settings), Runtime.build(settings)
    try:
        load_models()
        Base.metadata.create_all(first.engine)
        with first.session_factory() as db:
            platform = new_platform()
            db.add(platform)
            db.flush()
            course = upsert_course(db, platform.id, "2")
            staff = upsert_person(db, platform.id, "10")
            upsert_membership(db, course, staff, Role.STAFF)
            service.create_program(db, course, staff, Role.STAFF)
            db.commit()
            course_id = course.id
        now = utcnow()
        assert housekeeping.run_gating(first, now) == [course_id]
        assert housekeeping.run_gating(second, now + dt.timedelta(seconds=30)) is None
        assert housekeeping.run_gating(second, now + dt.timedelta(seconds=61)) == []  # due, nothing to do
        with first.session_factory() as db:  # a learner only the roster knows (no event)
            upsert_membership(db, db.get(type(course), course_id), upsert_person(db, platform.id, "11"),
                              Role.LEARNER)
            db.commit()
        assert housekeeping.run_gating(first, now + dt.timedelta(seconds=125)) == [course_id]
        with first.session_factory() as db:
            assert db.scalar(select(func.count()).select_from(PhaseState)) == 3
    finally:
        first.engine.dispose()
        second.engine.dispose()
