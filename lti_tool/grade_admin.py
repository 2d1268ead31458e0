"""What staff and operators see of the grade outbox."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from activities.core import Activity
from activities.grades import GradeOutbox, failed_rows


def status_lines(session: Session) -> list[str]:
    rows = session.execute(
        select(Activity.id, Activity.title, GradeOutbox.status, func.count())
        .join(GradeOutbox, GradeOutbox.activity_id == Activity.id)
        .group_by(Activity.id, Activity.title, GradeOutbox.status)
        .order_by(Activity.id)
    ).all()
    if not rows:
        return ["no grades recorded yet"]
    per_activity: dict[int, dict] = {}
    titles = {}
    for activity_id, title, status, count in rows:
        per_activity.setdefault(activity_id, {})[status] = count
        titles[activity_id] = title
    lines = []
    for activity_id, counts in per_activity.items():
        summary = " ".join(f"{status}={counts.get(status, 0)}" for status in ("delivered", "pending", "failed", "superseded"))
        lines.append(f"activity {activity_id} ({titles[activity_id]}): {summary}")
    for row in failed_rows(session):
        lines.append(f"  failed #{row.id} activity {row.activity_id} user {row.person.sub}: {row.last_error}")
    return lines
