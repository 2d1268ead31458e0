"""Grade sync status of an activity, for staff: delivered, pending, failed (with reason).

The reasons are Padu's own words and the HTTP status, never what the platform
answered; a gradebook address outside the platform's site is said plainly.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import ngettext
from sqlalchemy import select

from activities.core import Role
from activities.grades import GradeOutbox, OutboxStatus, retry_failed, status_counts

from ..auth import activity_in_context, requires
from ..models import Platform
from ..runtime import db
from ..service_http import belongs_to

bp = Blueprint("grades", __name__)


@bp.get("/a/<int:activity_id>/grades")
@requires(Role.STAFF)
def status(activity_id: int):
    activity = activity_in_context(activity_id)
    problems = list(
        db().scalars(
            select(GradeOutbox)
            .where(
                GradeOutbox.activity_id == activity.id,
                GradeOutbox.status.in_([OutboxStatus.FAILED.value, OutboxStatus.PENDING.value]),
            )
            .order_by(GradeOutbox.id)
            .limit(200)
        )
    )
    platform = db().get(Platform, activity.course.platform_id)
    foreign = any(url and not belongs_to(platform, url) for url in (activity.lineitem_url, activity.lineitems_url))
    return render_template("grades_status.html", activity=activity, counts=status_counts(db(), activity.id),
                           problems=problems, foreign_gradebook=foreign)


@bp.post("/a/<int:activity_id>/grades/retry")
@requires(Role.STAFF)
def retry(activity_id: int):
    activity = activity_in_context(activity_id)
    count = retry_failed(db(), activity.id)
    db().commit()
    flash(ngettext("%(num)d grade will be sent again.", "%(num)d grades will be sent again.", count), "info")
    return redirect(url_for("grades.status", activity_id=activity.id), code=303)
