"""Migration 0009: coach assignments and coaching sessions move to the course's tables with every row.

A database at 0008 holds assignments and coaching sessions in the old
``coaching_`` tables; after the upgrade the course-level code finds each of
them (same ids, same values), new rows get fresh ids, and a downgrade brings
them back to the old tables.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from activities.core import Course, Person, Role
from activities.course.models import CoachAssignment, CoachingSession
from activities.course.service import (
    agreed_actions_for,
    assign_coach,
    coach_of,
    coachees,
    coaching_session_count,
    coaching_sessions_for,
    log_coaching_session,
)
from activities.db import make_engine, make_session_factory
from config import load_settings
from lti_tool.migrations import alembic_config, upgrade

T0 = dt.datetime(2026, 3, 1, 8, tzinfo=dt.UTC)
PEOPLE = {11: ("Rahmat", "facilitator"), 12: ("Wulan", "facilitator"), 21: ("Budi", "learner"),
          22: ("Dewi", "learner"), 23: ("Eko", "learner")}
#: (id, coach, learner): ids with gaps, as a database that has seen deletions has.
ASSIGNMENTS = [(5, 11, 21), (9, 11, 22), (17, 12, 23)]
#: (id, coach, learner, held_on, mode, notes, agreed_actions)
SESSIONS = [
    (3, 11, 21, dt.date(2026, 3, 2), "in_person", "<p>Membahas rencana</p>", ["Susun rancangan aktualisasi"]),
    (8, 11, 21, dt.date(2026, 3, 9), "online", "", ["Konsultasi dengan mentor", "Kirim draf"]),
    (40, 12, 23, dt.date(2026, 3, 4), "online", "<p>Perkenalan</p>", []),
]


def _fill_at_0008(url: str) -> None:
    """Rows as Padu at 0008 wrote them, into the tables as 0008 left them (reflected, not today's models)."""
    engine = make_engine(url)
    with engine.begin() as connection:
        metadata = sa.MetaData()
        tables = {name: sa.Table(name, metadata, autoload_with=connection) for name in (
            "lti_platform", "course", "person", "membership", "coaching_assignment", "coaching_session")}
        connection.execute(tables["lti_platform"].insert(), [dict(
            id=1, issuer="https://moodle.example.go.id", client_id="c1", name="BPSDM", registered_by="manual",
            auth_login_url="https://moodle.example.go.id/mod/lti/auth.php",
            auth_token_url="https://moodle.example.go.id/mod/lti/token.php",
            key_set_url="https://moodle.example.go.id/mod/lti/certs.php", created_at=T0)])
        connection.execute(tables["course"].insert(), [dict(
            id=7, platform_id=1, lti_context_id="2", label="LATSAR", title="Latsar CPNS 2026", created_at=T0)])
        connection.execute(tables["person"].insert(), [
            dict(id=pid, platform_id=1, sub=str(pid), name=name, email=f"{name.lower()}@example.go.id", username="",
                 created_at=T0) for pid, (name, _) in PEOPLE.items()])
        connection.execute(tables["membership"].insert(), [
            dict(course_id=7, person_id=pid, role=role, source="launch", updated_at=T0)
            for pid, (_, role) in PEOPLE.items()])
        connection.execute(tables["coaching_assignment"].insert(), [
            dict(id=i, course_id=7, coach_id=coach, learner_id=learner, created_at=T0, updated_at=T0)
            for i, coach, learner in ASSIGNMENTS])
        connection.execute(tables["coaching_session"].insert(), [
            dict(id=i, course_id=7, coach_id=coach, learner_id=learner, held_on=held_on, mode=mode, notes=notes,
                 agreed_actions=actions, created_at=T0)
            for i, coach, learner, held_on, mode, notes, actions in SESSIONS])
    engine.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()


def _check_moved_and_usable(url: str) -> None:
    assert {"course_coach_assignment", "course_coaching_session"} <= _tables(url)
    assert not {"coaching_assignment", "coaching_session"} & _tables(url)
    engine = make_engine(url)
    db = make_session_factory(engine)()
    try:
        assert sorted((a.id, a.coach_id, a.learner_id) for a in db.scalars(sa.select(CoachAssignment))) == ASSIGNMENTS
        assert [p.name for p in coachees(db, 7, 11)] == ["Budi", "Dewi"]
        assert coach_of(db, 7, 23).name == "Wulan"
        moved = sorted((s.id, s.coach_id, s.learner_id, s.held_on, s.mode, s.notes, s.agreed_actions)
                       for s in db.scalars(sa.select(CoachingSession)))
        assert moved == SESSIONS
        assert [s.id for s in coaching_sessions_for(db, 7, 21)] == [8, 3]
        assert coaching_session_count(db, 7, 21) == 2 and coaching_session_count(db, 7, 22) == 0
        assert [(a.text, a.coaching_session_id) for a in agreed_actions_for(db, 7, 21)] == [
            ("Konsultasi dengan mentor", 8), ("Kirim draf", 8), ("Susun rancangan aktualisasi", 3)]

        # New rows continue after the copied ids (PostgreSQL's sequence was moved on, not restarted at 1).
        course, people = db.get(Course, 7), {pid: db.get(Person, pid) for pid in PEOPLE}
        db.delete(db.scalar(sa.select(CoachAssignment).where(CoachAssignment.learner_id == 22)))
        db.flush()
        made = assign_coach(db, course, people[12], people[22])
        logged = log_coaching_session(db, course, people[12], people[23], Role.FACILITATOR,
                                      held_on=dt.date(2026, 3, 10), mode="online", now=T0 + dt.timedelta(days=10))
        db.commit()
        assert made.id > 17 and logged.id > 40
    finally:
        db.close()
        engine.dispose()


def _upgrade_from_0008(settings) -> None:
    upgrade(settings, "0008")
    _fill_at_0008(settings.sqlalchemy_url)
    upgrade(settings)


def test_sqlite_0009_keeps_every_assignment_and_coaching_session(tmp_path):
    settings = load_settings(environ={}, data_dir=tmp_path)
    _upgrade_from_0008(settings)
    _check_moved_and_usable(settings.sqlalchemy_url)


@pytest.mark.postgres
def test_postgres_0009_keeps_every_assignment_and_coaching_session(tmp_path, postgres_url):
    settings = load_settings(environ={}, data_dir=tmp_path, database_url=postgres_url)
    _upgrade_from_0008(settings)
    _check_moved_and_usable(settings.sqlalchemy_url)


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_downgrading_0009_puts_the_rows_back(tmp_path, request, backend):
    from alembic import command

    database = {"database_url": request.getfixturevalue("postgres_url")} if backend == "postgres" else {}
    settings = load_settings(environ={}, data_dir=tmp_path, **database)
    _upgrade_from_0008(settings)
    command.downgrade(alembic_config(settings), "0008")
    assert {"coaching_assignment", "coaching_session"} <= _tables(settings.sqlalchemy_url)
    assert not {"course_coach_assignment", "course_coaching_session"} & _tables(settings.sqlalchemy_url)
    engine = make_engine(settings.sqlalchemy_url)
    with engine.connect() as connection:
        assert connection.execute(sa.text(
            "SELECT id, coach_id, learner_id FROM coaching_assignment ORDER BY id")).all() == ASSIGNMENTS
        assert [row[0] for row in connection.execute(sa.text("SELECT id FROM coaching_session ORDER BY id"))] == [
            3, 8, 40]
    engine.dispose()
