"""Web-service parameters encoded the way PHP reads a form.

Moodle's REST server takes its parameters from ``$_POST``, which PHP builds
from bracketed names: ``members[0][groupid]=1&members[0][userid]=4`` becomes
``['members' => [['groupid' => 1, 'userid' => 4]]]``. This module writes that
form from Python values, as PHP's ``http_build_query`` would.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

# PHP would read "[" or "]" inside a key as the start or end of another
# level, so such a key could never round-trip. Moodle's parameter names are
# identifiers anyway.
_KEY = re.compile(r"[^\[\]]+")


def flatten(params: Mapping[str, object]) -> list[tuple[str, str]]:
    """``{"members": [{"groupid": 1}]}`` -> ``[("members[0][groupid]", "1")]``.

    Lists are numbered from 0, mappings keep their keys, booleans become
    ``1``/``0`` (Moodle's ``PARAM_BOOL`` accepts those) and ``None`` is left
    out, as ``http_build_query`` does, so that Moodle applies the parameter's
    default. Empty lists and mappings send nothing, again like PHP.
    """
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        _add(pairs, _checked_key(key), value)
    return pairs


def _add(pairs: list[tuple[str, str]], name: str, value: object) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            _add(pairs, f"{name}[{_checked_key(key)}]", item)
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _add(pairs, f"{name}[{index}]", item)
    else:
        pairs.append((name, _scalar(name, value)))


def _scalar(name: str, value: object) -> str:
    # bool first: it is a subclass of int.
    if isinstance(value, bool):
        return "1" if value else "0"
    # int() and str.__str__ give the plain value of an IntEnum or a str-based
    # Enum, whose own str() would be "Format.HTML".
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{name}: Moodle cannot take {value!r}")
        return repr(value)
    raise TypeError(f"{name}: cannot send a {type(value).__name__} to Moodle")


def _checked_key(key: object) -> str:
    if isinstance(key, bool) or not isinstance(key, (str, int)):
        raise TypeError(f"parameter names must be str or int, not {type(key).__name__}")
    key = str(key)
    if not _KEY.fullmatch(key):
        raise ValueError(f"parameter name {key!r} is empty or contains a bracket")
    return key
