"""Answers as a form sends them, checked against the instrument and put in one shape.

A form posts text: a rating arrives as ``"4"``, a multiple choice as a list
(or a single value when one box is ticked). Cleaning makes ratings ints,
choices option ids in the instrument's order, and refuses anything that is
not a question or option of the instrument, so stored answers can always be
scored. ``None`` or ``""`` clears an answer: saving is partial and repeated
as the learner goes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .exceptions import AnswersInvalid
from .instrument import ChoiceItem, Instrument
from .settings import ReadinessSettings

MAX_VALUE_LENGTH = 40


def clean_self_report(instrument: Instrument, values: Mapping[str, Any]) -> dict[str, Any]:
    """Device and connection answers: ``{item: option}`` or ``{item: [options]}``; None clears."""
    cleaned: dict[str, Any] = {}
    for key, value in _mapping(values).items():
        item = instrument.device_item(key) if isinstance(key, str) else None
        if item is None:
            raise AnswersInvalid(str(key)[:60], "not a question of this section")
        cleaned[key] = _choice(item, value)
    return cleaned


def clean_skills(instrument: Instrument, values: Mapping[str, Any]) -> dict[str, Any]:
    """Skills answers: ``{"<area>.self": rating, "<area>.<item>": option}``; None clears."""
    ratings = {area.self_rating.id for area in instrument.areas}
    items = {item.id: item for area in instrument.areas for item in area.items}
    cleaned: dict[str, Any] = {}
    for key, value in _mapping(values).items():
        if key in ratings:
            cleaned[key] = _rating(instrument, key, value)
        elif key in items:
            option = _text(key, value)
            if option is not None and items[key].option(option) is None:
                raise AnswersInvalid(key, f"no option {option!r}")
            cleaned[key] = option
        else:
            raise AnswersInvalid(str(key)[:60], "not a question of this section")
    return cleaned


def merge(stored: Mapping[str, Any] | None, cleaned: Mapping[str, Any]) -> dict[str, Any]:
    """Stored answers updated with cleaned ones; a None clears. A new dict, so the JSON column sees the change."""
    merged = dict(stored or {})
    for key, value in cleaned.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def missing(instrument: Instrument, settings: ReadinessSettings, *, answers: Mapping[str, Any],
            self_report: Mapping[str, Any]) -> list[str]:
    """Questions of the included sections still unanswered, in instrument order.

    The probe and the LMS tasks are not here: a learner without JavaScript or
    who could not upload still submits, and the result says so.
    """
    gaps: list[str] = []
    if settings.has_section("device"):
        gaps.extend(item.id for item in instrument.device_items if not self_report.get(item.id))
    if settings.has_section("skills"):
        gaps.extend(item_id for item_id in instrument.skill_item_ids() if answers.get(item_id) is None)
    return gaps


def _mapping(values: Any) -> Mapping[str, Any]:
    if not isinstance(values, Mapping):
        raise AnswersInvalid("answers", "must be an object of question → answer")
    return values


def _choice(item: ChoiceItem, value: Any) -> Any:
    if item.kind == "single":
        option = _text(item.id, value)
        if option is not None and item.option(option) is None:
            raise AnswersInvalid(item.id, f"no option {option!r}")
        return option
    if value is None or value == "":
        return None
    chosen = [value] if isinstance(value, str) else value
    if not isinstance(chosen, (list, tuple)):
        raise AnswersInvalid(item.id, "a list of options")
    picked = set()
    for option in chosen:
        option = _text(item.id, option)
        if option is None:
            continue
        if item.option(option) is None:
            raise AnswersInvalid(item.id, f"no option {option!r}")
        picked.add(option)
    exclusive = [o.id for o in item.options if o.exclusive and o.id in picked]
    if exclusive and len(picked) > 1:
        raise AnswersInvalid(item.id, f"{exclusive[0]!r} cannot be chosen with other options")
    return [o.id for o in item.options if o.id in picked] or None


def _rating(instrument: Instrument, key: str, value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int):
        raise AnswersInvalid(key, "a whole number on the scale")
    if not instrument.scale_min <= value <= instrument.scale_max:
        raise AnswersInvalid(key, f"between {instrument.scale_min} and {instrument.scale_max}")
    return value


def _text(key: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or len(value) > MAX_VALUE_LENGTH:
        raise AnswersInvalid(key, "an option id")
    return value.strip()
