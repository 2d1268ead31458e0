"""Who is at risk today, and why: each rule a small function of one learner's row.

A rule answers :class:`Risk` or None; :func:`at_risk` asks every rule about
every learner and ranks what they found: most urgent reason first (the order
of :data:`RULES`), then by name. Each risk names where to act: the activity
whose page deals with it (the web layer makes the link).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
from collections.abc import Callable, Collection, Iterable, Mapping

from ..facts import Status
from .learners import COACHING, GATING, READINESS, Course, LearnerRow

#: "A week before the course starts": from then on a learner without a good readiness result is at risk.
BEFORE_START = dt.timedelta(days=7)


class Reason(str, enum.Enum):
    PAST_CLOSE = "past_close"  # still in a phase whose window has closed
    REVIEW_OVERDUE = "review_overdue"  # work waiting for the coach's review past the review target
    GRADE_FAILED = "grade_failed"  # a grade that Moodle refused
    ATTENDANCE_LOW = "attendance_low"  # attendance so far under a phase's attendance requirement
    NOT_READY = "not_ready"  # readiness band *Belum siap*, the course starts within a week
    READINESS_NOT_TAKEN = "readiness_not_taken"  # no readiness result, the course starts within a week


@dataclasses.dataclass(frozen=True)
class Place:
    """Where to act: an activity of ``kind`` (its id); ``attendance`` is the learner's attendance record
    under the gating activity ``activity_id``."""

    kind: str
    activity_id: int | None


@dataclasses.dataclass(frozen=True)
class Risk:
    learner_id: int
    name: str
    reason: Reason
    place: Place | None
    #: The phase a PAST_CLOSE learner is stuck in.
    phase_title: str = ""


@dataclasses.dataclass(frozen=True)
class Context:
    """What the rules read besides the learner's row."""

    course: Course
    now: dt.datetime
    #: Learner id → the activity ids with a grade that failed to reach Moodle.
    failed_grades: Mapping[int, Collection[int]]

    @functools.cached_property
    def readiness_due(self) -> bool:
        """The readiness rules apply from a week before the course starts (its first phase opens);
        a course without a start date applies them always. Asked once per learner: worked out once."""
        starts = self.course.starts_at
        return starts is None or self.now >= starts - BEFORE_START


Rule = Callable[[LearnerRow, Context], Risk | None]


def _first(context: Context, kind: str) -> int | None:
    ids = context.course.activities.get(kind, ())
    return ids[0] if ids else None


def past_close(row: LearnerRow, context: Context) -> Risk | None:
    """Still in an open phase whose window closed: the learner missed the phase's end."""
    phase = row.phase
    if phase is None or phase.closes_at is None or phase.closes_at > context.now:
        return None
    if row.phase_state is None or row.phase_state.value != "open":
        return None  # a locked phase is the previous one's doing, or the window's
    gate = _first(context, GATING)
    return Risk(row.learner_id, row.name, Reason.PAST_CLOSE, Place(GATING, gate) if gate else None, phase.title)


def review_overdue(row: LearnerRow, context: Context) -> Risk | None:
    """The learner's work waits for review longer than its task's review target: the coach must act."""
    if row.reviews_overdue <= 0:
        return None
    return Risk(row.learner_id, row.name, Reason.REVIEW_OVERDUE, Place(COACHING, row.review_task_id))


def grade_failed(row: LearnerRow, context: Context) -> Risk | None:
    """A grade of the learner did not reach Moodle (the platform refused it): staff send it again."""
    failed = sorted(context.failed_grades.get(row.learner_id, ()))
    if not failed:
        return None
    return Risk(row.learner_id, row.name, Reason.GRADE_FAILED, Place("grades", failed[0]))


def attendance_low(row: LearnerRow, context: Context) -> Risk | None:
    """Attendance so far under the percent of an attendance requirement of a phase the learner has not
    passed (only where the attendance provider exists); act on the learner's attendance record, which the
    meetings pages keep under the course's gating activity."""
    if not context.course.has_attendance or row.attendance_met is not False:
        return None
    gate = _first(context, GATING)
    return Risk(row.learner_id, row.name, Reason.ATTENDANCE_LOW, Place("attendance", gate) if gate else None)


def not_ready(row: LearnerRow, context: Context) -> Risk | None:
    """Readiness band *Belum siap*, a week (or less) before the course starts."""
    if row.readiness is None or row.readiness_band != "belum_siap" or not context.readiness_due:
        return None
    return Risk(row.learner_id, row.name, Reason.NOT_READY, Place(READINESS, _first(context, READINESS)))


def readiness_not_taken(row: LearnerRow, context: Context) -> Risk | None:
    """No readiness result a week (or less) before the course starts."""
    if row.readiness is None or row.readiness.status is Status.DONE or not context.readiness_due:
        return None
    return Risk(row.learner_id, row.name, Reason.READINESS_NOT_TAKEN, Place(READINESS, _first(context, READINESS)))


#: Every rule, most urgent first: the ranking of :func:`at_risk`.
RULES: tuple[Rule, ...] = (past_close, review_overdue, grade_failed, attendance_low, not_ready, readiness_not_taken)


def at_risk(rows: Iterable[LearnerRow], context: Context) -> list[Risk]:
    """Every risk of every learner, ranked: by rule (most urgent first), then in the rows' order."""
    ordered = list(rows)
    found: list[Risk] = []
    for rule in RULES:  # rule by rule over the rows in order: already ranked, nothing to sort
        for row in ordered:
            risk = rule(row, context)
            if risk is not None:
                found.append(risk)
    return found
