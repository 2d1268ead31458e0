"""The course dashboard on the web: one page of the whole course for its staff and facilitators,
its CSV, "send again" for failed grades, and the "course dashboard" link kind (no grade) that opens
it for staff and facilitators and shows learners their own journey.

The views read the launch, call :mod:`activities.dashboard.service`, and render; every rule
(who is at risk, what a coach's load is) lives in the domain.
"""

from flask_babel import lazy_gettext as _l

from activities.dashboard import service

from ..activity_types import ActivityType, register
from . import views  # noqa: F401  (its routes join the blueprint)
from .common import bp

register(ActivityType(
    kind=service.KIND,
    label=_l("Course dashboard"),
    description=_l("For staff and facilitators: who needs help today across every Padu activity of the course "
                   "(at risk, phase funnel, coaching workload, grade sync). Learners see their own journey. "
                   "No gradebook column."),
    blueprint=bp,
    home_endpoint="dashboard.home",
    settings_endpoint="dashboard.home",
))

__all__ = ["bp"]
