"""Where a launch lands: the activity's own page, or its setup when not configured yet.

Staff of an unconfigured resource link (a teacher picked the tool directly, not
through Deep Linking) choose the activity type here; learners are told it is
not set up yet. There is no placeholder activity.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from activities.core import Role

from .. import activity_types
from ..auth import activity_in_context, current_launch, current_role, requires
from ..i18n import normalise
from ..runtime import db

bp = Blueprint("setup", __name__)


@bp.get("/a/<int:activity_id>")
@requires()
def open_activity(activity_id: int):
    activity = activity_in_context(activity_id)
    activity_type = activity_types.get(activity.kind)
    if activity_type is not None:
        return redirect(url_for(activity_type.home_endpoint, activity_id=activity.id))
    if current_role() is Role.STAFF:
        return render_template("setup_choose.html", activity=activity, types=activity_types.all_types())
    return render_template("not_set_up.html", activity=activity), 200


@bp.post("/a/<int:activity_id>/setup")
@requires(Role.STAFF)
def choose_kind(activity_id: int):
    activity = activity_in_context(activity_id)
    if activity.is_configured:
        abort(409, description=_("This activity is already set up."))
    activity_type = activity_types.get(request.form.get("kind", ""))
    if activity_type is None:
        return render_template(
            "setup_choose.html", activity=activity, types=activity_types.all_types(),
            error=_("Choose one of the activity types."),
        ), 400
    activity.kind = activity_type.kind
    activity.score_maximum = activity.score_maximum or activity_type.default_score_maximum
    activity.settings = activity_type.new_settings(activity.score_maximum)
    activity.locale = normalise(current_launch().locale)
    db().commit()
    return redirect(url_for(activity_type.settings_endpoint, activity_id=activity.id), code=303)


@bp.get("/home")
@requires()
def home():
    """Back to the activity the session was launched from."""
    launch = current_launch()
    if launch.activity_id is None:
        return redirect(url_for("deep_linking.choose"))
    return redirect(url_for("setup.open_activity", activity_id=launch.activity_id))
