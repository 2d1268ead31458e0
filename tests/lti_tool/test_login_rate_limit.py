"""Login initiation is limited per client address (security review, finding 19): anonymous
``GET /lti/login`` must not spend Padu's CPU (a signature each) nor aim redirects at the LMS
without bound. A login writes nothing (its state is signed, ``oidc.py``)."""

from __future__ import annotations

import socket
from urllib.parse import parse_qs, urlsplit

import requests
from sqlalchemy import func, select

from lti_tool.cache import MemoryCache, RedisCache
from lti_tool.lti1p3.oidc import read_state
from lti_tool.models import Platform, UsedNonce
from lti_tool.rate_limit import client_key, login_retry_after
from tests.lms import TestPlatform
from tests.lti_tool.conftest import Connected, populate
from tests.padu_server import PaduServer


def _login_fields(connected: Connected) -> dict:
    return connected.lms.login_initiation_form(connected.client_id, "4", connected.padu.url + "/lti/launch",
                                               resource_link_id="1")


def test_the_31st_login_in_a_minute_from_one_address_is_a_429(connected):
    http = requests.Session()
    url = connected.padu.url + "/lti/login"
    redirects = []
    for _ in range(30):
        redirect = http.post(url, data=_login_fields(connected), allow_redirects=False)
        assert redirect.status_code == 302
        redirects.append(parse_qs(urlsplit(redirect.headers["Location"]).query))
    refused = http.post(url, data=_login_fields(connected), allow_redirects=False)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "Moodle" in refused.text and "too_many_logins" in refused.text
    # Anonymous GETs count too.
    assert http.get(url).status_code == 429
    with connected.padu.session() as db:
        platform_id = db.scalars(select(Platform.id)).one()
        assert db.scalar(select(func.count()).select_from(UsedNonce)) == 0  # the logins wrote nothing
    # Each state is its own, signed: it names the platform and the nonce sent with it.
    states = [query["state"][0] for query in redirects]
    assert len(set(states)) == 30
    assert [read_state(connected.padu.settings.secret_key, state) for state in states] == [
        (platform_id, query["nonce"][0]) for query in redirects]


def test_other_addresses_are_not_held_back(tmp_path):
    lms = TestPlatform().start()
    padu = PaduServer(tmp_path / "padu", proxy_count=1, login_rate_per_minute=2).start()
    try:
        connected = Connected(lms, padu, populate(lms, padu))
        url = padu.url + "/lti/login"
        for _ in range(2):
            assert requests.get(url, headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 400
        assert requests.get(url, headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 429
        other = requests.post(url, data=_login_fields(connected), headers={"X-Forwarded-For": "203.0.113.8"},
                              allow_redirects=False)
        assert other.status_code == 302
        # And a learner behind the second address still completes a real launch.
        _browser, page = connected.launch("5")
        assert page.status_code == 200
    finally:
        padu.stop()
        lms.stop()


def test_zero_turns_the_limit_off():
    cache = MemoryCache()
    assert all(login_retry_after(cache, "192.0.2.1", 0) is None for _ in range(100))


def test_the_window_is_one_minute_and_retry_after_says_until_its_end():
    cache = MemoryCache()
    assert login_retry_after(cache, "192.0.2.1", 1, now=600.0) is None
    assert login_retry_after(cache, "192.0.2.1", 1, now=615.2) == 45
    assert login_retry_after(cache, "192.0.2.1", 1, now=660.0) is None  # the next minute


def test_ipv6_addresses_count_per_64_block():
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("::ffff:192.0.2.5") == client_key("192.0.2.5") == "192.0.2.5"
    assert client_key(None) == client_key("not an address") == "unknown"


def test_the_memory_counter_sweeps_expired_windows():
    cache = MemoryCache(max_entries=5)
    for n in range(10):
        cache.incr(f"k{n}", ttl=-1)  # expired at once
    cache.incr("fresh", ttl=60)
    assert len(cache._items) <= 6


def test_redis_counts_across_processes(redis_url):
    first, second = RedisCache(redis_url, prefix="padu-test-rate:"), RedisCache(redis_url, prefix="padu-test-rate:")
    first.delete("rate:login:192.0.2.9:1")
    try:
        assert login_retry_after(first, "192.0.2.9", 2, now=60.5) is None
        assert login_retry_after(second, "192.0.2.9", 2, now=61.0) is None
        assert login_retry_after(first, "192.0.2.9", 2, now=61.5) == 59
    finally:
        first.delete("rate:login:192.0.2.9:1")


def test_with_redis_down_logins_still_work_and_are_counted_in_the_process():
    """An outage of the shared counter is no reason to refuse every launch (nor to stop counting)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    cache = RedisCache(f"redis://127.0.0.1:{closed}/0")
    assert [login_retry_after(cache, "10.0.0.9", 2, now=120.0) for _ in range(3)] == [None, None, 60]
