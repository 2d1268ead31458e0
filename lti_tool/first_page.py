"""A launch answered with its first page, rather than a redirect to it: one round trip fewer.

A launch from Moodle is a chain of round trips: Moodle's launch page, Padu's login,
Moodle's authorisation page, the launch POST. On a phone's weak connection each costs
hundreds of milliseconds, and the 303 from the POST to the first page was one more.
The launch now answers its POST with the page that 303 led to, made exactly as the
GET would make it: in a request context of its own (its launch session opened from
the token the URL carries, the view, every hook), so that nothing of the POST (its
method, its form, its ``g``) reaches the page.

What the 303 also gave, a reload that asks for the page again instead of posting the
used id_token once more (refused), the page keeps with one line of script: it puts
its own address in the browser's history (``history.replaceState``), so the address
bar, a reload and a link shared from it name the page, not ``/lti/launch``. Moodle's
own launch and authorisation pages submit themselves by script, so a browser that got
this far runs scripts. The script is inline, allowed by its hash in the
Content-Security-Policy (``app.py``): an external file would cost the round trip saved.

The app's own redirects on the way are followed, as the browser would (a readiness
check's home sends a learner on to its intro). Anything else but a 200 (a 4xx, the 503
of an outage) is left to the GET: the launch then answers with the 303 as before, and
the browser meets that answer where a reload can retry it.
"""

from __future__ import annotations

import base64
import hashlib
import io

from flask import Response, current_app, request

#: The ``environ`` key that tells the page's templates it answers a launch: the page's own URL.
ENVIRON_KEY = "padu.first_page_url"
#: What the page runs (``base.html``): its URL, from the script element's ``data-url``.
SCRIPT = 'history.replaceState(null, "", document.currentScript.dataset.url);'
#: The CSP source that allows :data:`SCRIPT` and nothing else inline (CSP Level 2, hash-source).
SCRIPT_HASH_SOURCE = "'sha256-" + base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode() + "'"

#: Redirects of the app's own followed to the page, at most (a browser follows 20).
MOST_REDIRECTS = 2
_REDIRECTS = (301, 302, 303, 307, 308)
#: Request headers that belong to the POST, not to the GET a browser would send after it.
_POST_ONLY = ("CONTENT_TYPE", "HTTP_ORIGIN", "HTTP_COOKIE", "werkzeug.request")


def first_page(location: str, cookie: tuple[str, str]) -> Response | None:
    """The page at ``location`` (a URL of this app, as ``url_for`` makes it) if it answers 200,
    following the app's own redirects (a readiness check's home sends on to its intro) as the
    browser would; None for anything else.

    ``cookie`` is the launch session's (name, value): the GET after a 303 would carry it,
    so the page sees it and does not set it again (the launch's answer sets it).
    """
    for _hop in range(MOST_REDIRECTS + 1):
        response = _get(location, cookie)
        target = response.headers.get("Location", "")
        if response.status_code not in _REDIRECTS or not target.startswith("/") or target.startswith("//"):
            break
        location = target
    return response if response.status_code == 200 else None


def _get(location: str, cookie: tuple[str, str]) -> Response:
    """What a GET of ``location`` by this browser answers, made in a request context of its own."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # werkzeug's proxy
    path, _, query = location.partition("?")
    environ = {key: value for key, value in request.environ.items() if key not in _POST_ONLY}
    environ.update({
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path.removeprefix(request.script_root),
        "QUERY_STRING": query,
        "CONTENT_LENGTH": "0",
        "wsgi.input": io.BytesIO(),
        "HTTP_COOKIE": f"{cookie[0]}={cookie[1]}",
        ENVIRON_KEY: location,
    })
    # A context of its own: the launch's ``g`` (its database session, its flags) stays the launch's.
    with app.app_context(), app.request_context(environ):
        return app.full_dispatch_request()


def url_answered() -> str | None:
    """For templates: the page's own URL if it answers a launch (:func:`first_page`), else None."""
    return request.environ.get(ENVIRON_KEY)
