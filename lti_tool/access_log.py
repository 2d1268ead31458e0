"""Access-log lines without the secrets that ride in Padu's URLs.

Every link Padu renders carries the launch session token (``?s=…``, see
sessions.py), and Moodle's Dynamic Registration hands over a one-time
``registration_token`` in the query string. An access log that kept them would
let anyone who can read it act as the learner or register a platform. So the
request line is logged with those values replaced by ``REDACTED``; the rest of
the query stays, because it helps to read the log.

Used by ``padu serve`` (waitress logs no requests itself) as WSGI middleware,
and by gunicorn's logger class in ``gunicorn_conf.py``.
"""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qsl, quote

#: Query parameters whose values never reach a log.
SECRET_PARAMS = frozenset({"s", "registration_token"})
REDACTED = "REDACTED"

log = logging.getLogger("padu.access")
_SAFE = "/;=,@!$&'()*+:~-._"


def redact_query(query: str) -> str:
    """``query`` with the values of :data:`SECRET_PARAMS` replaced; other pairs kept as sent."""
    if not query:
        return query
    pairs = []
    for pair in query.split("&"):
        name = pair.split("=", 1)[0]
        if "%" in name or "+" in name:  # decoded as the application will read it
            decoded = parse_qsl(name + "=", keep_blank_values=True)
            name_read = decoded[0][0] if decoded else ""
        else:  # nothing to decode: the name as sent (every page's ``s=`` goes this way)
            name_read = name
        if name_read in SECRET_PARAMS:
            pair = f"{name}={REDACTED}"
        pairs.append(pair)
    return "&".join(pairs)


def redacted_target(environ: dict) -> str:
    """Path and redacted query of a WSGI request, as a request line shows them."""
    # WSGI strings are bytes decoded as latin-1; quoting them back keeps a line
    # free of spaces, quotes and control characters a client might send.
    raw_path = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")).encode("latin-1", "replace")
    path = quote(raw_path, safe=_SAFE)
    query = quote(redact_query(environ.get("QUERY_STRING", "")).encode("latin-1", "replace"), safe=_SAFE + "%?")
    return f"{path}?{query}" if query else path


class AccessLog:
    """WSGI middleware: one log line per request, written when the response is done.

    The time includes sending the body, which is what a slow phone experiences.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        started = time.monotonic()
        status_holder: list[str] = []
        sent = 0

        def _start_response(status, headers, exc_info=None):
            status_holder[:] = [status.split(" ", 1)[0]]
            return start_response(status, headers, exc_info)

        body = self.app(environ, _start_response)
        try:
            for chunk in body:
                sent += len(chunk)
                yield chunk
        finally:
            close = getattr(body, "close", None)
            if close is not None:
                close()
            log.info('%s "%s %s %s" %s %s %.3fs', environ.get("REMOTE_ADDR", "-"), environ.get("REQUEST_METHOD", "-"),
                     redacted_target(environ), environ.get("SERVER_PROTOCOL", "-"),
                     status_holder[0] if status_holder else "-", sent, time.monotonic() - started)
