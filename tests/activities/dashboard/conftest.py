"""Fixtures of the dashboard tests: a Latsar course with a readiness check, a coaching task, a program,
learners coached by two coaches, and helpers that put each learner in one situation."""

from __future__ import annotations

import datetime as dt
import types

import pytest

import activities.coaching.models  # noqa: F401  (registers the tables before the schema is made)
import activities.gating.models  # noqa: F401
import activities.readiness.models  # noqa: F401
from activities.core import Role, upsert_membership, upsert_person
from activities.course.service import assign_coach
from activities.readiness.models import ReadinessAttempt

from ..coaching.conftest import RUBRIC
from ..readiness.conftest import CODE

NOW = dt.datetime(2026, 3, 10, 3, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)


@pytest.fixture
def people(db, course, make_person):
    p = types.SimpleNamespace(
        staff=make_person("Sari", Role.STAFF),
        coach=make_person("Rahmat", Role.FACILITATOR),
        other_coach=make_person("Wulan", Role.FACILITATOR),
        ani=make_person("Ani"),
        budi=make_person("Budi"),
        citra=make_person("Citra"),
        dewi=make_person("Dewi"),
    )
    assign_coach(db, course, p.coach, p.budi)
    assign_coach(db, course, p.coach, p.dewi)
    assign_coach(db, course, p.other_coach, p.ani)
    assign_coach(db, course, p.other_coach, p.citra)
    return p


@pytest.fixture
def check(make_activity):
    return make_activity("readiness", {"find_code": CODE}, title="Cek Kesiapan Digital")


@pytest.fixture
def task(make_activity):
    return make_activity("coaching", {"evidence_types": ["reflection"], "rubric": RUBRIC, "review_target_days": 3},
                         title="Aktualisasi")


def result(db, check, person, band: str, index: float = 60.0):
    """A submitted readiness result in ``band`` (written as the check stores it)."""
    db.add(ReadinessAttempt(activity_id=check.id, person_id=person.id, number=1, instrument_version="v1",
                            status="submitted", overall_index=index, band=band, answers={}, self_report={},
                            started_at=NOW - DAY, updated_at=NOW - DAY, submitted_at=NOW - DAY, code_found=True,
                            code_tries=0))
    db.flush()


def roster_only(db, platform, course, name):
    """A learner only Moodle's roster knows: never launched Padu."""
    person = upsert_person(db, platform.id, f"roster-{name}", name=name)
    upsert_membership(db, course, person, Role.LEARNER, source="roster")
    return person
