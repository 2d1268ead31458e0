"""gunicorn settings for Padu scaled out behind a proxy (README "Behind HTTPS, and scaling out").

    gunicorn -c python:lti_tool.gunicorn_conf -w 4 -k gthread --threads 8 'lti_tool.wsgi:app'

- The access log is on, with the launch-session token (``s``) and Moodle's
  ``registration_token`` redacted from every request line (see access_log.py).
- No control socket: gunicorn ≥ 25.1 opens ``~/.gunicorn/gunicorn.ctl`` by
  default, one path per user, so a second gunicorn on the host took over the
  first one's socket, and stopping it deleted it.

gunicorn gives a thread to each connection still sending its request, so slow
clients can tie up every thread: run it only behind a proxy that buffers whole
requests (nginx does by default; ``padu serve`` needs none).
"""

from __future__ import annotations

from typing import Any, cast

from gunicorn.glogging import Logger

from lti_tool.access_log import REDACTED, redact_query


class RedactingLogger(Logger):
    """gunicorn's logger, with the secret query values taken out of the access-log atoms."""

    def atoms(self, resp, req, environ, request_time):
        # types-gunicorn's TypedDict leaves out the "{header}i" keys gunicorn adds per request header.
        atoms = cast(dict[str, Any], super().atoms(resp, req, environ, request_time))
        query = redact_query(environ.get("QUERY_STRING", ""))
        path = environ.get("RAW_URI", "").split("?", 1)[0]
        atoms["q"] = query
        target = f"{path}?{query}" if query else path
        atoms["r"] = f"{environ.get('REQUEST_METHOD', '-')} {target} {environ.get('SERVER_PROTOCOL', '-')}"
        # The Referer of a page inside Padu is a Padu URL with the token in it.
        referer = atoms.get("f", "-")
        if "?" in referer:
            base, _, ref_query = referer.partition("?")
            atoms["f"] = atoms["{referer}i"] = f"{base}?{redact_query(ref_query)}"
        if "{x-padu-session}i" in atoms:
            atoms["{x-padu-session}i"] = REDACTED
        return atoms


logger_class = RedactingLogger
accesslog = "-"
control_socket_disable = True
