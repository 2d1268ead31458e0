"""What every readiness view shares: the blueprint, who may do what, loading the check,
and the helpers templates use to show bilingual instrument text in the launch's language."""

from __future__ import annotations

from flask import Blueprint, render_template, request, session
from flask_babel import get_locale

from activities.core import Activity, Role
from activities.readiness import KIND
from activities.readiness.areas import AREA_LABELS, Band
from activities.readiness.exceptions import ReadinessError
from activities.readiness.settings import ReadinessSettings, settings_of

from ..auth import activity_in_context
from ..runtime import db
from .errors import describe

bp = Blueprint("readiness", __name__, url_prefix="/a/<int:activity_id>/readiness")

#: Who takes the check: learners, and staff trying it out before learners do.
TAKERS = (Role.LEARNER, Role.STAFF)
#: Who sees the cohort: staff and facilitators (read-only).
WATCHERS = (Role.STAFF, Role.FACILITATOR)

#: Band → badge class. The badge always carries the band's name too: colour is never the only sign.
BAND_BADGES = {Band.READY: "badge-ok", Band.READY_WITH_SUPPORT: "badge-warn", Band.NOT_READY: "badge-bad"}


def load_check(activity_id: int) -> tuple[Activity, ReadinessSettings]:
    """The readiness check of the launch's course and its validated settings: 404 if it is not
    there, 403 for a learner whose launch came from another activity (see auth.activity_in_context)."""
    activity = activity_in_context(activity_id, KIND)
    return activity, settings_of(activity)


def locale() -> str:
    return str(get_locale() or "id")


def text(value) -> str:
    """An instrument text (``Text`` or ``{"id", "en"}``) in the page's language, Indonesian unless English."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return value.get("en" if locale().startswith("en") else "id") or value.get("id", "")
    return value.get(locale())


def area_label(area: str) -> str:
    return text(AREA_LABELS.get(area, {"id": area, "en": area}))


def band_label(band) -> str:
    return text(Band(band).label)


def width_class(score: float | None) -> str:
    """A bar width as a class (``w-0`` … ``w-100`` in 5% steps): the CSP allows no inline style."""
    if score is None:
        return "w-0"
    return f"w-{int(round(max(0.0, min(100.0, float(score))) / 5.0) * 5)}"


def number(value: float | None) -> str:
    """A score as shown: one decimal, dropped when whole, with the locale's decimal mark."""
    if value is None:
        return "—"
    shown = f"{round(float(value), 1):g}"
    return shown.replace(".", ",") if not locale().startswith("en") else shown


def refused(error: ReadinessError, template: str = "readiness/refused.html", **context):
    """The page for a domain refusal that has no form to show it next to."""
    db().rollback()
    problem = describe(error)
    return render_template(template, problem=problem, activity_id=(request.view_args or {}).get("activity_id"),
                           **context), problem.status


@bp.errorhandler(ReadinessError)
def _readiness_error(error: ReadinessError):
    # A safety net: a refusal a view did not expect is still a 4xx page, never a 500.
    return refused(error)


@bp.context_processor
def _helpers():
    # Also runs for error pages of requests without a session: no current_role() here.
    launch = getattr(session, "launch", None)
    return {"t": text, "area_label": area_label, "band_label": band_label, "width_class": width_class,
            "number": number, "BAND_BADGES": BAND_BADGES, "Band": Band,
            "role": Role(launch.role) if launch is not None else None}


__all__ = ["bp", "load_check", "TAKERS", "WATCHERS", "refused"]
