"""Redis away: launches go on, /healthz says so, login states stay single-use.

Redis only caches (platform keys, access tokens, roster-refresh marks, login
counters); a login state is signed, and the used nonces that use states up are
database rows. Redis is made
unavailable two ways without stopping the machine's server: a URL naming a
closed port, and a TCP proxy in front of the real Redis cut in the middle of a run.
"""

from __future__ import annotations

import secrets

import jwt
import requests
from sqlalchemy.engine import make_url

from lti_tool.cache import RedisCache
from tests.lms import LtiBrowser
from tests.lti_tool.conftest import Connected, populate, signed_state
from tests.padu_server import PaduServer, free_port
from tests.tcp_proxy import TcpProxy


def closed_port_url() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingRedis:
    """The real client, counting the calls that reach it."""

    def __init__(self, real) -> None:
        self._real = real
        self.calls = 0

    def __getattr__(self, name):
        self.calls += 1
        return getattr(self._real, name)


def test_without_redis_the_cache_keeps_values_in_the_process():
    cache = RedisCache(closed_port_url())
    cache.set("jwks:https://lms/certs", {"keys": []}, 60)
    assert cache.get("jwks:https://lms/certs") == {"keys": []}, "fetched once per process, not once per launch"
    assert cache.add("roster:1", 1, 60) is True
    assert cache.add("roster:1", 1, 60) is False, "deduplicated within the process"
    assert [cache.incr("rate:x", 60) for _ in range(3)] == [1, 2, 3]
    cache.delete("jwks:https://lms/certs")
    assert cache.get("jwks:https://lms/certs") is None
    assert cache.ping() is False


def test_after_a_failure_redis_is_left_alone_for_a_pause():
    clock = Clock()
    cache = RedisCache(closed_port_url(), clock=clock)
    counting = CountingRedis(cache._redis)
    cache._redis = counting
    assert cache.get("a") is None
    assert counting.calls == 1
    for _ in range(20):
        cache.set("a", 1, 60)
        cache.get("a")
        cache.incr("n", 60)
    assert counting.calls == 1, "a hanging Redis would cost a timeout per request"
    clock.now += RedisCache.RETRY_SECONDS
    cache.get("a")
    assert counting.calls == 2, "asked again after the pause"


def test_a_cut_redis_connection_falls_back_and_comes_back(redis_url):
    url = make_url(redis_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 6379)
    try:
        cache = RedisCache(f"redis://{proxy.address}/{url.database or 0}", prefix=f"padu-test-{secrets.token_hex(6)}:")
        cache.set("k", "shared", 60)
        assert cache.get("k") == "shared"
        proxy.cut()
        assert cache.get("k") is None  # not in this process's memory: fetched again by the caller
        cache.set("k", "local", 60)
        assert cache.get("k") == "local"
        proxy.restore()
        assert cache.ping() is True, "the health check asks at once and ends the pause"
        assert cache.get("k") == "shared"
    finally:
        proxy.stop()


def _replays_are_refused(connected: Connected, lms) -> None:
    """A launch goes through; the same form again, and its nonce under a fresh state, are refused."""
    padu = connected.padu
    browser = LtiBrowser()
    action, fields = browser.login_and_authorize(lms, connected.client_id, "4", resource_link_id="1",
                                                 tool_login_url=padu.url + "/lti/login",
                                                 target_link_uri=padu.url + "/lti/launch")
    assert browser.session.post(action, data=fields).status_code == 200
    replay = requests.post(action, data=fields)
    assert replay.status_code == 400 and "state_invalid" in replay.text
    # The nonce again under a state of its own (as a platform replaying a token would need):
    # the used nonce is a database row, whatever Redis does.
    nonce = jwt.decode(fields["id_token"], options={"verify_signature": False})["nonce"]
    reused = requests.post(action, data={"id_token": fields["id_token"], "state": signed_state(padu, nonce)})
    assert reused.status_code == 400 and "state_invalid" in reused.text


def test_launches_with_redis_on_a_closed_port(tmp_path, lms):
    padu = PaduServer(tmp_path / "padu", redis_url=closed_port_url()).start()
    try:
        connected = Connected(lms, padu, populate(lms, padu))
        for user in ("3", "4", "5", "4"):
            _browser, page = connected.launch(user)
            assert page.status_code == 200
        health = requests.get(padu.url + "/healthz")
        assert health.status_code == 200
        assert health.json() == {"status": "degraded", "database": "ok", "redis": "unreachable"}
        _replays_are_refused(connected, lms)
    finally:
        padu.stop()


def test_redis_cut_in_the_middle_of_a_run(tmp_path, lms, redis_url):
    url = make_url(redis_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 6379)
    # Other tests share this Redis: no login counter of theirs may limit these launches.
    padu = PaduServer(tmp_path / "padu", redis_url=f"redis://{proxy.address}/{url.database or 0}",
                      login_rate_per_minute=0).start()
    try:
        connected = Connected(lms, padu, populate(lms, padu))
        assert connected.launch("4")[1].status_code == 200
        assert requests.get(padu.url + "/healthz").json() == {"status": "ok", "database": "ok", "redis": "ok"}

        proxy.cut()
        for user in ("3", "4", "5"):
            assert connected.launch(user)[1].status_code == 200
        assert requests.get(padu.url + "/healthz").json()["redis"] == "unreachable"
        _replays_are_refused(connected, lms)

        proxy.restore()
        assert requests.get(padu.url + "/healthz").json() == {"status": "ok", "database": "ok", "redis": "ok"}
        assert connected.launch("5")[1].status_code == 200
    finally:
        padu.stop()
        proxy.stop()



def test_health_without_redis_configured_is_ok(padu):
    assert requests.get(padu.url + "/healthz").json() == {"status": "ok", "database": "ok", "redis": "none"}
