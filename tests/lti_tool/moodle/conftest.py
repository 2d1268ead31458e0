"""A connected platform: a Moodle site on 127.0.0.1 (recorded shapes), its token stored, the
recorded course (context id 2) with the recorded learners (Budi = Moodle user 4, Dewi = 5)."""

from __future__ import annotations

import types

import pytest

import activities.gating.models  # noqa: F401  (registers the tables before the schema is made)
import activities.moodle.models  # noqa: F401
from activities.core import Role, upsert_course, upsert_membership, upsert_person
from activities.db import Base
from config import load_settings
from lti_tool.migrations import load_models
from lti_tool.moodle import connection
from lti_tool.runtime import Runtime, guarded_session
from tests.padu_server import LOOPBACK_ALLOWED
from tests.rows import new_platform

from .moodle_site import MoodleSite


@pytest.fixture(scope="session")
def _site_server():
    site = MoodleSite()
    yield site
    site.close()


@pytest.fixture
def site(_site_server):
    """The Moodle site, as recorded, for each test."""
    _site_server.reset()
    return _site_server


@pytest.fixture
def http(settings):
    session = guarded_session(settings)
    yield session
    session.close()


@pytest.fixture
def moodle_platform(db, site):
    platform = new_platform()
    platform.issuer = site.url
    db.add(platform)
    db.flush()
    return platform


@pytest.fixture
def connected(db, settings, http, site, moodle_platform):
    result = connection.check(moodle_platform, site.token, http, settings.http_timeout)
    connection.store(db, settings.secret_key, moodle_platform, site.token, result)
    db.commit()
    return moodle_platform


@pytest.fixture
def worker_runtime(tmp_path, site):
    """A runtime as ``padu worker`` builds it (its own SQLite file, tables made), with one platform
    connected to the site: ``(runtime, platform_id)``. For tests that go through the worker."""
    settings = load_settings(environ={}, data_dir=tmp_path / "instance", **LOOPBACK_ALLOWED)
    runtime = Runtime.build(settings)
    load_models()
    Base.metadata.create_all(runtime.engine)
    try:
        with runtime.session_factory() as db:
            platform = new_platform()
            platform.issuer = site.url
            db.add(platform)
            db.flush()
            result = connection.check(platform, site.token, runtime.http, settings.http_timeout)
            connection.store(db, settings.secret_key, platform, site.token, result)
            db.commit()
            platform_id = platform.id
        yield runtime, platform_id
    finally:
        runtime.engine.dispose()


@pytest.fixture
def learners(db, moodle_platform):
    course = upsert_course(db, moodle_platform.id, "2", "LATSAR-CPNS-2026", "Pelatihan Dasar LATSAR CPNS 2026")
    staff = upsert_person(db, moodle_platform.id, "3", name="Siti Rahmawati")
    budi = upsert_person(db, moodle_platform.id, "4", name="Budi Santoso")
    dewi = upsert_person(db, moodle_platform.id, "5", name="Dewi Lestari")
    upsert_membership(db, course, staff, Role.STAFF)
    upsert_membership(db, course, budi, Role.LEARNER)
    upsert_membership(db, course, dewi, Role.LEARNER)
    db.commit()  # a failed sync rolls its own work back, not the launches before it
    return types.SimpleNamespace(course=course, staff=staff, budi=budi, dewi=dewi)
