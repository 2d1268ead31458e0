"""Fixtures every test may use: a fresh database per test, settings in a temp folder."""

from __future__ import annotations

import pytest

import lti_tool.models  # noqa: F401  (registers the LTI tables on the shared metadata)
from activities.db import Base, make_engine, make_session_factory
from config import load_settings
from lti_tool.migrations import load_models
from tests.browser_support import chromium_context  # noqa: F401  (fixture)
from tests.padu_server import LOOPBACK_ALLOWED
from tests.rows import new_platform

# Every table on the shared metadata before any test makes a schema, also those of a domain package
# no test imported: phase gating hears every activity's fact changes.
load_models()


@pytest.fixture
def settings(tmp_path):
    return load_settings(environ={}, data_dir=tmp_path / "instance", base_url="http://127.0.0.1:5000",
                         **LOOPBACK_ALLOWED)


@pytest.fixture
def engine(settings):
    engine = make_engine(settings.sqlalchemy_url)
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db(engine):
    """A session on a fresh SQLite database holding the whole schema."""
    factory = make_session_factory(engine)
    session = factory()
    yield session
    session.close()


@pytest.fixture
def platform(db):
    platform = new_platform()
    db.add(platform)
    db.flush()
    return platform


@pytest.fixture
def course(db, platform):
    from activities.core import upsert_course

    return upsert_course(db, platform.id, "2", "LATSAR-CPNS-2026", "Pelatihan Dasar LATSAR CPNS 2026")


@pytest.fixture
def make_person(db, platform, course):
    """Make a person with a role in ``course``: ``make_person("Budi", Role.LEARNER)``."""
    from activities.core import Role, upsert_membership, upsert_person

    counter = iter(range(1000, 10**6))

    def make(name: str, role: Role = Role.LEARNER):
        person = upsert_person(db, platform.id, str(next(counter)), name=name, email=f"{name.lower()}@example.go.id")
        upsert_membership(db, course, person, role)
        return person

    return make


@pytest.fixture
def make_activity(db, course):
    from activities.core import Activity

    def make(kind: str, settings: dict | None = None, title: str = "Aktivitas", score_maximum: float = 100.0):
        activity = Activity(course_id=course.id, kind=kind, title=title, settings=settings or {}, score_maximum=score_maximum)
        db.add(activity)
        db.flush()
        return activity

    return make


@pytest.fixture
def postgres_url():
    """URL of a fresh database on the real PostgreSQL server, dropped afterwards."""
    from tests.services import drop_postgres_database, postgres_database

    url = postgres_database()
    yield url
    drop_postgres_database(url)


@pytest.fixture
def postgres_sessions(tmp_path, postgres_url):
    """A session factory on a fresh PostgreSQL database holding the whole schema."""
    settings = load_settings(environ={}, data_dir=tmp_path / "pg-instance", database_url=postgres_url)
    engine = make_engine(settings.sqlalchemy_url)
    Base.metadata.create_all(engine)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def redis_url():
    from tests.services import redis_url as url

    return url()
