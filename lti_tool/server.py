"""``padu serve``: waitress in one process, with the worker as a thread.

Small agencies run this with no proxy in front, facing phones on slow mobile
links. waitress reads each request (headers and body) in its asynchronous
loop and hands it to a worker thread only once it has arrived whole, so
clients that trickle a header line or a body every few seconds hold a socket,
not a thread: ``/healthz`` and every other page keep answering. (gunicorn's
threaded worker gives a thread to each connection that is still sending; ten
such clients stalled it for 27 s.) It is one process with threads for now;
several hosts or processes go through gunicorn behind a buffering proxy, see
README "Behind HTTPS, and scaling out".

waitress keeps no control socket and logs no requests; :class:`AccessLog`
writes Padu's own request lines, with the session tokens redacted.
"""

from __future__ import annotations

import logging
import threading

from waitress import serve as waitress_serve

from config import Settings

from .access_log import AccessLog

log = logging.getLogger(__name__)

#: Seconds an idle or trickling connection may stay silent before waitress closes it.
CHANNEL_TIMEOUT = 60
#: Open connections at most; more wait in the listen backlog.
CONNECTION_LIMIT = 200


def build(settings: Settings):
    """The WSGI callable ``padu serve`` runs: Padu, its access log, and (if wanted) the worker."""
    from .app import create_app

    app = create_app(settings)
    if settings.embedded_worker:
        from .worker import run_forever

        thread = threading.Thread(target=run_forever, args=(app.extensions["padu"],), name="worker",
                                  daemon=True)
        thread.start()
    return AccessLog(app)


def serve(settings: Settings, *, host: str, port: int, threads: int = 8) -> None:
    app = build(settings)
    waitress_serve(
        app,
        host=host,
        port=port,
        threads=threads,
        ident="Padu",
        channel_timeout=CHANNEL_TIMEOUT,
        connection_limit=CONNECTION_LIMIT,
        # The app refuses larger bodies with a 413 page; waitress stops reading
        # well before a body could fill the disk.
        max_request_body_size=settings.max_upload_bytes + 1024 * 1024,
        # X-Forwarded-* are read by the app's ProxyFix (PADU_PROXY_COUNT), not here.
        clear_untrusted_proxy_headers=False,
    )
