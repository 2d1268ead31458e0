"""The learner's way through the check as short pages, one per part.

A phone on a weak connection should load little and save often: the device
section is one page, the skills section one page per DigComp area, the LMS
tasks one page, then a review page that submits. Which pages exist follows
the activity's settings (a section left out has no page).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import url_for

from activities.readiness.service import Instrument, ReadinessSettings

from .common import text


@dataclasses.dataclass(frozen=True)
class Step:
    #: ``device``, ``skills.<area>``, ``lms`` or ``review``.
    key: str
    title: str
    endpoint: str
    args: tuple[tuple[str, str], ...] = ()

    def url(self, activity_id: int) -> str:
        values: dict[str, Any] = dict(self.args)  # route values; Any, as url_for's **values are
        return url_for(self.endpoint, activity_id=activity_id, **values)


def steps_of(instrument: Instrument, settings: ReadinessSettings) -> list[Step]:
    from flask_babel import gettext as _

    steps: list[Step] = []
    if settings.has_section("device"):
        steps.append(Step("device", text(instrument.sections["device"].title), "readiness.device"))
    if settings.has_section("skills"):
        steps.extend(Step(f"skills.{area.id}", text(area.title), "readiness.skills", (("area", area.id),))
                     for area in instrument.areas)
    if settings.has_section("lms") and settings.active_tasks:
        steps.append(Step("lms", text(instrument.sections["lms"].title), "readiness.lms"))
    steps.append(Step("review", _("Check and submit"), "readiness.review"))
    return steps


def step_after(steps: list[Step], key: str) -> Step:
    keys = [s.key for s in steps]
    index = keys.index(key) if key in keys else -1
    return steps[min(index + 1, len(steps) - 1)]


def step_before(steps: list[Step], key: str) -> Step | None:
    keys = [s.key for s in steps]
    index = keys.index(key) if key in keys else 0
    return steps[index - 1] if index > 0 else None


def step_of_question(question_id: str) -> str:
    """The page a question is asked on: ``information.search`` → ``skills.information``; a device item → ``device``."""
    return f"skills.{question_id.split('.', 1)[0]}" if "." in question_id else "device"
