"""The URL an admin pastes into Moodle's "Tool URL" box."""

from __future__ import annotations

import logging

from flask import Blueprint, render_template, request

from ..registration import register as register_platform
from ..runtime import current, db

log = logging.getLogger(__name__)
bp = Blueprint("registration", __name__)


@bp.get("/lti/register")
def register():
    config_url = request.args.get("openid_configuration", "")
    if not config_url:
        # Opened by hand: explain what this URL is for instead of failing.
        return render_template("register_help.html"), 200
    runtime = current()
    platform = register_platform(db(), runtime.settings, runtime.http, config_url,
                                 request.args.get("registration_token"))
    log.info("dynamic registration: %s client_id=%s deployments=%s", platform.issuer, platform.client_id,
             platform.deployment_ids)
    return render_template("register_done.html", platform=platform)
