"""The digital readiness check on the web: the learner's probe, questions, tasks and result;
the staff settings; the cohort view for staff and facilitators.

The views read the launch, call :mod:`activities.readiness.service`, commit and
render; every rule lives in the domain. Loading, refusals, form actions,
formatting, form macros and the layout come from the web kit, :mod:`lti_tool.web`.
"""

from flask_babel import lazy_gettext as _l

from activities.readiness.service import KIND

from ..activity_types import ActivityType, register
from . import learner, probe, staff  # noqa: F401  (their routes join the blueprint)
from .common import bp

register(ActivityType(
    kind=KIND,
    label=_l("Digital readiness check"),
    description=_l("Before training: a connection and device check, digital skills in the five DigComp areas, "
                   "and two LMS tasks. Learners get a profile and advice; facilitators see who needs help."),
    blueprint=bp,
    home_endpoint="readiness.home",
    settings_endpoint="readiness.settings",
))

__all__ = ["bp"]
