"""Gate grades: a phase's gradebook column reads 100 once the phase is passed, 0 again if that is undone.

Teachers restrict the next phase's native Moodle activities with Moodle's
own *Restrict access → Grade* on this column. A value is queued in the grade
outbox only when it changes, and for a whole cohort in a fixed number of
statements: the rules of :func:`activities.grades.record_grade` (older pending
rows superseded; a timestamp strictly later, by a second, than the pair's
last, LTI AGS 2.0 §3.4.8 / Moodle's 409 on an equal second) applied in bulk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import cast

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.orm import Session

from ..core import Activity
from ..db import utcnow
from ..grades import ActivityProgress, GradeOutbox, GradingProgress, OutboxStatus
from . import KIND

PASSED = 100.0
NOT_PASSED = 0.0


def gate_columns(session: Session, course_id: int) -> dict[int, Activity]:
    """By phase id: the gating activity (gradebook column) of each phase that has one; one query."""
    columns: dict[int, Activity] = {}
    for activity in session.scalars(
            select(Activity).where(Activity.course_id == course_id, Activity.kind == KIND).order_by(Activity.id)):
        phase_id = (activity.settings or {}).get("phase_id")
        if isinstance(phase_id, int) and not isinstance(phase_id, bool) and phase_id not in columns:
            columns[phase_id] = activity
    return columns


def target_value(passed: bool, last_sent: float | None) -> float | None:
    """What the column should read: 100 when passed; 0 only once something was sent; else nothing."""
    if passed:
        return PASSED
    return NOT_PASSED if last_sent is not None else None


def queue_values(session: Session, activity: Activity, values: Mapping[int, float]) -> None:
    """Queue ``values`` (by learner id) for ``activity``'s column: three statements for any number."""
    if not values:
        return
    learner_ids = list(values)
    last = dict(session.execute(
        select(GradeOutbox.person_id, func.max(GradeOutbox.timestamp))
        .where(GradeOutbox.activity_id == activity.id, GradeOutbox.person_id.in_(learner_ids))
        .group_by(GradeOutbox.person_id)).all())
    session.execute(
        update(GradeOutbox)
        .where(GradeOutbox.activity_id == activity.id, GradeOutbox.person_id.in_(learner_ids),
               GradeOutbox.status == OutboxStatus.PENDING.value)
        .values(status=OutboxStatus.SUPERSEDED.value, last_error="replaced by a newer result"),
        execution_options={"synchronize_session": False})
    now = utcnow()
    second = now.replace(microsecond=0)
    rows = []
    for learner_id, value in values.items():
        stamp = second
        if learner_id in last and last[learner_id] is not None:
            stamp = max(second, last[learner_id].replace(microsecond=0) + dt.timedelta(seconds=1))
        rows.append({
            "activity_id": activity.id, "person_id": learner_id,
            "score_given": activity.score_maximum * value / 100.0, "score_maximum": activity.score_maximum,
            "activity_progress": ActivityProgress.COMPLETED.value if value else ActivityProgress.IN_PROGRESS.value,
            "grading_progress": GradingProgress.FULLY_GRADED.value,
            "timestamp": stamp, "status": OutboxStatus.PENDING.value, "attempts": 0,
            "next_attempt_at": now, "created_at": now,
        })
    session.execute(insert(cast(Table, GradeOutbox.__table__)), rows)  # a mapped class's table is a Table
