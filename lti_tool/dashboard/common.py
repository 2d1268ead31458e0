"""What the dashboard's views share: the blueprint and the words the domain leaves to the web layer."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from activities.dashboard import exceptions, service

from ..web import blueprint
from .errors import PROBLEMS

#: Its routes are spelled in full: the link's home is an activity's, the dashboard is the course's.
bp = blueprint(service.KIND, __name__, exceptions.DashboardError, PROBLEMS, url_prefix="")

REASONS = {
    service.Reason.PAST_CLOSE: _l("Still in a phase that has closed"),
    service.Reason.REVIEW_OVERDUE: _l("Work waiting for review past the review target"),
    service.Reason.GRADE_FAILED: _l("A grade did not reach Moodle"),
    service.Reason.ATTENDANCE_LOW: _l("Attendance under the requirement"),
    service.Reason.NOT_READY: _l("Readiness: not ready"),
    service.Reason.READINESS_NOT_TAKEN: _l("Readiness check not taken"),
}

COACHING = {
    "revise": _l("Revising"),
    "waiting_review": _l("Waiting for review"),
    "not_submitted": _l("Nothing handed in"),
    "in_progress": _l("In progress"),
    "done": _l("All tasks accepted"),
}
