"""The dashboard's refusals as pages: only who may look is ever refused."""

from __future__ import annotations

from flask_babel import gettext as _

from activities.dashboard import exceptions

from ..web import Problem, answer, table

PROBLEMS = table(
    answer(exceptions.NotAllowed, lambda e: Problem(404, _("This page is not available."))),
)
