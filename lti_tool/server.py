"""``padu serve``: gunicorn in one process, with the grade worker as a thread.

gunicorn rather than Flask's development server, because this is what agencies
run: it handles slow phone connections with threads and restarts a crashed
worker. The outbox thread starts inside the worker process, after the fork.
"""

from __future__ import annotations

import threading

from gunicorn.app.base import BaseApplication

from config import Settings


class _Padu(BaseApplication):
    def __init__(self, settings: Settings, options: dict):
        self._settings = settings
        self._options = options
        super().__init__()

    def load_config(self):
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self):
        from .app import create_app

        app = create_app(self._settings)
        if self._settings.embedded_worker:
            from .grade_worker import run_forever

            thread = threading.Thread(target=run_forever, args=(app.extensions["padu"],), name="grade-worker",
                                      daemon=True)
            thread.start()
        return app


def serve(settings: Settings, *, host: str, port: int, threads: int = 8) -> None:
    options = {
        "bind": f"{host}:{port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 60,
        "accesslog": "-",
        "forwarded_allow_ips": "*" if settings.proxy_count else "127.0.0.1",
    }
    _Padu(settings, options).run()
