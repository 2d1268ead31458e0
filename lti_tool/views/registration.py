"""The URL an admin pastes into Moodle's "Tool URL" box.

``/lti/register/<code>`` is a one-time invitation made with ``padu platform
invite``; plain ``/lti/register`` registers only when ``PADU_OPEN_REGISTRATION``
is on. Who may register is checked before Padu fetches anything: a refused
caller cannot make Padu send a single request (see invitations.py).
"""

from __future__ import annotations

import logging

from flask import Blueprint, render_template, request

from ..logsafe import clean
from ..lti1p3 import invitations
from ..lti1p3.exceptions import LtiError
from ..lti1p3.registration import register as register_platform
from ..runtime import current, db

log = logging.getLogger(__name__)
bp = Blueprint("registration", __name__)


@bp.errorhandler(LtiError)
def _refused(error: LtiError):
    # The reason holds the platform's own words: for the log, escaped; the page says what to do.
    log.warning("dynamic registration refused (%s): %s", error.code, clean(error.reason, 500))
    return render_template("register_failed.html", code=error.code, status=error.status), error.status


@bp.get("/lti/register")
def register():
    if not current().settings.open_registration:
        log.info("dynamic registration without an invitation refused; openid_configuration=%s",
                 clean(request.args.get("openid_configuration", "")))
        return render_template("register_closed.html", reason="closed"), 403
    return _register(invite_id=None)


@bp.get("/lti/register/<code>")
def register_invited(code: str):
    invite = invitations.find_usable(db(), code)
    if invite is None:
        log.info("dynamic registration with an unknown, used or expired invitation refused; "
                 "openid_configuration=%s", clean(request.args.get("openid_configuration", "")))
        return render_template("register_closed.html", reason="invalid"), 410
    invite_id = invite.id
    db().rollback()  # no transaction held open while Padu waits on the platform; consume() re-checks
    return _register(invite_id=invite_id)


def _register(invite_id: int | None):
    config_url = request.args.get("openid_configuration", "")
    if not config_url:
        # Opened by hand: explain what this URL is for instead of failing.
        return render_template("register_help.html"), 200
    runtime = current()
    log.info("dynamic registration started: openid_configuration=%s invitation=%s", clean(config_url), invite_id)
    platform = register_platform(db(), runtime.settings, runtime.http, config_url,
                                 request.args.get("registration_token"), invite_id=invite_id)
    log.info("dynamic registration: %s client_id=%s deployments=%s invitation=%s", clean(platform.issuer),
             clean(platform.client_id), clean(",".join(platform.deployment_ids)), invite_id)
    return render_template("register_done.html", platform=platform)
