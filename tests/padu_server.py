"""Padu served over real HTTP on 127.0.0.1, for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
from werkzeug.serving import make_server

from activities.db import Base, make_engine, make_session_factory
from config import load_settings
from lti_tool.migrations import load_models

#: The test platforms listen on 127.0.0.1 and random ports, which Padu refuses by default.
LOOPBACK_ALLOWED = {"outbound_allow_hosts": "127.0.0.1", "outbound_allow_ports": "*"}
#: The same, for a Padu process started with environment variables.
LOOPBACK_ALLOWED_ENV = {f"PADU_{name.upper()}": value for name, value in LOOPBACK_ALLOWED.items()}


class PaduServer:
    """Padu's Flask app behind a threaded WSGI server on an ephemeral port.

    The port is bound before the app is made, because the app's base URL (every
    URL Padu hands out) must name it.
    """

    def __init__(self, data_dir: Path, host: str = "127.0.0.1", **overrides):
        self._app = None
        self._server = make_server(host, 0, self._dispatch, threaded=True)
        self.host = host
        self.port = self._server.server_port
        self.url = f"http://{host}:{self.port}"
        overrides.setdefault("embedded_worker", False)
        overrides.setdefault("base_url", self.url)
        for name, value in LOOPBACK_ALLOWED.items():
            overrides.setdefault(name, value)
        self.settings = load_settings(environ={}, data_dir=data_dir, **overrides)
        from lti_tool.app import create_app

        self.app = create_app(self.settings)
        load_models()
        Base.metadata.create_all(self.runtime.engine)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="padu-http")

    def _dispatch(self, environ, start_response):
        return self.app(environ, start_response)

    @property
    def runtime(self):
        return self.app.extensions["padu"]

    def session(self):
        """A database session on Padu's database, for assertions and setup."""
        return self.runtime.session_factory()

    def start(self) -> PaduServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.runtime.engine.dispose()


REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_health(url: str, process: subprocess.Popen, seconds: float) -> requests.Response | None:
    """The first 200 answer of ``url``'s /healthz while ``process`` runs, within ``seconds``; None if none came.

    A refused connection, or one a master process accepted before a worker is up
    (a read timeout), means "still starting" on a loaded machine.
    """
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            answer = requests.get(url + "/healthz", timeout=10)
            if answer.status_code == 200:
                return answer
        except requests.RequestException:
            pass
        time.sleep(0.2)
    return None


class ServeProcess:
    """``padu serve`` as an agency starts it: its own process, on a free port, output to a file.

    Runs this worktree's code (``PYTHONPATH``), not whatever ``padu`` is installed.
    ``processes`` is ``--processes`` (default: the command's own, one per core).
    ``umask`` sets the process's umask before it starts, as an operator's shell would.
    """

    def __init__(self, data_dir: Path, *, umask: int | None = None, threads: int = 8, processes: int | None = None,
                 **env):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.log_path = data_dir.parent / f"serve-{self.port}.log"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PADU_")}
        self.env.update(PADU_DATA_DIR=str(data_dir), PADU_BASE_URL=self.url, PYTHONPATH=str(REPO),
                        PADU_EMBEDDED_WORKER="false", **LOOPBACK_ALLOWED_ENV)
        self.env.update({f"PADU_{k.upper()}": str(v) for k, v in env.items()})
        self._engine = None
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "lti_tool.cli", "serve", "--port", str(self.port), "--threads", str(threads),
                 *(["--processes", str(processes)] if processes else [])],
                env=self.env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                preexec_fn=None if umask is None else (lambda: os.umask(umask)),
            )
        if wait_for_health(self.url, self.process, 40) is not None:
            return
        self.stop()
        raise RuntimeError("padu serve did not start:\n" + self.output()[-3000:])

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    def session(self):
        """A database session on the served database (made on first use, after the server made it)."""
        if self._engine is None:
            self._engine = make_engine(load_settings(environ=self.env).sqlalchemy_url)
        return make_session_factory(self._engine)()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._engine is not None:
            self._engine.dispose()
