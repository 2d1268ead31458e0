"""A gating activity's settings: which phase's gradebook column it is.

Stored in ``Activity.settings`` as ``{"phase_id": <id> | None}``; None until
staff pick the phase (the activity then writes no grade). Whether the phase
belongs to the course's program is checked with the session
(:func:`check_phase`), because the shape alone cannot say.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import JsonObject
from .exceptions import ProgramInvalid
from .models import Phase, Program


def default_settings() -> JsonObject:
    return {"phase_id": None}


def validate_settings(settings: Any) -> JsonObject:
    if not isinstance(settings, Mapping) or set(settings) - {"phase_id"}:
        raise ProgramInvalid("settings", "only phase_id")
    phase_id = settings.get("phase_id")
    if phase_id is not None and (isinstance(phase_id, bool) or not isinstance(phase_id, int) or phase_id < 1):
        raise ProgramInvalid("phase_id", "a phase of the course's program")
    return {"phase_id": phase_id}


def check_phase(session: Session, course_id: int, phase_id: int | None) -> None:
    """Refuse a phase that is not of ``course_id``'s program (another course's, perhaps another agency's)."""
    if phase_id is None:
        return
    found = session.scalar(select(Phase.id).join(Program, Phase.program_id == Program.id)
                           .where(Phase.id == phase_id, Program.course_id == course_id))
    if found is None:
        raise ProgramInvalid("phase_id", "a phase of the course's program")
