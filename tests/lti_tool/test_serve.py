"""``padu serve`` as small agencies run it, with no proxy in front: slow phones, its log, its files.

Each test starts the real command in its own process (``tests.padu_server.ServeProcess``).
"""

from __future__ import annotations

import os
import re
import socket
import stat
import subprocess
import sys
import threading
import time

import pytest
import requests

from tests.lti_tool.conftest import Connected, populate
from tests.padu_server import REPO, ServeProcess, free_port

pytestmark = pytest.mark.slow


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


class SlowClients:
    """Sockets that send a request a few bytes at a time, every ``interval`` seconds, forever."""

    def __init__(self, port: int, interval: float = 1.0):
        self.port = port
        self.interval = interval
        self.sockets: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, daemon=True)

    def open(self, headers: int, bodies: int) -> SlowClients:
        for _ in range(headers):
            sock = socket.create_connection(("127.0.0.1", self.port))
            sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # the blank line never comes
            self.sockets.append(sock)
        for _ in range(bodies):
            sock = socket.create_connection(("127.0.0.1", self.port))
            sock.sendall(b"POST /lti/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\niss=")
            self.sockets.append(sock)
        self._thread.start()
        return self

    def _trickle(self):
        while not self._stop.wait(self.interval):
            for sock in self.sockets:
                line = b"X-Slow: 1\r\n" if sock in self.sockets[: len(self.sockets) // 2] else b"a"
                try:
                    sock.sendall(line)
                except OSError:
                    pass

    def close(self):
        self._stop.set()
        self._thread.join(5)
        for sock in self.sockets:
            sock.close()


def test_slow_clients_do_not_stall_padu_serve(tmp_path):
    """10 sockets trickling header lines and 10 trickling a POST body, with 8 request threads:
    every one of them is still sending, and ``/healthz`` answers within a second throughout."""
    padu = ServeProcess(tmp_path / "instance", threads=8)
    clients = SlowClients(padu.port).open(headers=10, bodies=10)
    try:
        time.sleep(1.5)  # the slow clients have been read from and trickled at least once
        for _ in range(4):
            started = time.monotonic()
            answer = requests.get(padu.url + "/healthz", timeout=5)
            assert answer.json() == {"status": "ok", "database": "ok", "redis": "none"}
            assert time.monotonic() - started < 1.0
            time.sleep(0.5)
    finally:
        clients.close()
        padu.stop()


def test_the_access_log_has_the_requests_but_no_session_or_registration_token(tmp_path, lms):
    padu = ServeProcess(tmp_path / "instance", embedded_worker=True)
    try:
        connected = Connected(lms, padu, populate(lms, padu))
        browser, landing = connected.launch("4")
        assert landing.status_code == 200
        token = re.search(r"[?&]s=([^&\"#]+)", landing.url).group(1)
        browser.session.get(landing.url, timeout=10)  # the page again, by its address (a reload)
        browser.session.get(padu.url + "/lti/config", params={"s": token, "page": "2"}, timeout=10)
        browser.session.get(padu.url + "/lti/register", timeout=10,
                            params={"openid_configuration": lms.url + "/missing", "registration_token": "reg-SECRET-1"})
        deadline = time.monotonic() + 10
        while "GET /lti/register?" not in padu.output() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        padu.stop()
    log = padu.output()
    assert token not in log and token.split(".")[0] not in log
    assert "reg-SECRET-1" not in log
    assert re.search(r'"GET /a/\d+\?s=REDACTED HTTP/1.1" 200', log), log[-3000:]
    assert '"GET /lti/config?s=REDACTED&page=2 HTTP/1.1" 200' in log
    assert "registration_token=REDACTED" in log
    # The banner with the values to paste into Moodle is still printed, and the grade worker ran.
    assert f"{padu.url}/lti/register" in log
    assert re.search(r"worker \S+ started", log)


def test_a_fresh_data_dir_is_private_whatever_the_umask(tmp_path):
    data_dir = tmp_path / "instance"
    padu = ServeProcess(data_dir, umask=0)
    padu.stop()
    assert _mode(data_dir) == 0o700
    assert _mode(data_dir / "padu.sqlite3") == 0o600
    assert _mode(data_dir / "secret_key") == 0o600
    assert _mode(data_dir / "uploads") == 0o700
    for companion in ("padu.sqlite3-wal", "padu.sqlite3-shm"):
        if (data_dir / companion).exists():
            assert _mode(data_dir / companion) == 0o600
    assert "made private" not in padu.output()


def test_a_data_dir_left_readable_is_made_private_on_start_and_logged(tmp_path):
    data_dir = tmp_path / "instance"
    ServeProcess(data_dir).stop()
    for path, mode in [(data_dir, 0o755), (data_dir / "padu.sqlite3", 0o644), (data_dir / "secret_key", 0o644),
                       (data_dir / "uploads", 0o777)]:
        os.chmod(path, mode)
    (data_dir / "keys").mkdir(mode=0o755)
    os.chmod(data_dir / "keys", 0o755)
    padu = ServeProcess(data_dir)
    padu.stop()
    assert _mode(data_dir) == 0o700
    assert _mode(data_dir / "padu.sqlite3") == 0o600
    assert _mode(data_dir / "secret_key") == 0o600
    assert _mode(data_dir / "uploads") == 0o700
    assert _mode(data_dir / "keys") == 0o700
    log = padu.output()
    assert f"{data_dir}: 0755 -> 0700" in log
    assert f"{data_dir / 'padu.sqlite3'}: 0644 -> 0600" in log
    assert f"{data_dir / 'uploads'}: 0777 -> 0700" in log


def test_gunicorn_with_padus_conf_logs_no_token_and_keeps_no_shared_control_socket(tmp_path):
    """The scale-out command of the README: its access log is redacted, and two of them on one
    host do not share (and delete) one control socket under the user's home."""
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PADU_") and k != "XDG_RUNTIME_DIR"}
    env.update(HOME=str(home), PYTHONPATH=str(REPO), PADU_DATA_DIR=str(tmp_path / "instance"),
               PADU_EMBEDDED_WORKER="false", PADU_SECRET_KEY="gunicorn-test-secret-0123456789abcdef")
    servers = []
    try:
        for n in range(2):
            port = free_port()
            log = open(tmp_path / f"gunicorn-{n}.log", "wb")
            process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "python:lti_tool.gunicorn_conf", "-w", "1", "-k", "gthread",
                 "--threads", "2", "-b", f"127.0.0.1:{port}", "lti_tool.wsgi:app"],
                env=dict(env, PADU_BASE_URL=f"http://127.0.0.1:{port}"), cwd=REPO, stdout=log,
                stderr=subprocess.STDOUT)
            servers.append((process, port, log))
            deadline = time.monotonic() + 30
            while True:
                try:
                    requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
                    break
                except requests.RequestException:
                    assert time.monotonic() < deadline and process.poll() is None, \
                        (tmp_path / f"gunicorn-{n}.log").read_text()
                    time.sleep(0.2)
        process, port, _log = servers[0]
        answer = requests.get(f"http://127.0.0.1:{port}/healthz", params={"s": "tok-SECRET-2", "x": "1"},
                              headers={"Referer": f"http://127.0.0.1:{port}/a/1?s=tok-SECRET-3"}, timeout=5)
        assert answer.status_code == 200
        assert not (home / ".gunicorn").exists()
    finally:
        for process, _port, log in servers:
            process.terminate()
            process.wait(15)
            log.close()
    output = (tmp_path / "gunicorn-0.log").read_text()
    assert "GET /healthz?s=REDACTED&x=1 HTTP/1.1" in output, output[-2000:]
    assert "SECRET" not in output
