"""The one origin comparison (RFC 6454 §4) behind every "is this the platform's own site?" check."""

from __future__ import annotations

import pytest

from lti_tool.lti1p3.origins import origin, same_origin


@pytest.mark.parametrize(("url", "expected"), [
    ("https://Moodle.Example.go.id/mod/lti/auth.php", ("https", "moodle.example.go.id", 443)),
    ("http://127.0.0.1:8080/x", ("http", "127.0.0.1", 8080)),
    ("http://lms.example/", ("http", "lms.example", 80)),
    ("https://[2001:db8::1]:8443/", ("https", "2001:db8::1", 8443)),
])
def test_an_http_url_has_scheme_host_and_port(url, expected):
    assert origin(url) == expected


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://lms.example/", "https://", "", None,
                                 "https://lms.example:99999/", "https://lms.example:port/"])
def test_anything_else_has_none(url):
    assert origin(url) is None


def test_default_ports_count_and_nothing_else_is_loose():
    assert same_origin("https://lms.example/a", "https://LMS.example:443/b")
    assert not same_origin("https://lms.example/", "http://lms.example/")
    assert not same_origin("https://lms.example/", "https://lms.example:8443/")
    assert not same_origin("https://lms.example./", "https://lms.example/")
    assert not same_origin(None, None) and not same_origin("javascript:x", "javascript:x")
