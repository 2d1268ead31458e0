"""Staff and facilitators: the settings of the check, the cohort view, and its CSV export.

Staff configure and export; facilitators watch the cohort read-only (the
cohort page shows them no settings, no export and no gradebook links).
"""

from __future__ import annotations

import re

from flask import render_template, request, url_for
from flask_babel import gettext as _

from activities.core import Role
from activities.readiness import service
from activities.readiness.service import AREAS, GROUPS, SECTIONS, TASKS, UPLOAD_TYPES, Band, available_versions

from ..auth import course_roster, current_role, requires
from ..responses import csv_response
from ..runtime import current, db
from ..web import saved
from .common import WATCHERS, bp, load_check
from .forms import check_settings, posted_settings_values, settings_values, upload_limit_kb


def settings_page(activity, values, errors=None, status=200):
    return render_template(
        "readiness/settings.html", activity=activity, values=values, errors=errors or {},
        areas=AREAS, sections=SECTIONS, tasks=TASKS, extensions=list(UPLOAD_TYPES), versions=available_versions(),
        upload_limit_kb=upload_limit_kb(current().settings.max_upload_bytes), page="settings",
    ), status


@bp.get("/settings")
@requires(Role.STAFF)
def settings(activity_id: int):
    activity, current_settings = load_check(activity_id)
    return settings_page(activity, settings_values(current_settings))


@bp.post("/settings")
@requires(Role.STAFF)
def save_settings(activity_id: int):
    activity, before = load_check(activity_id)
    values = posted_settings_values(request.form)
    checked, errors = check_settings(values, current().settings.max_upload_bytes)
    if checked is None:  # None exactly when there are errors
        return settings_page(activity, values, errors, 400)
    activity.settings = checked.to_dict()
    db().flush()
    if checked.keep != before.keep:
        # Another attempt may count now: the gradebook must follow.
        service.resync_grades(db(), activity)
    return saved(url_for(".settings", activity_id=activity.id), _("The settings are saved."))


def _roster_learners():
    """The course's learners: the NRPS roster (when the platform offers it) and everyone who launched."""
    return [m for m in course_roster() if m.role == Role.LEARNER.value]


@bp.get("/cohort")
@requires(*WATCHERS)
def cohort(activity_id: int):
    activity, settings = load_check(activity_id)
    summary = service.cohort_summary(db(), activity, _roster_learners())
    instrument = service.load_instrument(settings.instrument_version)
    most = max(summary.band_counts.values()) if summary.submitted else 0
    return render_template(
        "readiness/cohort.html", activity=activity, settings=settings, summary=summary, instrument=instrument,
        bands=list(Band), most=most, groups=GROUPS, areas=AREAS, page="cohort",
        is_staff=current_role() is Role.STAFF,
    )


@bp.get("/cohort.csv")
@requires(Role.STAFF)
def cohort_csv(activity_id: int):
    activity, _settings = load_check(activity_id)
    text = service.cohort_csv(db(), activity, _roster_learners())
    slug = re.sub(r"[^A-Za-z0-9]+", "-", activity.course.label or "course").strip("-")[:40] or "course"
    return csv_response(text, f"kesiapan-digital-{slug}-{activity.id}.csv")
