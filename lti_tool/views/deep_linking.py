"""The teacher's "Select content" page: choose an activity type and its first settings."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from activities.core import Role

from .. import activity_types
from ..auth import current_launch, requires
from ..i18n import normalise
from ..lti1p3.deep_linking import LinkConfig, check_request, content_item, response_jwt, sign_config
from ..lti1p3.exceptions import Forbidden
from ..runtime import current, db

bp = Blueprint("deep_linking", __name__)

MAX_TITLE = 255


def _deep_link_launch():
    launch = current_launch()
    if launch.message_type != "LtiDeepLinkingRequest" or not launch.deep_linking:
        raise Forbidden("this launch is not a deep-linking request")
    return launch, check_request(launch.deep_linking)


@bp.get("/lti/deep-link")
@requires(Role.STAFF)
def choose():
    _deep_link_launch()
    return render_template("deep_link_choose.html", types=activity_types.all_types(), form={}, errors={})


def _parse(form) -> tuple[dict, dict]:
    errors = {}
    values = {
        "kind": form.get("kind", ""),
        "title": (form.get("title") or "").strip(),
        "score_maximum": (form.get("score_maximum") or "100").strip(),
    }
    if activity_types.get(values["kind"]) is None:
        errors["kind"] = _("Choose one of the activity types.")
    if not values["title"] or len(values["title"]) > MAX_TITLE:
        errors["title"] = _("Give a title of 1 to %(n)d characters.", n=MAX_TITLE)
    try:
        score = float(values["score_maximum"])
        if not 1 <= score <= 1000:
            raise ValueError
        values["score_maximum"] = score
    except ValueError:
        errors["score_maximum"] = _("The maximum score must be a number from 1 to 1000.")
    return values, errors


@bp.post("/lti/deep-link")
@requires(Role.STAFF)
def submit():
    launch, settings = _deep_link_launch()
    values, errors = _parse(request.form)
    if errors:
        return render_template("deep_link_choose.html", types=activity_types.all_types(), form=values,
                               errors=errors), 400
    # No activity yet: Moodle may never save this link. Its first launch makes it (deep_linking.py).
    config = LinkConfig(kind=values["kind"], title=values["title"], score_maximum=values["score_maximum"],
                        locale=normalise(launch.locale))
    app_settings = current().settings
    chosen = activity_types.get(values["kind"])
    item = content_item(config, sign_config(app_settings.secret_key, launch.platform, config),
                        app_settings.url("/lti/launch"), settings,
                        with_line_item=chosen is not None and chosen.domain.graded)
    session = db()
    token = response_jwt(session, launch, [item])
    session.commit()
    return render_template("autopost.html", action=settings["deep_link_return_url"], fields={"JWT": token},
                           message=_("Returning to Moodle…"))
