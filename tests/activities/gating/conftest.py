"""Fixtures of the gating tests: a Latsar course with a readiness check, a coaching task, people and a program."""

from __future__ import annotations

import datetime as dt
import types

import pytest

import activities.coaching.models  # noqa: F401  (registers the tables before the schema is made)
import activities.gating.models  # noqa: F401
import activities.readiness.models  # noqa: F401
from activities.coaching.service import assign_coach, log_coaching_session, review, submit
from activities.core import Role, upsert_membership, upsert_person
from activities.gating import service
from activities.gating.models import Program

from ..coaching.conftest import FULL_MARKS, RUBRIC
from ..readiness.conftest import CODE
from ..readiness.test_attempts import take

NOW = dt.datetime(2026, 3, 10, 3, tzinfo=dt.UTC)


@pytest.fixture
def people(db, course, make_person):
    p = types.SimpleNamespace(
        staff=make_person("Sari", Role.STAFF),
        coach=make_person("Rahmat", Role.FACILITATOR),
        budi=make_person("Budi"),
        dewi=make_person("Dewi"),
    )
    assign_coach(db, course, p.coach, p.budi)
    assign_coach(db, course, p.coach, p.dewi)
    return p


@pytest.fixture
def check(make_activity):
    return make_activity("readiness", {"find_code": CODE}, title="Cek Kesiapan Digital")


@pytest.fixture
def task(make_activity):
    return make_activity("coaching", {"evidence_types": ["reflection"], "rubric": RUBRIC}, title="Aktualisasi")


@pytest.fixture
def program(db, course, people, check, task) -> Program:
    return service.create_program(db, course, people.staff, Role.STAFF, now=NOW)


@pytest.fixture
def columns(db, program, make_activity):
    """A gating activity (gradebook column) for each phase, by position."""
    return [make_activity("gating", {"phase_id": phase.id}, title=f"Gerbang {phase.title}")
            for phase in program.phases]


def ready(db, check, person):
    """A readiness result in band *siap*."""
    return take(db, check, person, rating=5)


def accepted(db, task, person, coach):
    submission = submit(db, task, person, reflection="Laporan aktualisasi")
    return review(db, task, submission, coach, Role.FACILITATOR, version_number=1, decision="accept",
                  selection=FULL_MARKS)


def sessions(db, course, coach, person, times=2):
    for _ in range(times):
        log_coaching_session(db, course, coach, person, Role.FACILITATOR, held_on=dt.date(2026, 3, 9), mode="online", now=NOW)


def roster_only(db, platform, course, name):
    """A learner only Moodle's roster knows: never launched Padu."""
    person = upsert_person(db, platform.id, f"roster-{name}", name=name)
    upsert_membership(db, course, person, Role.LEARNER, source="roster")
    return person
