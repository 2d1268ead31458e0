"""What every readiness view shares: the blueprint, who may do what, loading the check,
and the helpers templates use to show bilingual instrument text in the launch's language."""

from __future__ import annotations

from activities.core import Role
from activities.readiness import exceptions, service
from activities.readiness.service import AREA_LABELS, KIND, Band

from ..web import blueprint, formatting, loader
from .errors import PROBLEMS

bp = blueprint(KIND, __name__, exceptions.ReadinessError, PROBLEMS)

#: ``load_check(activity_id)``: the check of the launch's course and its validated settings.
load_check = loader(KIND, service.settings_of)

#: Who takes the check: learners, and staff trying it out before learners do.
TAKERS = (Role.LEARNER, Role.STAFF)
#: Who sees the cohort: staff and facilitators (read-only).
WATCHERS = (Role.STAFF, Role.FACILITATOR)

#: Band → badge class. The badge always carries the band's name too: colour is never the only sign.
BAND_BADGES = {Band.READY: "badge-ok", Band.READY_WITH_SUPPORT: "badge-warn", Band.NOT_READY: "badge-bad"}


def text(value) -> str:
    """An instrument text (``Text`` or ``{"id", "en"}``) in the page's language, Indonesian unless English."""
    if value is None:
        return ""
    if isinstance(value, dict):
        return value.get("en" if formatting.locale().startswith("en") else "id") or value.get("id", "")
    return value.get(formatting.locale())


def area_label(area: str) -> str:
    return text(AREA_LABELS.get(area, {"id": area, "en": area}))


def band_label(band) -> str:
    return text(Band(band).label)


def width_class(score: float | None) -> str:
    """A bar width as a class (``w-0`` … ``w-100`` in 5% steps): the CSP allows no inline style."""
    if score is None:
        return "w-0"
    return f"w-{int(round(max(0.0, min(100.0, float(score))) / 5.0) * 5)}"


@bp.context_processor
def _helpers():
    return {"t": text, "area_label": area_label, "band_label": band_label, "width_class": width_class,
            "BAND_BADGES": BAND_BADGES, "Band": Band}


__all__ = ["bp", "load_check", "TAKERS", "WATCHERS"]
