"""LTI endpoints: OIDC login, launch, JWKS, health, and the values for manual registration."""

from __future__ import annotations

import logging

from flask import Blueprint, jsonify, render_template, request, url_for
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .. import activity_types
from ..app import csrf
from ..first_page import first_page
from ..lti1p3 import keys
from ..lti1p3.commits import commit_without_disk_wait
from ..lti1p3.exceptions import LtiError
from ..lti1p3.launch import DEEP_LINKING_REQUEST, describe, refuse, verify_launch
from ..lti1p3.oidc import begin_login
from ..lti1p3.presentation import TARGET_KEY, document_target
from ..moodle import sync as moodle_sync
from ..rate_limit import login_retry_after
from ..responses import bare_redirect
from ..runtime import current, db
from ..sessions import COOKIE_NAME, set_cookie, start_session, token_for

log = logging.getLogger(__name__)
bp = Blueprint("lti", __name__)


@bp.route("/lti/login", methods=["GET", "POST"])
@csrf.exempt
def login():
    runtime = current()
    wait = login_retry_after(runtime.cache, request.remote_addr, runtime.settings.login_rate_per_minute)
    if wait is not None:
        log.warning("login initiation refused: more than %d a minute from %s",
                    runtime.settings.login_rate_per_minute, request.remote_addr)
        return render_template("too_many_logins.html"), 429, {"Retry-After": str(wait)}
    params = request.form if request.method == "POST" else request.args
    # ``db``, not ``db()``: the request's session is made only if the platform is not cached.
    return bare_redirect(begin_login(runtime.engine, db, runtime.settings, params), 302)


@bp.route("/lti/launch", methods=["POST"])
@csrf.exempt
def launch():
    # One transaction: who launched, the session and the state used up (its nonce recorded;
    # on PostgreSQL a relaunch is all one statement; see start_session).
    runtime, session = current(), db()  # each is a look-up through Flask's context: once here
    verified = verify_launch(session, runtime.settings, runtime.platform_keys, request.form)
    try:
        # TARGET_KEY: kept for the pages' "back to the course" link (presentation.py).
        row = start_session(verified, known_kinds=activity_types.known_kinds(),
                            data={TARGET_KEY: document_target(verified.claim("launch_presentation"))})
    except LtiError:
        # Refused (no role Padu knows, or a concurrent launch used the state or the nonce
        # first): nothing of it is kept but its state, used up.
        refuse(session, verified)
        raise
    # Gates open without anyone waiting on Moodle: the launch only queues a sync of the course.
    moodle_sync.after_launch(session, runtime.cache, row.course_id, row.platform_id, connected=row.moodle_connected)
    commit_without_disk_wait(session)  # see commits.py: what a lost launch costs, and why not wait
    if log.isEnabledFor(logging.INFO):  # describe() costs a JSON dump: only when it is written
        log.info("launch accepted: %s", describe(verified.claims))
    token = token_for(row)
    if verified.message_type == DEEP_LINKING_REQUEST:
        location = url_for("deep_linking.choose", s=token)
    else:
        # Straight to a set-up activity's own page: the hop through ``setup.open_activity`` would be
        # one more request made for the first page (first_page.py follows it), or, after a 303, a
        # round trip of its own on a phone's weak connection.
        activity_type = activity_types.get(row.activity_kind or "")
        endpoint = activity_type.home_endpoint if activity_type is not None else "setup.open_activity"
        location = url_for(endpoint, activity_id=row.activity_id, s=token)
    # The page itself, not a 303 to it: one round trip fewer (first_page.py). Should the page not
    # be made (an outage met it), the 303: the browser asks for it where a reload can retry.
    response = first_page(location, (COOKIE_NAME, token)) or bare_redirect(location, 303)
    # A launch is the one moment the browser's owner is known: it may replace any cookie.
    set_cookie(response, token)
    return response


@bp.get("/.well-known/jwks.json")
def jwks():
    response = jsonify(keys.jwks(db()))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


@bp.get("/healthz")
def healthz():
    """The database and Redis, each ``ok`` or ``unreachable`` (Redis ``none`` when not configured).

    Without the database Padu can do nothing: 503, and a load balancer takes the
    instance out. Without Redis it serves on (the caches fall back to each
    process's memory, see ``cache.py``): 200 with ``status: degraded``, so that
    a Redis outage does not take every instance out, yet monitoring sees it.
    """
    report = {"status": "ok", "database": "ok", "redis": "none"}
    try:
        db().execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        log.error("health check: database does not answer: %s", error)
        report["database"] = "unreachable"
    ping = getattr(current().cache, "ping", None)
    if ping is not None:
        report["redis"] = "ok" if ping() else "unreachable"
    if report["database"] != "ok":
        return jsonify(report | {"status": "error"}), 503
    if report["redis"] == "unreachable":
        log.error("health check: Redis does not answer")
        report["status"] = "degraded"
    return jsonify(report)


def tool_values() -> dict[str, str]:
    """What an admin pastes into Moodle's manual LTI 1.3 tool form."""
    settings = current().settings
    return {
        "tool_url": settings.url("/lti/launch"),
        "login_url": settings.url("/lti/login"),
        "redirect_uris": settings.url("/lti/launch"),
        "keyset_url": settings.url("/.well-known/jwks.json"),
        "registration_url": settings.url("/lti/register"),
        "deep_linking_url": settings.url("/lti/launch"),
    }


@bp.get("/")
@bp.get("/lti/config")
def config_values():
    """What an admin needs to connect a Moodle; also Padu's front page."""
    return render_template("config_values.html", values=tool_values())
