"""The activity types Padu knows, as the domain sees them.

Each domain package (``activities.readiness``, ``activities.coaching``)
registers its :class:`ActivityKind` when it is imported; :data:`PACKAGES`
lists them, and this module imports them the first time anyone asks. So every
process — the web app, a standalone ``padu worker``, a CLI command — sees the
same kinds, whether or not a Flask blueprint was ever imported. (Before, the
kinds were registered by the web blueprints, and a worker without the web app
knew none.) The web layer only adds a blueprint, its endpoints and the
translated labels per kind (:mod:`lti_tool.activity_types`).

Some facts belong to the course rather than to one kind of activity (the
coaching sessions a learner has had, :mod:`activities.course`): their
providers are registered with :func:`register_course_facts` the same way, and
are there whether or not the course holds an activity of any kind.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping

from .db import JsonObject
from .facts import FactProvider

#: The domain packages that register a kind (or the course's facts); adding an activity type adds one line.
PACKAGES = (
    "activities.course",
    "activities.readiness",
    "activities.coaching",
    "activities.gating",
    "activities.meetings",
    "activities.dashboard",
    "activities.moodle",
)


@dataclasses.dataclass(frozen=True)
class ActivityKind:
    kind: str
    #: A new activity's settings as a validated JSON-able dict.
    default_settings: Callable[[], JsonObject]
    #: AGS line item ``tag`` used to find the activity's gradebook column.
    tag: str
    default_score_maximum: float = 100.0
    #: Named fact providers (see :mod:`activities.facts`): a name → a factory taking the
    #: provider's parameters, e.g. ``facts["result"](activity_id=3)``.
    facts: Mapping[str, Callable[..., FactProvider]] = dataclasses.field(default_factory=dict)
    #: Fits new settings to the gradebook column's maximum (settings, score_maximum) -> settings,
    #: for a kind whose settings hold a maximum of their own (a coaching task's simple score).
    fit_to_maximum: Callable[[JsonObject, float], JsonObject] | None = None
    #: False for a kind that never sends a grade (the course dashboard): its Deep Linking
    #: link asks Moodle for no gradebook column.
    graded: bool = True

    def new_settings(self, score_maximum: float) -> JsonObject:
        """Settings of a newly configured activity whose gradebook column has ``score_maximum``."""
        settings = self.default_settings()
        return self.fit_to_maximum(settings, score_maximum) if self.fit_to_maximum else settings


_KINDS: dict[str, ActivityKind] = {}
_COURSE_FACTS: dict[str, Callable[..., FactProvider]] = {}
_loaded = False


def register(kind: ActivityKind) -> ActivityKind:
    """Called by a domain package at import."""
    _KINDS[kind.kind] = kind
    return kind


def register_course_facts(facts: Mapping[str, Callable[..., FactProvider]]) -> None:
    """Called by :mod:`activities.course` at import: named providers of course-level facts."""
    _COURSE_FACTS.update(facts)


def _load() -> None:
    global _loaded
    if _loaded:
        return
    for name in PACKAGES:
        importlib.import_module(name)
    _loaded = True


def get(kind: str) -> ActivityKind | None:
    _load()
    return _KINDS.get(kind)


def all_kinds() -> list[ActivityKind]:
    _load()
    return list(_KINDS.values())


def course_facts() -> Mapping[str, Callable[..., FactProvider]]:
    """The course's own fact providers by name, e.g. ``course_facts()["coaching_sessions_held"](needed=2)``."""
    _load()
    return dict(_COURSE_FACTS)


def known_kinds() -> set[str]:
    _load()
    return set(_KINDS)


def line_item_tag(kind: str) -> str:
    """The gradebook tag of a kind; an unknown kind's own name (a row left by a removed type)."""
    found = get(kind)
    return (found.tag if found else "") or kind
