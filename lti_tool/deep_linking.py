"""Deep Linking 2.0 responses (LTI Deep Linking 2.0 §4.2).

Builds the LtiDeepLinkingResponse JWT that carries the teacher's chosen
activity back to the platform: signed with the tool key, ``iss`` = our
client_id, ``aud`` = the platform issuer, the request's ``data`` echoed.
"""

from __future__ import annotations

import datetime as dt
import secrets

from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.lineitem import LineItem
from sqlalchemy.orm import Session

from activities import registry
from activities.core import Activity
from activities.db import utcnow

from . import keys
from .exceptions import ClaimInvalid
from .launch import CLAIM
from .models import LaunchSession

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
RESPONSE_LIFETIME = dt.timedelta(minutes=5)


def check_request(settings: dict | None) -> dict:
    """The deep-linking settings, if they let Padu return a resource link (§4.4.1)."""
    if not isinstance(settings, dict) or not isinstance(settings.get("deep_link_return_url"), str):
        raise ClaimInvalid("deep linking settings with a return URL are required")
    accept_types = settings.get("accept_types") or []
    if "ltiResourceLink" not in accept_types:
        raise ClaimInvalid(f"the platform accepts {accept_types!r}, not ltiResourceLink")
    return settings


def content_item(activity: Activity, launch_url: str, settings: dict, *, with_line_item: bool = True) -> dict:
    """One ``ltiResourceLink`` item (§3.1) for a configured activity.

    The custom parameters name the activity's ``key`` so that the first launch of
    the new link finds this configuration; the ``lineItem`` makes the platform
    create the gradebook column at once (§3.1 "lineItem").
    """
    resource = (
        DeepLinkResource()
        .set_title(activity.title)
        .set_url(launch_url)
        .set_custom_params({"padu_key": activity.key, "padu_activity": activity.kind})
    )
    if with_line_item:
        resource.set_lineitem(
            LineItem()
            .set_score_maximum(activity.score_maximum)
            .set_label(activity.title)
            .set_resource_id(activity.key)
            .set_tag(registry.line_item_tag(activity.kind))
        )
    item = resource.to_dict()
    targets = settings.get("accept_presentation_document_targets") or []
    if "iframe" in targets:
        item["iframe"] = {"height": 800}
    elif "window" in targets:
        item["window"] = {"targetName": "padu"}
    return item


def response_jwt(session: Session, launch: LaunchSession, items: list[dict], message: str | None = None) -> str:
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
