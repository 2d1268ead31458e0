"""An activity's blueprint, and loading the activity a view works on.

Every activity's pages live under ``/a/<activity_id>/<kind>/`` and load their
activity through :func:`lti_tool.auth.activity_in_context`, the one place the
rule "only the launch's course, and for anyone but staff only the launched
activity" lives; the loader adds the activity's validated settings.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, session

from activities.core import Activity, Role

from ..auth import activity_in_context
from . import formatting
from .refusals import Table, install


def blueprint(kind: str, import_name: str, refusal: type[Exception], problems: Table, *,
              url_prefix: str | None = None) -> Blueprint:
    """The blueprint of an activity kind: its URL prefix, its refusals answered with the
    refusal page (``problems``: the activity's exception class → Problem table), and the
    formatting helpers and the launch's role in its templates. A kind with pages of the
    whole course too (the course dashboard) passes ``url_prefix=""`` and spells its routes."""
    bp = Blueprint(kind, import_name, url_prefix=f"/a/<int:activity_id>/{kind}" if url_prefix is None else url_prefix)
    install(bp, refusal, problems)
    bp.context_processor(_page_helpers)
    return bp


def _page_helpers() -> dict[str, Any]:
    # Also runs for the error page of a request without a session: no current_role() here.
    launch = getattr(session, "launch", None)
    return {**formatting.HELPERS, "role": Role(launch.role) if launch is not None else None}


def loader(kind: str, settings_of: Callable[[Activity], Any]) -> Callable[[int], tuple[Activity, Any]]:
    """``load(activity_id)``: the activity of ``kind`` in the launch's context and its
    validated settings; 404 if it is not there, 403 for a learner or facilitator whose
    launch came from another activity (see :func:`lti_tool.auth.activity_in_context`)."""

    def load(activity_id: int) -> tuple[Activity, Any]:
        activity = activity_in_context(activity_id, kind)
        return activity, settings_of(activity)

    return load
