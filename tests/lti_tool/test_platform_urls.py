"""URLs a platform hands Padu are only called where they belong, and what comes back stays out of pages.

Registration, token endpoint, AGS and NRPS URLs, end to end over HTTP with the
test platform, plus the pieces that read a platform's numbers (Retry-After,
expires_in) and the cache that must not fail when Redis does.
"""

from __future__ import annotations

import math
import re

import pytest
import requests
from sqlalchemy import select

from activities.core import Activity
from activities.db import make_session_factory
from activities.grades import GradeOutbox, OutboxStatus
from lti_tool import grade_delivery, worker
from lti_tool.cache import MemoryCache, RedisCache
from lti_tool.lti1p3.access_tokens import AccessTokens, retry_after, token_lifetime
from lti_tool.lti1p3.exceptions import AccessTokenError, ServiceError
from lti_tool.lti1p3.service_http import ForeignServiceUrl, ServiceClient
from lti_tool.runtime import guarded_session
from tests.lms import LtiBrowser
from tests.lti_tool.test_grade_delivery import grade
from tests.lti_tool.test_outbound import Listener
from tests.lti_tool.test_registration import invite
from tests.padu_server import PaduServer

SECRET = "INTERNAL-SECRET: db password hunter2"


# -- registration ------------------------------------------------------------

def test_registration_to_loopback_is_refused_with_a_page_naming_the_setting(tmp_path, lms):
    padu = PaduServer(tmp_path / "padu", outbound_allow_hosts="", outbound_allow_ports="*").start()
    try:
        start_url = lms.start_registration(invite(padu))
        page = LtiBrowser().session.get(start_url)
    finally:
        padu.stop()
    assert page.status_code == 400
    assert "PADU_OUTBOUND_ALLOW_HOSTS" in page.text
    assert lms.request_counts["openid-configuration"] == 0
    assert lms.registrations == []


def test_registration_answers_alike_for_a_closed_port_and_an_open_one(padu, lms):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    browser = LtiBrowser()
    invitation = invite(padu)  # a failed registration leaves it usable
    pages = [browser.session.get(invitation,
                                 params={"openid_configuration": url, "registration_token": "t"})
             for url in (f"http://127.0.0.1:{closed}/openid", lms.url + "/no/such/page", lms.url + "/mod/lti/auth.php")]
    assert {page.status_code for page in pages} == {502}
    assert len({page.text.split("<main", 1)[1] for page in pages}) == 1  # the page body, word for word


def test_registration_endpoints_off_the_issuers_site_are_refused(padu, lms):
    lms.openid_overrides = {"token_endpoint": "http://127.0.0.2/mod/lti/token.php"}
    page = LtiBrowser().session.get(lms.start_registration(invite(padu)))
    assert page.status_code == 400
    assert lms.registrations == []


# -- token endpoint and services ------------------------------------------------

def test_a_token_endpoint_on_a_private_address_is_not_called(settings, engine, db, platform):
    platform.issuer = "http://10.1.2.3"
    platform.auth_token_url = "http://10.1.2.3/mod/lti/token.php"
    db.commit()
    tokens = AccessTokens(settings, MemoryCache(), guarded_session(settings), make_session_factory(engine))
    with pytest.raises(AccessTokenError) as refused:
        tokens.get(platform, ("scope",))
    assert not refused.value.retryable
    assert "PADU_OUTBOUND_ALLOW_HOSTS" in refused.value.reason


class _Tokens:
    def get(self, platform, scopes):
        return "token"

    def invalidate(self, platform, scopes):
        pass


def test_an_ags_url_on_a_private_address_is_not_called(settings, platform):
    platform.issuer = "http://192.168.1.10"
    services = ServiceClient(_Tokens(), guarded_session(settings), 2)
    with pytest.raises(ServiceError) as refused:
        services.request(platform, ("s",), "POST", "http://192.168.1.10/mod/lti/services.php/2/lineitems/1/lineitem")
    assert not refused.value.retryable and "PADU_OUTBOUND_ALLOW_HOSTS" in refused.value.reason


def test_a_service_url_off_the_platforms_site_is_not_called(settings, platform):
    listener = Listener()
    try:
        platform.issuer = "http://127.0.0.1:1"
        platform.auth_token_url = "http://127.0.0.1:1/mod/lti/token.php"
        services = ServiceClient(_Tokens(), guarded_session(settings), 2)
        with pytest.raises(ForeignServiceUrl):
            services.request(platform, ("s",), "GET", listener.url + "/memberships")
        assert listener.requests == []
    finally:
        listener.stop()


def _staff_page(connected, browser, landing, activity_id):
    token = re.search(r"[?&]s=([^&\"]+)", landing.url).group(1)
    return browser.session.get(f"{connected.padu.url}/a/{activity_id}/grades", params={"s": token})


def test_a_lineitem_on_a_foreign_origin_is_not_used_and_the_grade_page_says_why(connected):
    foreign = Listener()  # 127.0.0.1 is allowed in tests: only the origin rule stops this
    try:
        connected.launch("4")
        browser, landing = connected.launch("3")
        with connected.padu.session() as db:
            activity = db.scalars(select(Activity)).one()
            activity.kind = "coaching"
            activity.lineitem_url = foreign.url + "/mod/lti/services.php/2/lineitems/1/lineitem?type_id=1"
            db.commit()
            activity_id = activity.id
        row_id = grade(connected, activity_id, "4", 50)
        worker.run_once(connected.padu.runtime)
        assert foreign.requests == []
        with connected.padu.session() as db:
            row = db.get(GradeOutbox, row_id)
            assert row.status == OutboxStatus.FAILED.value
            assert row.last_error == grade_delivery.FOREIGN_GRADEBOOK
        page = _staff_page(connected, browser, landing, activity_id)
        assert page.status_code == 200
        assert "alamat buku nilai di luar situsnya sendiri" in page.text
        assert foreign.url not in page.text
    finally:
        foreign.stop()


def test_what_the_platform_answered_never_appears_in_the_grades_page(connected):
    connected.launch("4")
    connected.launch("5")
    browser, landing = connected.launch("3")
    with connected.padu.session() as db:
        activity = db.scalars(select(Activity)).one()
        activity.kind = "coaching"
        db.commit()
        activity_id = activity.id
    connected.lms.inject("token", (200, {"Content-Type": "text/plain"}, SECRET))
    first = grade(connected, activity_id, "4", 50)
    worker.run_once(connected.padu.runtime)
    connected.lms.inject("scores", (400, {"Content-Type": "text/plain"}, SECRET))
    second = grade(connected, activity_id, "5", 60)
    worker.run_once(connected.padu.runtime)
    with connected.padu.session() as db:
        errors = [db.get(GradeOutbox, row_id).last_error for row_id in (first, second)]
    assert "HTTP 200" in errors[0] and "HTTP 400" in errors[1]
    assert not any("SECRET" in error or "hunter2" in error for error in errors)
    page = _staff_page(connected, browser, landing, activity_id)
    assert page.text.count("badge-bad") == 2
    assert "SECRET" not in page.text and "hunter2" not in page.text


# -- numbers a platform sends -------------------------------------------------------

def _answer(retry_after_value):
    response = requests.Response()
    response.headers["Retry-After"] = retry_after_value
    return response


@pytest.mark.parametrize("value, expected", [
    ("120", 120.0), ("0", 0.0), ("inf", None), ("-inf", None), ("nan", None), ("-5", None), ("1e12", 3600.0),
    ("1e9", 3600.0), ("soon", None), ("Wed, 21 Oct 2099 07:28:00 GMT", 3600.0), ("Wed, 21 Oct 2015 07:28:00 GMT", None),
    ("Wed, 21 Oct 2099 07:28:00 -0000", 3600.0),
])
def test_retry_after_is_at_most_an_hour_and_garbage_means_backoff(value, expected):
    assert retry_after(_answer(value)) == expected


@pytest.mark.parametrize("value, expected", [
    (3600, 3600), (1e300, 3600), (float("inf"), 3600), ("1e300", 3600), (5, 60), (-1, 60), (None, 3600),
    ("x", 3600), (float("nan"), 3600), (300, 300),
])
def test_token_lifetime_is_clamped_to_a_minute_to_an_hour(value, expected):
    lifetime = token_lifetime(value)
    assert math.isfinite(lifetime) and lifetime == expected


def test_a_redis_that_is_down_degrades_to_the_process_memory():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cache = RedisCache(f"redis://127.0.0.1:{port}/0")
    cache.set("k", 1, 10)
    assert cache.get("k") == 1  # kept in this process while Redis is away (cache.py)
    assert cache.add("k", 1, 10) is False
    cache.delete("k")
    assert cache.get("k") is None


def test_redis_takes_any_ttl_a_platform_provokes(redis_url):
    cache = RedisCache(redis_url, prefix="padu-test-outbound:")
    for ttl in (1e300, float("inf"), float("nan")):
        cache.set("token", "t", ttl)
        assert cache.get("token") == "t"
    cache.delete("token")
