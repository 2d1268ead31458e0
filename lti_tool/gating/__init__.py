"""Phase gating on the web: the learner's journey; the cohort grid, funnel, at-risk filter,
CSV and audit log; a facilitator's overrides and sign-offs; the staff program editor and
the activity's gradebook column with Moodle's *Restrict access → Grade* steps.

The views read the launch, call :mod:`activities.gating.service`, commit and
render; every rule lives in the domain.
"""

from flask_babel import lazy_gettext as _l

from activities.gating import service

from ..activity_types import ActivityType, register
from . import decisions, learner, moodle, program, staff  # noqa: F401  (their routes join the blueprint)
from .common import bp

register(ActivityType(
    kind=service.KIND,
    label=_l("Phase gating"),
    description=_l("The course's blended program (mandiri, jarak jauh, klasikal): each learner sees which phase is "
                   "open and what is still missing; a phase's gradebook column lets Moodle restrict the next "
                   "phase's activities."),
    blueprint=bp,
    home_endpoint="gating.home",
    settings_endpoint="gating.settings",
))

__all__ = ["bp"]
