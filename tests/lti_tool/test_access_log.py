"""The access log's redaction reads a parameter's name as the application does (access_log.py)."""

from __future__ import annotations

import pytest

from lti_tool.access_log import redact_query


@pytest.mark.parametrize(("query", "logged"), [
    ("s=abc&page=2", "s=REDACTED&page=2"),
    ("%73=abc", "%73=REDACTED"),  # "s", percent-encoded: the application reads it as s
    ("registration%5Ftoken=t&x+y=1", "registration%5Ftoken=REDACTED&x+y=1"),
    ("s+=abc", "s+=abc"),  # "s " is another name
    ("a=1&s", "a=1&s=REDACTED"),
    ("ss=1&xs=2", "ss=1&xs=2"),
    ("", ""),
])
def test_secret_values_are_redacted_whatever_the_spelling_of_their_name(query, logged):
    assert redact_query(query) == logged
