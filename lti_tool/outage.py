"""The database is away: a 503 page from Padu, made without touching the database.

When PostgreSQL restarts or is unreachable, a request fails wherever it first
needs the database: opening the launch session (before any view runs), the
view, or saving the session. Each of those used to end in gunicorn's bare
"Internal Server Error", because the error page itself needed the database (the
header's course and person, the launch's platform for the way back, the CSRF
token saved into the session).

Here the failure is recognised (:func:`is_database_outage`), the request is
marked (``g.database_unavailable``: the layout's context processor and the
session saving then leave the database alone) and answered with ``503`` and
``Retry-After``. The page offers the way back to the course from what is known
without the database: the launch session's return URL if the session was read
before the outage, else the return URL of the launch being posted, read without
verification and used only on the origin of a platform this process already
knows (``frame_ancestors.PlatformOrigins``); never another site.

Recovery needs no restart: the engine pings a pooled connection before use
(``activities.db.make_engine``) and drops the dead ones, so the first request
after the database is back gets a fresh connection.
"""

from __future__ import annotations

import logging

import jwt
from flask import g, render_template, request, session
from flask.globals import request_ctx
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException

from activities.db import loaded

from .frame_ancestors import PlatformOrigins
from .frame_ancestors import origin as csp_origin
from .lti1p3.launch import CLAIM, MAX_TOKEN_BYTES
from .lti1p3.presentation import TARGET_KEY, ReturnLink, return_link
from .sessions import LaunchSessionData, LaunchSessionInterface

log = logging.getLogger(__name__)

#: Seconds a client is asked to wait: a PostgreSQL restart or failover takes a few.
RETRY_AFTER_SECONDS = 10
#: Causes followed at most, looking for the database error behind another one.
_MAX_CHAIN = 8


def is_database_outage(error: BaseException | None) -> bool:
    """Whether ``error`` (or what caused it) says the database cannot be reached or used now.

    An ``OperationalError`` is the driver's "connection refused / closed /
    terminated / server shutting down" (also SQLite's "database is locked");
    a pool ``TimeoutError`` means no connection could be had in time; any
    error after which SQLAlchemy invalidated the connection is a lost connection.
    Programming errors and integrity errors are not outages.
    """
    seen = 0
    while error is not None and seen < _MAX_CHAIN:
        if isinstance(error, sa_exc.OperationalError | sa_exc.TimeoutError | sa_exc.DisconnectionError):
            return True
        if isinstance(error, sa_exc.DBAPIError) and error.connection_invalidated:
            return True
        original = getattr(error, "original_exception", None)  # werkzeug's InternalServerError
        error = original if isinstance(original, BaseException) else (error.__cause__ or error.__context__)
        seen += 1
    return False


class OutageAwareSessions(LaunchSessionInterface):
    """Launch sessions whose opening, when the database is away, fails in the view's place.

    Flask opens the session before it matches the URL or runs any hook, and an
    error there skips the request's normal handling. So the error is kept and
    :func:`raise_session_outage`, the first ``before_request`` hook, raises it
    again: the request then fails as any view does, into the 503 handler, and
    before the CSRF check could call the empty session's form expired.
    """

    def open_session(self, app, request):
        try:
            return super().open_session(app, request)
        except sa_exc.SQLAlchemyError as error:
            if not is_database_outage(error):
                raise
            g.session_outage = error
            return LaunchSessionData()


def raise_session_outage() -> None:
    error = g.pop("session_outage", None)
    if error is not None:
        raise error


def unavailable_page(platform_origins: PlatformOrigins):
    """The 503 answer (body, status, headers); marks the request so nothing else asks the database."""
    g.database_unavailable = True
    if getattr(request_ctx, "_session", False) is None:
        # A session interface failed without OutageAwareSessions' care: the
        # layout still needs a session to read (flashed messages, the CSRF token).
        request_ctx._session = LaunchSessionData()
    elif getattr(session, "launch", None) is not None:
        session.modified = False  # nothing of this request is saved
    log.warning("database unavailable: 503 for %s %s", request.method, request.path)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        return {"error": "Service Unavailable", "detail": "the database cannot be reached"}, 503, headers
    page = render_template("unavailable.html", return_link=_way_back(platform_origins),
                           retry_after=RETRY_AFTER_SECONDS)
    return page, 503, headers


def _way_back(platform_origins: PlatformOrigins) -> ReturnLink | None:
    launch = getattr(session, "launch", None)
    if launch is not None:
        platform_id, return_url = loaded(launch, "platform_id"), loaded(launch, "return_url")
        if platform_id is None:
            return None
        issuer = next(iter(platform_origins.known(platform_id)), None)
        return return_link(return_url, issuer or "", str(session.get(TARGET_KEY, "")))
    if request.method == "POST" and request.path == "/lti/launch":
        return _from_unverified_launch(platform_origins)
    return None


def _from_unverified_launch(platform_origins: PlatformOrigins) -> ReturnLink | None:
    """The posted id_token's return URL, if it is on a known platform's origin.

    The token cannot be verified without the database (the platform's keys are
    found through it), so nothing of it is trusted but a link to a site Padu
    already frames: a forged token can only point at a registered Moodle.
    """
    try:
        token = request.form.get("id_token") or ""
    except HTTPException:  # a form too large or malformed: no way back from it
        return None
    if not token or len(token) > MAX_TOKEN_BYTES:
        return None
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.exceptions.InvalidTokenError:
        return None
    issuer = claims.get("iss") if isinstance(claims, dict) else None
    issuer_origin = csp_origin(issuer if isinstance(issuer, str) else None)
    if issuer_origin is None or issuer_origin not in platform_origins.known_all():
        return None
    presentation = claims.get(CLAIM + "launch_presentation")
    if not isinstance(presentation, dict):
        return None
    target = presentation.get("document_target")
    return return_link(presentation.get("return_url"), issuer_origin, target if isinstance(target, str) else "")
