"""Reading Moodle's JSON field by field, with types checked.

Moodle cleans every return value against the function's declared structure,
so types are reliable: ``PARAM_INT`` arrives as a number and ``PARAM_BOOL``
as true/false. Two looser spots are accepted on purpose: some flags are ints
(``"visible": 1`` next to ``"uservisible": true`` in core_course_get_contents)
and some decimals are strings (``"gradepass": "0.00"`` in
core_course_get_course_module). Anything else of the wrong type raises
:class:`UnexpectedResponse` naming the field's path, e.g.
``core_course_get_contents[1].modules[0].id``.
"""

from __future__ import annotations

import enum
from typing import Any, TypeVar, overload

from .errors import UnexpectedResponse

T = TypeVar("T")


class _Required(enum.Enum):
    """The "no default" marker, a type of its own so the overloads below can tell it apart."""

    REQUIRED = enum.auto()


_REQUIRED = _Required.REQUIRED
#: Any value; named because ``Reader.object`` hides the builtin inside the class.
_Value = object


def _kind(value: object) -> str:
    return "null" if value is None else type(value).__name__


def read_objects(value: object, path: str) -> list[Reader]:
    """A JSON array of objects."""
    if not isinstance(value, list):
        raise UnexpectedResponse(f"{path}: expected a list, got {_kind(value)}")
    return [Reader(item, f"{path}[{index}]") for index, item in enumerate(value)]


class Reader:
    """One JSON object. ``default`` is used when a key is missing or null
    (Moodle writes both for "not set": a group's ``enrolmentkey`` is "" from
    core_group_create_groups and null from core_group_get_course_groups).
    Without a default such a key is an error."""

    def __init__(self, value: _Value, path: str):
        if not isinstance(value, dict):
            raise UnexpectedResponse(f"{path}: expected an object, got {_kind(value)}")
        self._data: dict[Any, _Value] = value
        self.path = path

    def _default(self, key: str, default: _Value) -> _Value:
        if default is _REQUIRED:
            raise UnexpectedResponse(f"{self.path}.{key}: missing or null")
        return default

    def _wrong(self, key: str, expected: str, value: _Value) -> UnexpectedResponse:
        return UnexpectedResponse(f"{self.path}.{key}: expected {expected}, got {_kind(value)} {value!r:.80}")

    @overload
    def integer(self, key: str) -> int: ...
    @overload
    def integer(self, key: str, default: T) -> int | T: ...
    def integer(self, key: str, default: _Value = _REQUIRED) -> _Value:
        value = self._data.get(key)
        if value is None:
            return self._default(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._wrong(key, "an integer", value)
        return value

    def timestamp(self, key: str) -> int | None:
        """A Unix time; Moodle's 0 ("never") and null both become None."""
        return self.integer(key, None) or None

    @overload
    def number(self, key: str) -> float: ...
    @overload
    def number(self, key: str, default: T) -> float | T: ...
    def number(self, key: str, default: _Value = _REQUIRED) -> _Value:
        value = self._data.get(key)
        if value is None:
            return self._default(key, default)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                raise self._wrong(key, "a number", value) from None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._wrong(key, "a number", value)
        return float(value)

    @overload
    def text(self, key: str) -> str: ...
    @overload
    def text(self, key: str, default: T) -> str | T: ...
    def text(self, key: str, default: _Value = _REQUIRED) -> _Value:
        value = self._data.get(key)
        if value is None:
            return self._default(key, default)
        if not isinstance(value, str):
            raise self._wrong(key, "a string", value)
        return value

    @overload
    def flag(self, key: str) -> bool: ...
    @overload
    def flag(self, key: str, default: T) -> bool | T: ...
    def flag(self, key: str, default: _Value = _REQUIRED) -> _Value:
        value = self._data.get(key)
        if value is None:
            return self._default(key, default)
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise self._wrong(key, "true/false or 0/1", value)

    def objects(self, key: str, default: _Value = _REQUIRED) -> list[Reader]:
        value = self._data.get(key)
        if value is None:
            value = self._default(key, default)
        return read_objects(value, f"{self.path}.{key}")

    @overload
    def object(self, key: str) -> Reader: ...
    @overload
    def object(self, key: str, default: T) -> Reader | T: ...
    def object(self, key: str, default: _Value = _REQUIRED) -> _Value:
        """The object under ``key`` as a Reader (``default`` if missing or null)."""
        value = self._data.get(key)
        if value is None:
            return self._default(key, default)
        return Reader(value, f"{self.path}.{key}")

    def integers(self, key: str, default: _Value = _REQUIRED) -> tuple[int, ...]:
        value = self._data.get(key)
        if value is None:
            value = self._default(key, default)
        if not isinstance(value, list) or any(isinstance(v, bool) or not isinstance(v, int) for v in value):
            raise self._wrong(key, "a list of integers", value)
        return tuple(value)
