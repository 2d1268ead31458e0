"""Field parsers that more than one activity's settings use.

Settings arrive from a staff form (everything is text) or from stored JSON,
and an activity validates them again on every read; two activities taking a
number or a list of file types must accept and refuse the same things.
Each parser raises through ``invalid(field, message)``, the activity's own
``SettingsInvalid``, because its web layer catches that activity's errors.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

#: Makes the activity's error for a field: ``invalid(field, message)``.
Invalid = Callable[[str, str], Exception]


def whole_number(value: Any, field: str, low: int, high: int, *, invalid: Invalid) -> int:
    """An int from ``low`` to ``high``; text (a form) and whole floats (JSON) are taken, booleans are not."""
    if isinstance(value, str):
        try:
            value = int(value.strip())
        except ValueError:
            raise invalid(field, "must be a whole number") from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(field, "must be a whole number")
    if not low <= value <= high:
        raise invalid(field, f"must be between {low} and {high}")
    return value


def extension_list(value: Any, field: str, *, known: Collection[str], invalid: Invalid) -> tuple[str, ...]:
    """File extensions staff allow, each one Padu can check by content.

    ``.PDF`` and ``pdf`` are the same; repeats are dropped, the order kept.
    ``known`` is named, in its order, when an extension is refused.
    """
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise invalid(field, "must be a list")
    cleaned: list[str] = []
    for ext in value:
        if not isinstance(ext, str):
            raise invalid(field, "must be a list of extensions")
        ext = ext.strip().lstrip(".").lower()
        if ext not in known:
            raise invalid(field, f"Padu cannot check {ext!r} files; choose from {', '.join(known)}")
        if ext not in cleaned:
            cleaned.append(ext)
    if not cleaned:
        raise invalid(field, "allow at least one file type")
    return tuple(cleaned)
