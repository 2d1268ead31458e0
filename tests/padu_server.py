"""Padu served over real HTTP on 127.0.0.1, for end-to-end tests."""

from __future__ import annotations

import threading
from pathlib import Path

from werkzeug.serving import make_server

from activities.db import Base
from config import load_settings
from lti_tool.migrations import load_models


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
        # The test platforms listen on 127.0.0.1 and random ports, which Padu refuses by default.
        overrides.setdefault("outbound_allow_hosts", "127.0.0.1")
        overrides.setdefault("outbound_allow_ports", "*")
        self.settings = load_settings(environ={}, data_dir=data_dir, base_url=self.url, **overrides)
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

    def start(self) -> "PaduServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.runtime.engine.dispose()
