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
