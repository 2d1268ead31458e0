"""Meetings on the web: the learner's meetings with check-in, the facilitator's meeting list and
editor, roster grid, live check-in screen (code and QR), records per learner and per meeting, CSV.

Meetings belong to the phases of a course's gating program, so these pages
hang off a gating activity (``/a/<gating activity>/meetings/``) and are linked
from its pages; the views call :mod:`activities.meetings.service` only. The
app registers :data:`bp` beside the activities' blueprints.
"""

from . import learner, staff  # noqa: F401  (their routes join the blueprint)
from .common import bp

__all__ = ["bp"]
