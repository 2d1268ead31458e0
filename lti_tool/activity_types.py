"""The activity types on the web: a blueprint and translated labels per domain kind.

What a kind *is* (its settings, gradebook tag, fact providers) lives in the
domain registry, :mod:`activities.registry`, so processes without the web app
(``padu worker``) know it too. Here each web package (``lti_tool.readiness``,
``lti_tool.coaching``) calls :func:`register` with the blueprint that serves
its kind and the words the teacher's chooser shows. The app factory imports
the modules listed in ``ACTIVITY_MODULES``: adding a fourth activity adds one
line here and one in :data:`activities.registry.PACKAGES`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import Blueprint

from activities import registry
from activities.registry import ActivityKind

ACTIVITY_MODULES = (
    "lti_tool.readiness",
    "lti_tool.coaching",
    "lti_tool.gating",
    "lti_tool.dashboard",
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

    @property
    def domain(self) -> ActivityKind:
        found = registry.get(self.kind)
        if found is None:
            raise LookupError(f"no domain package registers the activity kind {self.kind!r}")
        return found

    def default_settings(self) -> dict:
        """A new activity's settings (the domain kind's)."""
        return self.domain.default_settings()

    @property
    def tag(self) -> str:
        """Gradebook tag used to find the column via AGS line items."""
        return self.domain.tag

    @property
    def default_score_maximum(self) -> float:
        return self.domain.default_score_maximum

    def new_settings(self, score_maximum: float) -> dict:
        """Settings of a newly configured activity whose gradebook column has ``score_maximum``."""
        return self.domain.new_settings(score_maximum)


_TYPES: dict[str, ActivityType] = {}


def register(activity_type: ActivityType) -> ActivityType:
    """Attach a blueprint to a kind the domain registry knows; refuses one it does not."""
    if registry.get(activity_type.kind) is None:
        raise LookupError(f"no domain package registers the activity kind {activity_type.kind!r}")
    _TYPES[activity_type.kind] = activity_type
    return activity_type


def get(kind: str) -> ActivityType | None:
    return _TYPES.get(kind)


def all_types() -> list[ActivityType]:
    return list(_TYPES.values())


def known_kinds() -> set[str]:
    """The kinds this web app serves (a domain kind whose web module is missing is not offered)."""
    return set(_TYPES)
