"""Attendance counted for many learners at once: the one implementation the requirement, the
course fact and the pages share.

A meeting is *for* a learner when it has no group or the learner is in it.
A cancelled meeting is for no one (its marks stay, but count nowhere).
*Attended* is present or late, and excused too when ``excused_counts`` says so
(an excused absence then neither helps nor hurts less than being there;
without it, it counts as missed). Two statements however many learners: the
course's meetings, then their attendance rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Collection
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import utcnow
from ..facts import Fact, Progress, Status
from .models import Attendance, Meeting
from .models import Status as Mark

#: Progress keys the web layer words.
COURSE_KEY = "meetings.attended_so_far"
PHASE_KEY = "meetings.attendance"
NONE_SCHEDULED_KEY = "meetings.none_scheduled"
#: Up to this many learners their ids go into the query; a cohort is read by meeting (one long IN is slower).
FEW = 500


class Tally(NamedTuple):
    """One learner's count: meetings attended, meetings for them (so far or in all), and all meetings for them."""

    attended: int
    counted: int
    total: int


#: The marks that count as attended (plain strings: the loop below runs learners × meetings times).
ATTENDED = frozenset({Mark.PRESENT.value, Mark.LATE.value})
ATTENDED_OR_EXCUSED = ATTENDED | {Mark.EXCUSED.value}


def attended(status: str | None, excused_counts: bool) -> bool:
    return status in (ATTENDED_OR_EXCUSED if excused_counts else ATTENDED)


def tallies(session: Session, course_id: int, learner_ids: Collection[int], *, phase_id: int | None = None,
            so_far: dt.datetime | None = None, excused_counts: bool = True) -> dict[int, Tally]:
    """By learner: their tally over the course's meetings (of ``phase_id`` only, if given).

    With ``so_far``, ``counted`` holds only the meetings that ended by then or that the learner's
    attendance is already recorded for (a check-in during a meeting counts at once); else every
    meeting for the learner. Two statements.
    """
    ids = list(dict.fromkeys(learner_ids))
    query = select(Meeting.id, Meeting.learner_ids, Meeting.ends_at).where(Meeting.course_id == course_id,
                                                                          Meeting.cancelled_at.is_(None))
    if phase_id is not None:
        query = query.where(Meeting.phase_id == phase_id)
    meetings = session.execute(query).all()
    marks: dict[tuple[int, int], str] = {}
    if meetings and ids:
        wanted = set(ids)
        rows = select(Attendance.meeting_id, Attendance.learner_id, Attendance.status).where(
            Attendance.meeting_id.in_([m.id for m in meetings]))
        if len(ids) <= FEW:  # a recompute of one learner reads their marks, not the whole class's
            rows = rows.where(Attendance.learner_id.in_(ids))
        for meeting_id, learner_id, status in session.execute(rows):
            if learner_id in wanted:
                marks[(meeting_id, learner_id)] = status
    groups = [(m.id, set(m.learner_ids) if m.learner_ids is not None else None, m.ends_at) for m in meetings]
    counts_as = ATTENDED_OR_EXCUSED if excused_counts else ATTENDED
    result: dict[int, Tally] = {}
    for learner_id in ids:
        done = counted = total = 0
        for meeting_id, group, ends_at in groups:
            if group is not None and learner_id not in group:
                continue
            total += 1
            mark = marks.get((meeting_id, learner_id))
            if so_far is None or ends_at <= so_far or mark is not None:
                counted += 1
            done += mark in counts_as
        result[learner_id] = Tally(done, counted, total)
    return result


def percent(tally: Tally) -> float | None:
    """Attended of counted, in percent with one decimal; None when nothing is counted yet."""
    return round(100 * tally.attended / tally.counted, 1) if tally.counted else None


def needed(total: int, at_least_percent: float) -> int:
    """Meetings to attend out of ``total`` for ``at_least_percent`` (rounded up: 80 % of 3 is 3)."""
    return math.ceil(round(total * at_least_percent / 100, 9))


@dataclasses.dataclass(frozen=True)
class CourseAttendance:
    """The course fact ``attendance``: per learner, the percent of the course's meetings so far attended.

    ``value`` is that percent (None before any meeting ended); the progress is "attended of so far".
    Asked for one attendance requirement (``phase_id``, ``at_least_percent``, ``excused_counts`` as its
    params say), it counts that phase's meetings so far and the progress is "attended of needed so far":
    ``progress.complete`` is "at the requirement's percent today" (the course dashboard's risk).
    ``now`` is for tests; the clock otherwise.
    """

    excused_counts: bool = True
    now: dt.datetime | None = None
    phase_id: int | None = None
    at_least_percent: float | None = None
    key: str = COURSE_KEY

    def facts(self, session: Session, course_id: int, learner_ids: Collection[int]) -> dict[int, Fact]:
        found = tallies(session, course_id, learner_ids, phase_id=self.phase_id, so_far=self.now or utcnow(),
                        excused_counts=self.excused_counts)
        # Facts are frozen: learners with the same tally share one (a cohort has thousands of learners and
        # a few dozen distinct tallies).
        seen: dict[Tally, Fact] = {}
        facts = {}
        for learner_id, tally in found.items():
            fact = seen.get(tally)
            if fact is None:
                fact = seen[tally] = _fact(tally, self.at_least_percent)
            facts[learner_id] = fact
        return facts


def _fact(tally: Tally, at_least_percent: float | None = None) -> Fact:
    if tally.counted == 0:
        status = Status.NOT_STARTED
    elif tally.counted == tally.total:
        status = Status.DONE
    else:
        status = Status.IN_PROGRESS
    need = tally.counted if at_least_percent is None else needed(tally.counted, at_least_percent)
    return Fact(status=status, value=percent(tally), progress=Progress(tally.attended, need, COURSE_KEY))
