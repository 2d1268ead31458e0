"""Deep Linking 2.0 responses (LTI Deep Linking 2.0 §4.2), and the first launch of the links they make.

Builds the LtiDeepLinkingResponse JWT that carries the teacher's chosen
activity back to the platform: signed with the tool key, ``iss`` = our
client_id, ``aud`` = the platform issuer, the request's ``data`` echoed.

Nothing is stored when the teacher chooses: Moodle may never save the link
(the teacher cancels the form), and an activity made now would be an orphan
no link ever opens. The choice travels instead in the link's custom
parameters (§3.1 "custom"), signed with the secret key so that a parameter a
teacher types by hand cannot forge it, and the activity is made at the
link's first launch (:func:`activity_for_new_link`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import secrets
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from activities import registry
from activities.core import Activity, Course
from activities.db import utcnow

from ..models import LaunchSession, Platform
from . import keys
from .exceptions import ClaimInvalid
from .launch import CLAIM, VerifiedLaunch

log = logging.getLogger(__name__)

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
RESPONSE_LIFETIME = dt.timedelta(minutes=5)


def check_request(settings: dict[str, Any] | None) -> dict[str, Any]:
    """The deep-linking settings, if they let Padu return a resource link (§4.4.1)."""
    if not isinstance(settings, dict) or not isinstance(settings.get("deep_link_return_url"), str):
        raise ClaimInvalid("deep linking settings with a return URL are required")
    accept_types = settings.get("accept_types") or []
    if "ltiResourceLink" not in accept_types:
        raise ClaimInvalid(f"the platform accepts {accept_types!r}, not ltiResourceLink")
    return settings


#: The custom parameter holding the signed choice; Moodle lower-cases custom parameter names.
CONFIG_PARAM = "padu_config"
_CONFIG_SALT = "padu-deep-link-config"


@dataclasses.dataclass(frozen=True)
class LinkConfig:
    """What the teacher chose in "Select content", until the link's first launch makes it an activity."""

    kind: str
    title: str
    score_maximum: float
    #: The teacher's launch language ("id" or "en"): the activity's gradebook comments use it.
    locale: str
    #: The future activity's ``key``: the line item's ``resourceId`` and ``padu_key`` name it already.
    key: str = dataclasses.field(default_factory=lambda: secrets.token_urlsafe(12))


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=_CONFIG_SALT)


def sign_config(secret_key: str, platform: Platform, config: LinkConfig) -> str:
    """The choice as one opaque custom parameter value: URL-safe, no ``=`` or line breaks,
    which Moodle's ``name=value`` lines of custom parameters could not hold.
    Bound to the platform, so a link copied to another agency's Moodle configures nothing."""
    return _serializer(secret_key).dumps({
        "iss": platform.issuer, "aud": platform.client_id, "key": config.key, "kind": config.kind,
        "title": config.title, "max": config.score_maximum, "locale": config.locale,
    })


def read_config(secret_key: str, platform: Platform, token: object) -> LinkConfig | None:
    """The choice a link carries, if Padu signed it for this platform; None otherwise."""
    if not isinstance(token, str) or not token or len(token) > 4096:
        return None
    try:
        raw = _serializer(secret_key).loads(token)
    except BadSignature:
        return None
    if not isinstance(raw, dict) or (raw.get("iss"), raw.get("aud")) != (platform.issuer, platform.client_id):
        return None
    try:
        return LinkConfig(kind=str(raw["kind"]), title=str(raw["title"]), score_maximum=float(raw["max"]),
                          locale=str(raw["locale"]), key=str(raw["key"]))
    except (KeyError, TypeError, ValueError):
        return None


def activity_for_new_link(
    session: Session, secret_key: str, course: Course, launch: VerifiedLaunch
) -> Activity | None:
    """The activity a Deep Linking link asked for, made at the link's first launch.

    None when there is nothing to make here: the link is bound already, it
    carries no valid choice (a hand-typed or foreign parameter), or its activity
    exists (a second link with the same parameters: Moodle duplicated it or
    copied the course) — :func:`activities.core.bind_resource_link` then does
    what it does for any launch.
    """
    token = launch.custom.get(CONFIG_PARAM)
    resource_link_id = launch.resource_link.get("id")
    if not token or not isinstance(resource_link_id, str):
        return None
    bound = select(Activity.id).where(Activity.course_id == course.id, Activity.resource_link_id == resource_link_id)
    if session.scalar(bound) is not None:
        return None
    config = read_config(secret_key, launch.platform, token)
    if config is None:
        log.warning("resource link %s: %s is not one Padu signed for this platform; ignored",
                    resource_link_id, CONFIG_PARAM)
        return None
    activity_type = registry.get(config.kind)
    if activity_type is None or session.scalar(select(Activity.id).where(Activity.key == config.key)) is not None:
        return None
    activity = Activity(
        key=config.key, course_id=course.id, resource_link_id=resource_link_id, kind=activity_type.kind,
        title=config.title, settings=activity_type.new_settings(config.score_maximum),
        score_maximum=config.score_maximum, locale=config.locale,
    )
    try:
        with session.begin_nested():
            session.add(activity)
    except IntegrityError:
        # Two first launches at once (teacher and learner): the other one made it.
        return None
    return activity


def content_item(config: LinkConfig, signed_config: str, launch_url: str, settings: dict[str, Any], *,
                 with_line_item: bool = True) -> dict[str, Any]:
    """One ``ltiResourceLink`` item (§3.1) for the teacher's choice.

    The custom parameters carry the signed choice, plus the future activity's
    ``key`` and kind (which a copy of the link uses to find its original); the
    ``lineItem`` makes the platform create the gradebook column at once
    (§3.1 "lineItem"), with the maximum the teacher chose.
    """
    resource = (
        DeepLinkResource()
        .set_title(config.title)
        .set_url(launch_url)
        .set_custom_params({"padu_key": config.key, "padu_activity": config.kind, CONFIG_PARAM: signed_config})
    )
    if with_line_item:
        resource.set_lineitem(
            LineItem()
            .set_score_maximum(config.score_maximum)
            .set_label(config.title)
            .set_resource_id(config.key)
            .set_tag(registry.line_item_tag(config.kind))
        )
    item = resource.to_dict()
    targets = settings.get("accept_presentation_document_targets") or []
    if "iframe" in targets:
        item["iframe"] = {"height": 800}
    elif "window" in targets:
        item["window"] = {"targetName": "padu"}
    return item


def response_jwt(session: Session, launch: LaunchSession, items: list[dict[str, Any]], message: str | None = None) -> str:
    settings = check_request(launch.deep_linking)
    if items and not settings.get("accept_multiple", True) and len(items) > 1:
        raise ClaimInvalid("the platform accepts one item only")
    platform = launch.platform
    now = utcnow()
    payload = {
        "iss": platform.client_id,
        "aud": platform.issuer,
        "iat": int(now.timestamp()),
        "exp": int((now + RESPONSE_LIFETIME).timestamp()),
        "nonce": secrets.token_urlsafe(16),
        CLAIM + "deployment_id": launch.deployment_id,
        CLAIM + "message_type": "LtiDeepLinkingResponse",
        CLAIM + "version": "1.3.0",
        DL + "content_items": items,
    }
    if "data" in settings:
        payload[DL + "data"] = settings["data"]
    if message:
        payload[DL + "msg"] = message
    return keys.sign(session, payload)
