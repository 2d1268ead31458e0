"""Coaching tasks on the web: the learner's task page, the coach's review queue and
review page, coaching sessions, and the staff settings, coach assignment and overview.

The views read the launch, call :mod:`activities.coaching.service`, commit and
render; every rule lives in the domain. Loading, refusals, form actions,
formatting, form macros and the layout come from the web kit, :mod:`lti_tool.web`.
"""

from flask_babel import lazy_gettext as _l

from activities.coaching.service import KIND

from ..activity_types import ActivityType, register
from . import coach, learner, staff  # noqa: F401  (their routes join the blueprint)
from .common import bp

register(ActivityType(
    kind=KIND,
    label=_l("Coaching task"),
    description=_l("A workplace assignment: learners hand in evidence, their coach reviews it on a rubric "
                   "and asks for revisions, coaching sessions are logged."),
    blueprint=bp,
    home_endpoint="coaching.home",
    settings_endpoint="coaching.settings",
))

__all__ = ["bp"]
