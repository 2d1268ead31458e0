"""Parameters flattened the PHP way survive requests' form encoding and a real
form parser (werkzeug's), and rebuild into the structure PHP would see."""

from __future__ import annotations

import enum
import re

import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from moodle_client import flatten


def test_the_recorded_shapes():
    assert flatten({"members": [{"groupid": 1, "userid": 4}]}) == [("members[0][groupid]", "1"), ("members[0][userid]", "4")]
    assert flatten({"groupids": [1, 2]}) == [("groupids[0]", "1"), ("groupids[1]", "2")]
    assert flatten({"courseid": 2, "userid": None}) == [("courseid", "2")]


def test_booleans_floats_and_enums():
    class Format(enum.IntEnum):
        HTML = 1

    class Field(str, enum.Enum):
        USERNAME = "username"

    assert flatten({"a": True, "b": False, "c": 0.5, "d": Format.HTML, "e": Field.USERNAME}) == [
        ("a", "1"), ("b", "0"), ("c", "0.5"), ("d", "1"), ("e", "username"),
    ]


def test_empty_containers_send_nothing_like_http_build_query():
    assert flatten({"a": [], "b": {}, "c": [None]}) == []


@pytest.mark.parametrize("params, error", [
    ({"a[b]": 1}, ValueError),
    ({"": 1}, ValueError),
    ({"a": {"x]": 1}}, ValueError),
    ({"a": float("nan")}, ValueError),
    ({"a": b"bytes"}, TypeError),
    ({"a": {1.5: 1}}, TypeError),
    ({"a": object()}, TypeError),
])
def test_what_php_could_not_read_back_is_refused(params, error):
    with pytest.raises(error):
        flatten(params)


# -- round trip -------------------------------------------------------------------

_NAME = re.compile(r"([^\[\]]+)((?:\[[^\[\]]+\])*)")


def php_parse(pairs: list[tuple[str, str]]) -> dict:
    """What PHP builds in $_POST from bracketed names (keys kept as text)."""
    result: dict = {}
    for name, value in pairs:
        match = _NAME.fullmatch(name)
        assert match, name
        keys = [match.group(1)] + re.findall(r"\[([^\[\]]+)\]", match.group(2))
        node = result
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        assert keys[-1] not in node, f"{name} sent twice"
        node[keys[-1]] = value
    return result


def php_view(value):
    """The Python value as PHP will see it: text scalars, lists as index-keyed
    arrays, None and empty arrays gone."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, str)):
        return str(value)
    items = value.items() if isinstance(value, dict) else enumerate(value)
    seen = {str(key): php_view(item) for key, item in items if item is not None}
    return {key: item for key, item in seen.items() if item != {}}


def through_the_wire(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    prepared = requests.Request("POST", "http://moodle.test/webservice/rest/server.php", data=pairs).prepare()
    # requests names no Content-Type for an empty form; the client never sends one.
    content_type = prepared.headers.get("Content-Type", "application/x-www-form-urlencoded")
    builder = EnvironBuilder(method="POST", data=prepared.body or "", content_type=content_type)
    return list(Request(builder.get_environ()).form.items(multi=True))


keys = st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True)
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=20)
scalars = st.none() | st.booleans() | st.integers(min_value=-(2**63), max_value=2**63 - 1) | text
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys | st.integers(0, 99), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None, database=None)  # nothing written into the checkout
@given(st.dictionaries(keys, values, max_size=4))
def test_flattened_params_round_trip_through_form_parsing(params):
    pairs = flatten(params)
    assert through_the_wire(pairs) == pairs
    assert php_parse(pairs) == php_view(params)
