"""Fixtures every domain test may use: a course's people and who coaches whom (a course-level fact,
used by the coaching and course tests alike)."""

from __future__ import annotations

import types

import pytest

from activities.core import Role


@pytest.fixture
def people(make_person):
    return types.SimpleNamespace(
        staff=make_person("Sari", Role.STAFF),
        coach=make_person("Rahmat", Role.FACILITATOR),
        other_coach=make_person("Wulan", Role.FACILITATOR),
        budi=make_person("Budi"),
        dewi=make_person("Dewi"),
    )


@pytest.fixture
def coached(db, course, people):
    """Rahmat coaches Budi and Dewi."""
    from activities.course.service import assign_coach

    assign_coach(db, course, people.coach, people.budi)
    assign_coach(db, course, people.coach, people.dewi)
    return people
