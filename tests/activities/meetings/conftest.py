"""Fixtures of the meeting tests: the gating course (people, a program from the Latsar template, a
gradebook column per phase) and a meeting of the first phase at 09:00–11:00 WIB on 10 March 2026."""

from __future__ import annotations

import datetime as dt

import pytest

from activities.core import Role
from activities.meetings import service

from ..gating.conftest import check, columns, people, program, task  # noqa: F401  (fixtures)

START = dt.datetime(2026, 3, 10, 2, tzinfo=dt.UTC)  # 09:00 WIB
END = START + dt.timedelta(hours=2)


class Tries:
    """The runtime cache's ``incr`` as a dict: tries counted per key."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def incr(self, key: str, ttl: float) -> int:
        self.counts[key] = self.counts.get(key, 0) + 1
        return self.counts[key]


def plan(db, program, people, phase_index=0, *, start=START, end=END, learners=(), title="Pertemuan 1"):  # noqa: F811
    return service.save_meeting(db, program, people.coach, Role.FACILITATOR, phase_id=program.phases[phase_index].id,
                                title=title, kind="online", link="https://meet.example.go.id/latsar-1",
                                starts_at=start, ends_at=end, facilitator_ids=[people.coach.id],
                                learner_ids=[p.id for p in learners], now=start - dt.timedelta(days=1))


@pytest.fixture
def meeting(db, program, people):  # noqa: F811
    return plan(db, program, people)


@pytest.fixture
def tries():
    return Tries()
