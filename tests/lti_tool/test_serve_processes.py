"""``padu serve`` runs several serving processes on one socket under a supervising parent.

Python runs one thread at a time per process, so one process per core is what
lets a launch use the second core; the parent keeps them alive and stops them.
"""

from __future__ import annotations

import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from lti_tool.shared_counters import SharedCounters
from tests.lti_tool.conftest import Connected, populate
from tests.padu_server import ServeProcess

pytestmark = pytest.mark.slow


def _children(pid: int) -> set[int]:
    children = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        children |= {int(child) for child in (task / "children").read_text().split()}
    return children


def _wait_for(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_launches_succeed_on_every_serving_process_and_the_parent_stops_them_all(tmp_path, lms):
    padu = ServeProcess(tmp_path / "instance", processes=3, threads=2, login_rate_per_minute=0)
    try:
        assert _wait_for(lambda: len(_children(padu.process.pid)) == 3)
        children = _children(padu.process.pid)
        connected = Connected(lms, padu, populate(lms, padu))
        # Login and launch land on any process: state, nonce and session are in the database.
        statuses = [connected.launch("4")[1].status_code for _ in range(12)]
        assert statuses == [200] * 12
    finally:
        padu.stop()
    assert _wait_for(lambda: not any(Path(f"/proc/{pid}").exists() for pid in children), 10)


def test_a_serving_process_that_dies_is_replaced(tmp_path):
    padu = ServeProcess(tmp_path / "instance", processes=2, threads=2)
    try:
        assert _wait_for(lambda: len(_children(padu.process.pid)) == 2)
        victim = min(_children(padu.process.pid))
        os.kill(victim, signal.SIGKILL)
        assert _wait_for(lambda: victim not in _children(padu.process.pid) and len(_children(padu.process.pid)) == 2)
        for _ in range(6):
            assert requests.get(padu.url + "/healthz", timeout=10).json()["status"] == "ok"
        assert "starting another" in padu.output()
    finally:
        padu.stop()


def test_the_login_limit_holds_across_the_serving_processes(tmp_path):
    """Without Redis each process has its own cache; the counters are shared memory, so
    five logins a minute means five, whichever process each connection reaches."""
    padu = ServeProcess(tmp_path / "instance", processes=3, threads=2, login_rate_per_minute=5)
    try:
        assert _wait_for(lambda: len(_children(padu.process.pid)) == 3)
        # A new connection each: the kernel spreads them over the processes.
        statuses = [requests.get(padu.url + "/lti/login", timeout=10, headers={"Connection": "close"}).status_code
                    for _ in range(9)]
    finally:
        padu.stop()
    assert statuses[:5] == [400] * 5  # counted, then refused for lacking every field
    assert statuses[5:] == [429] * 4


def test_shared_counters_count_across_forked_processes_and_expire():
    counters = SharedCounters(slots=64)
    assert counters.incr("a", 60) == 1
    pid = os.fork()
    if pid == 0:
        for _ in range(3):
            counters.incr("a", 60)
        os._exit(0)
    os.waitpid(pid, 0)
    assert counters.incr("a", 60) == 5
    assert counters.incr("b", 0.05) == 1
    time.sleep(0.1)
    assert counters.incr("b", 0.05) == 1


def _toy_app(release: Path):
    """Answers its process id; ``/busy`` first waits (at most 30 s) for ``release`` to exist."""

    def app(environ, start_response):
        if environ["PATH_INFO"] == "/busy":
            (release.parent / f"busy-{os.getpid()}").touch()
            deadline = time.monotonic() + 30
            while not release.exists() and time.monotonic() < deadline:
                time.sleep(0.02)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [str(os.getpid()).encode()]

    return app


def test_a_process_whose_threads_are_all_busy_leaves_new_connections_to_the_others(tmp_path):
    """Two serving processes of one request thread on one socket: while one is busy, every
    new connection is answered by the other, none waits behind the busy request."""
    from config import load_settings
    from lti_tool.server import _waitress, listen

    release = tmp_path / "release"
    sock = listen("127.0.0.1", 0)
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    settings = load_settings(environ={}, data_dir=tmp_path / "instance")
    pids = []
    for _ in range(2):
        pid = os.fork()
        if pid == 0:
            try:
                _waitress(_toy_app(release), settings, sock, threads=1)
            finally:
                os._exit(0)
        pids.append(pid)
    try:
        answers = ThreadPoolExecutor(1).submit(requests.get, url + "/busy", timeout=40)
        assert _wait_for(lambda: list(tmp_path.glob("busy-*")))
        busy = int(next(tmp_path.glob("busy-*")).name.split("-")[1])
        others = {requests.get(url + "/", timeout=5, headers={"Connection": "close"}).text for _ in range(12)}
        assert others == {str(pid) for pid in pids} - {str(busy)}
        release.touch()
        assert answers.result().text == str(busy)
    finally:
        release.touch()
        for pid in pids:
            os.kill(pid, signal.SIGTERM)
            os.waitpid(pid, 0)
