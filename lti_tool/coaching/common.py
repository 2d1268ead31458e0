"""What every coaching view shares: the blueprint, loading the task, the evidence store,
display formatting, and the page for a refused action."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date, format_datetime
from flask import Blueprint, abort, current_app, render_template, request, session
from flask_babel import format_decimal, format_timedelta, get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from activities.coaching import KIND, service
from activities.coaching.exceptions import CoachingError
from activities.coaching.models import SubmissionStatus
from activities.coaching.settings import CoachingSettings
from activities.core import Activity, Membership, Person, Role

from ..auth import activity_in_context
from ..runtime import current, db
from .errors import describe
from .forms import jakarta, megabytes

bp = Blueprint("coaching", __name__, url_prefix="/a/<int:activity_id>/coaching")

#: Everyone who reviews or coaches.
COACHES = (Role.FACILITATOR, Role.STAFF)


def load_task(activity_id: int) -> tuple[Activity, CoachingSettings]:
    """The coaching task of the launch's course, and its validated settings: 404 if it is not
    there, 403 for a learner or coach whose launch came from another activity (see auth.activity_in_context)."""
    activity = activity_in_context(activity_id, KIND)
    return activity, service.settings_of(activity)


def course_learner(activity: Activity, person_id: int) -> Person:
    """A learner of the task's course, or 404: ids from other courses or platforms never resolve."""
    membership = db().scalar(
        select(Membership).where(Membership.course_id == activity.course_id, Membership.person_id == person_id)
    )
    if membership is None or membership.role != Role.LEARNER.value:
        abort(404)
    return membership.person


def evidence_store() -> service.EvidenceStore:
    """Evidence lives in the data folder, never under the folder Flask serves as static."""
    return service.EvidenceStore(current().settings.uploads_dir / "coaching",
                                 forbidden_roots=[current_app.static_folder])


def refused(error: CoachingError):
    """The page for a domain refusal that has no form to show it next to."""
    db().rollback()
    problem = describe(error)
    return render_template("coaching/refused.html", problem=problem,
                           activity_id=(request.view_args or {}).get("activity_id")), problem.status


@bp.errorhandler(CoachingError)
def _coaching_error(error: CoachingError):
    # A safety net: a refusal a view did not expect is still a 4xx page, never a 500.
    return refused(error)


def by_version(reviews: list) -> dict[int, list]:
    """Reviews grouped under the version they judged, for the history of a submission."""
    grouped: dict[int, list] = {}
    for item in reviews:
        grouped.setdefault(item.version_id, []).append(item)
    return grouped


# -- display -------------------------------------------------------------------

STATUS_LABELS = {
    None: (_l("Not submitted yet"), ""),
    SubmissionStatus.SUBMITTED.value: (_l("Waiting for review"), "badge-warn"),
    SubmissionStatus.RESUBMITTED.value: (_l("Resubmitted, waiting for review"), "badge-warn"),
    SubmissionStatus.REVISION_REQUESTED.value: (_l("Revision requested"), "badge-bad"),
    SubmissionStatus.ACCEPTED.value: (_l("Accepted"), "badge-ok"),
}


def _when(value: dt.datetime | None) -> str:
    """A moment in Jakarta time (WIB), the zone the due dates are typed in."""
    if value is None:
        return ""
    return format_datetime(value, "d MMM yyyy, HH.mm", tzinfo=jakarta(), locale=str(get_locale())) + " WIB"


def _day(value: dt.date | None) -> str:
    return format_date(value, "d MMM yyyy", locale=str(get_locale())) if value else ""


def _waited(value: dt.timedelta | None) -> str:
    return format_timedelta(value, threshold=1.5) if value is not None else "—"


def _size(value: int) -> str:
    if value < 1024 * 1024:
        return f"{format_decimal(max(1, round(value / 1024)))} KB"
    return f"{format_decimal(round(value / (1024 * 1024), 1))} MB"


@bp.context_processor
def _formatting():
    # Also runs for the error page of a request without a session: no current_role() here.
    launch = getattr(session, "launch", None)
    return {"when": _when, "day": _day, "waited": _waited, "size": _size, "megabytes": megabytes,
            "STATUS_LABELS": STATUS_LABELS,
            "role": Role(launch.role) if launch is not None else None}
