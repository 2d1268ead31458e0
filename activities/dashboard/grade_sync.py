"""The course's grade sync across its activities: delivered, waiting, failed; and sending the failed again.

Counts each learner's newest grade per activity (what Moodle shows or should
show): older rows a newer result replaced are history, not work. "Send again"
is the grade page's own :func:`activities.grades.retry_failed`, for each
activity of the course with a failure: one code path.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core import Activity
from ..grades import GradeOutbox, OutboxStatus, retry_failed


@dataclasses.dataclass(frozen=True)
class ActivitySync:
    activity_id: int
    title: str
    kind: str
    delivered: int
    waiting: int
    failed: int


@dataclasses.dataclass(frozen=True)
class GradeSync:
    activities: tuple[ActivitySync, ...]
    #: Learner id → the activities whose newest grade for them failed.
    failed_by_learner: dict[int, set[int]]

    @property
    def delivered(self) -> int:
        return sum(a.delivered for a in self.activities)

    @property
    def waiting(self) -> int:
        return sum(a.waiting for a in self.activities)

    @property
    def failed(self) -> int:
        return sum(a.failed for a in self.activities)


def grade_sync(session: Session, course_id: int) -> GradeSync:
    """Two queries: the newest row per learner and activity of the course, and the activities' titles."""
    outbox, activity = GradeOutbox.__table__.c, Activity.__table__.c  # plain rows: a course has thousands
    newest = (select(func.max(outbox.id)).join_from(GradeOutbox.__table__, Activity.__table__,
                                                    activity.id == outbox.activity_id)
              .where(activity.course_id == course_id)
              .group_by(outbox.activity_id, outbox.person_id))
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    failed: dict[int, set[int]] = defaultdict(set)
    for activity_id, person_id, status in session.execute(
            select(outbox.activity_id, outbox.person_id, outbox.status).where(outbox.id.in_(newest))).all():
        counts[activity_id][status] += 1
        if status == OutboxStatus.FAILED.value:
            failed[person_id].add(activity_id)
    lines = []
    if counts:
        for activity_id, title, kind in session.execute(
                select(Activity.id, Activity.title, Activity.kind).where(Activity.id.in_(list(counts)))
                .order_by(Activity.id)):
            by_status = counts[activity_id]
            lines.append(ActivitySync(
                activity_id, title, kind,
                delivered=by_status[OutboxStatus.DELIVERED.value] + by_status[OutboxStatus.SUPERSEDED.value],
                waiting=by_status[OutboxStatus.PENDING.value], failed=by_status[OutboxStatus.FAILED.value]))
    return GradeSync(tuple(lines), dict(failed))


def send_failed_again(session: Session, course_id: int) -> int:
    """Queue every failed grade of the course again (unless a newer result replaced it); how many will go."""
    activity_ids = session.scalars(
        select(GradeOutbox.activity_id).join(Activity, Activity.id == GradeOutbox.activity_id)
        .where(Activity.course_id == course_id, GradeOutbox.status == OutboxStatus.FAILED.value)
        .distinct().order_by(GradeOutbox.activity_id))
    return sum(retry_failed(session, activity_id) for activity_id in list(activity_ids))
