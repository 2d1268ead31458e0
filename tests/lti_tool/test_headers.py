"""Security headers over HTTP: who may frame Padu, HSTS behind TLS."""

from __future__ import annotations

import re

import pytest
import requests

from lti_tool.frame_ancestors import PlatformOrigins, directive_value, origin
from lti_tool.lti1p3.registry import add_platform
from tests.padu_server import PaduServer


def frame_ancestors(response: requests.Response) -> str:
    return re.search(r"frame-ancestors ([^;]*)", response.headers["Content-Security-Policy"]).group(1)


def add(padu, issuer: str, client_id: str = "c1") -> None:
    with padu.session() as session:
        add_platform(session, issuer=issuer, client_id=client_id, auth_login_url=issuer + "/mod/lti/auth.php",
                     auth_token_url=issuer + "/mod/lti/token.php", key_set_url=issuer + "/mod/lti/certs.php",
                     deployment_ids=["1"])
        session.commit()


def test_no_registered_platform_means_no_one_may_frame_padu(padu):
    assert frame_ancestors(requests.get(padu.url + "/lti/config", timeout=10)) == "'none'"


def test_a_page_outside_a_launch_may_be_framed_by_every_registered_platform_only(padu):
    add(padu, "https://lms.Agency-A.go.id/moodle")
    add(padu, "https://lms.agency-b.go.id:8443", client_id="c2")
    add(padu, "https://evil.example; script-src *", client_id="c3")
    answer = requests.get(padu.url + "/lti/config", timeout=10)
    assert frame_ancestors(answer) == "https://lms.agency-a.go.id https://lms.agency-b.go.id:8443"
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]
    assert "*" not in frame_ancestors(requests.get(padu.url + "/nothing-here", timeout=10))


def test_a_page_inside_a_launch_may_be_framed_by_its_own_platform_only(connected):
    add(connected.padu, "https://lms.other.go.id")
    _browser, landing = connected.launch("4")
    assert landing.status_code == 200
    assert frame_ancestors(landing) == connected.lms.url
    everything = requests.get(connected.padu.url + "/lti/config", timeout=10)
    assert frame_ancestors(everything) == " ".join(sorted([connected.lms.url, "https://lms.other.go.id"]))


def test_a_platform_registered_a_moment_ago_may_frame_its_launch(lms, padu):
    from tests.lti_tool.conftest import Connected, populate

    assert frame_ancestors(requests.get(padu.url + "/lti/config", timeout=10)) == "'none'"
    connected = Connected(lms, padu, populate(lms, padu))
    _browser, landing = connected.launch("4")
    assert frame_ancestors(landing) == lms.url


def test_the_moodle_registering_itself_may_frame_the_registration_page(lms, padu):
    from tests.lti_tool.test_registration import invite

    answer = requests.get(invite(padu), timeout=10,
                          params={"openid_configuration": lms.url + "/missing", "registration_token": "t"})
    assert answer.status_code in (400, 502)
    assert frame_ancestors(answer) == lms.url
    closed = requests.get(padu.url + "/lti/register", timeout=10,
                          params={"openid_configuration": lms.url + "/missing", "registration_token": "t"})
    assert closed.status_code == 403 and frame_ancestors(closed) == lms.url


def test_no_hsts_over_plain_http(padu):
    assert "Strict-Transport-Security" not in requests.get(padu.url + "/lti/config", timeout=10).headers


def test_hsts_when_the_public_url_is_https(tmp_path):
    server = PaduServer(tmp_path / "padu", base_url="https://padu.agency.go.id").start()
    try:
        answer = requests.get(server.url + "/lti/config", timeout=10)
        assert answer.headers["Strict-Transport-Security"] == "max-age=31536000"
        assert "https://padu.agency.go.id/lti/launch" in answer.text
    finally:
        server.stop()


@pytest.mark.parametrize("url, expected", [
    ("https://Moodle.Example.go.id/", "https://moodle.example.go.id"),
    ("http://127.0.0.1:8080/moodle", "http://127.0.0.1:8080"),
    ("https://[2001:db8::1]:8443", "https://[2001:db8::1]:8443"),
    ("https://user:pw@lms.example.go.id", "https://lms.example.go.id"),
    ("https://lms.example.go.id:99999", None),
    ("javascript:alert(1)", None),
    ("https://lms.example go.id", None),
    ("https://lms.example.go.id;frame-ancestors *", None),
    ("https://*.example.go.id", None),
    ("lms.example.go.id", None),
    ("", None),
])
def test_only_a_plain_origin_of_an_issuer_reaches_the_header(url, expected):
    assert origin(url) == expected


def _counted_origins(db) -> tuple[PlatformOrigins, list[float], list[float]]:
    """Platform origins read through a session factory that counts its sessions, on a clock
    the test moves: (the origins, the times they were read, the clock's one-item list)."""
    from sqlalchemy.orm import sessionmaker

    now = [100.0]
    reads: list[float] = []
    factory = sessionmaker(bind=db.get_bind())

    def counting_factory():
        reads.append(now[0])
        return factory()

    db.commit()
    return PlatformOrigins(counting_factory, max_age=30, clock=lambda: now[0]), reads, now


def test_platform_origins_are_read_again_only_after_the_cache_time(db, platform):
    origins, reads, now = _counted_origins(db)
    assert origins.all() == ["https://moodle.example.go.id"]
    now[0] += 29
    assert origins.for_platform(platform.id) == ["https://moodle.example.go.id"]
    assert len(reads) == 1
    now[0] += 1
    origins.all()
    assert len(reads) == 2
    assert directive_value([]) == "'none'"


def test_directive_values_are_made_at_the_read_and_an_unknown_platform_is_read_at_once(db, platform):
    origins, reads, now = _counted_origins(db)
    assert origins.directive_all() == "https://moodle.example.go.id"
    assert origins.directive_for(platform.id) == "https://moodle.example.go.id"
    assert len(reads) == 1
    assert origins.directive_for(platform.id + 1000) == "'none'"  # not registered: asked again, still none
    assert len(reads) == 2
    add_platform(db, issuer="https://lms.agency-b.go.id:8443/moodle", client_id="c2",
                 auth_login_url="https://lms.agency-b.go.id:8443/auth", auth_token_url="https://lms.agency-b.go.id:8443/token",
                 key_set_url="https://lms.agency-b.go.id:8443/certs", deployment_ids=["1"])
    db.commit()
    assert origins.directive_all() == "https://moodle.example.go.id"  # within the cache time
    now[0] += 30
    assert origins.directive_all() == "https://lms.agency-b.go.id:8443 https://moodle.example.go.id"
    assert len(reads) == 3
