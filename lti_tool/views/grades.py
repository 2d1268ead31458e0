"""Grade sync status of an activity, for staff: counts, and each learner's last grade (failed first).

The reasons are Padu's own words and the HTTP status, never what the platform
answered; a gradebook address outside the platform's site is said plainly.
"""

from __future__ import annotations

import zoneinfo

from babel.dates import format_datetime
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import get_locale, ngettext
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from activities.core import Person, Role
from activities.grades import GradeOutbox, OutboxStatus, retry_failed, status_counts

from ..auth import activity_in_context, requires
from ..lti1p3.service_http import belongs_to
from ..models import Platform
from ..runtime import db

bp = Blueprint("grades", __name__)


#: Failed first (staff must act), then waiting, then delivered (a superseded newest row was
#: delivered by a newer result the platform already holds).
_STATE_ORDER = case(
    (GradeOutbox.status == OutboxStatus.FAILED.value, 0),
    (GradeOutbox.status == OutboxStatus.PENDING.value, 1),
    else_=2,
)
#: A course has at most a few hundred learners; the page stays bounded whatever happens.
MAX_LISTED = 1000


def latest_per_learner(session: Session, activity_id: int) -> list[GradeOutbox]:
    """Each learner's newest grade row (what Moodle shows or should show), failed first, then by name."""
    newest = (
        select(func.max(GradeOutbox.id))
        .where(GradeOutbox.activity_id == activity_id)
        .group_by(GradeOutbox.person_id)
    )
    return list(session.scalars(
        select(GradeOutbox)
        .join(Person, Person.id == GradeOutbox.person_id)
        .where(GradeOutbox.id.in_(newest))
        .order_by(_STATE_ORDER, Person.name, Person.sub)
        .limit(MAX_LISTED)
    ))


def _when(row: GradeOutbox) -> str:
    """Delivered: when Moodle took it; otherwise when Padu recorded it. In Jakarta time, as elsewhere."""
    moment = row.delivered_at or row.created_at
    return format_datetime(moment, "d MMM yyyy, HH.mm", tzinfo=zoneinfo.ZoneInfo("Asia/Jakarta"),
                           locale=str(get_locale())) + " WIB"


@bp.get("/a/<int:activity_id>/grades")
@requires(Role.STAFF)
def status(activity_id: int):
    activity = activity_in_context(activity_id)
    rows = latest_per_learner(db(), activity.id)
    platform = db().get_one(Platform, activity.course.platform_id)  # a course's platform exists (foreign key)
    foreign = any(url and not belongs_to(platform, url) for url in (activity.lineitem_url, activity.lineitems_url))
    return render_template("grades_status.html", activity=activity, counts=status_counts(db(), activity.id),
                           rows=[(row, _when(row)) for row in rows], max_listed=MAX_LISTED,
                           foreign_gradebook=foreign)


@bp.post("/a/<int:activity_id>/grades/retry")
@requires(Role.STAFF)
def retry(activity_id: int):
    activity = activity_in_context(activity_id)
    count = retry_failed(db(), activity.id)
    db().commit()
    flash(ngettext("%(num)d grade will be sent again.", "%(num)d grades will be sent again.", count), "info")
    return redirect(url_for("grades.status", activity_id=activity.id), code=303)
