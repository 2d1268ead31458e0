"""The activity types Padu offers, and how the launch dispatches to them.

An activity type is a domain package in ``activities/`` plus one blueprint in
``lti_tool/``; the blueprint's module calls :func:`register` with an
:class:`ActivityType`. The app factory imports the modules listed in
``ACTIVITY_MODULES``: adding a fourth activity adds one line there.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

from flask import Blueprint

ACTIVITY_MODULES = (
    "lti_tool.readiness",
    "lti_tool.coaching",
)


@dataclasses.dataclass(frozen=True)
class ActivityType:
    kind: str
    #: Lazy-translated name and one-line description for the teacher's chooser.
    label: Any
    description: Any
    blueprint: Blueprint
    #: Endpoint taking ``activity_id``: the activity's page for any role.
    home_endpoint: str
    #: Endpoint taking ``activity_id``: the staff settings page.
    settings_endpoint: str
    #: Turns stored settings (possibly empty) into a validated JSON-able dict; raises ValueError.
    default_settings: Callable[[], dict]
    #: Gradebook tag used to find the column via AGS line items.
    tag: str = ""
    default_score_maximum: float = 100.0
    #: Fits new settings to the gradebook column's maximum (settings, score_maximum) -> settings,
    #: for a type whose settings hold a maximum of their own (a coaching task's simple score).
    fit_to_maximum: Callable[[dict, float], dict] | None = None

    def new_settings(self, score_maximum: float) -> dict:
        """Settings of a newly configured activity whose gradebook column has ``score_maximum``."""
        settings = self.default_settings()
        return self.fit_to_maximum(settings, score_maximum) if self.fit_to_maximum else settings


_TYPES: dict[str, ActivityType] = {}


def register(activity_type: ActivityType) -> ActivityType:
    _TYPES[activity_type.kind] = activity_type
    return activity_type


def get(kind: str) -> ActivityType | None:
    return _TYPES.get(kind)


def all_types() -> list[ActivityType]:
    return list(_TYPES.values())


def known_kinds() -> set[str]:
    return set(_TYPES)
