"""LTI Dynamic Registration 1.0: the admin pastes one URL, Padu registers itself.

Moodle opens ``/lti/register?openid_configuration=…&registration_token=…``
(§3.3). Padu fetches the platform's OpenID configuration (§3.4), checks it
(§3.5.1: the issuer must be the prefix of the configuration URL's origin),
POSTs its own configuration with the registration token as a Bearer token
(§3.5.2), and stores the client_id and deployment_id the platform returns (§3.6).

Who may start this is decided before anything is fetched (views/registration.py,
invitations.py). Both calls then go through the guarded client (``outbound``):
allowed addresses and ports only, no redirects, one deadline, a size cap. Every
way the configuration cannot be fetched or read gets the same answer, so the
page is no port scanner; the detail is logged. The configuration's endpoints
must be on the issuer's origin: Padu redirects browsers to
``authorization_endpoint`` at every login and sends signed requests to the
others, so a registration naming another host would make ``/lti/login`` an open
redirect and point Padu's calls at another server.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlparse

import requests
from sqlalchemy.orm import Session

from config import Settings

from ..logsafe import excerpt
from ..models import Platform
from ..outbound import GuardedSession, OutboundRefused
from . import invitations
from .exceptions import DestinationRefused, EndpointsOffOrigin, InvitationUsed, PlatformUnreachable, RegistrationFailed
from .origins import origin
from .registry import RegistryError, add_platform

log = logging.getLogger(__name__)

PLATFORM_CONFIG = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_CONFIG = "https://purl.imsglobal.org/spec/lti-tool-configuration"
#: Padu sends browsers to the first and its keys come from the other two, so all
#: must be on the issuer's origin (scheme, host, port).
SCOPES = (
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
)
MAX_DOCUMENT_BYTES = 256 * 1024
MAX_ANSWER_BYTES = 64 * 1024
#: What the page says for every failure to fetch or read the configuration.
UNREADABLE = "could not reach or read the platform's OpenID configuration"


def tool_configuration(settings: Settings) -> dict[str, Any]:
    """Padu's registration request body (§3.5.2, §3.5.3)."""
    launch_url = settings.url("/lti/launch")
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": settings.url("/lti/login"),
        "redirect_uris": [launch_url],
        "client_name": "Padu",
        "jwks_uri": settings.url("/.well-known/jwks.json"),
        "logo_uri": settings.url("/static/padu-logo.svg"),
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(SCOPES),
        TOOL_CONFIG: {
            "domain": urlparse(settings.base_url).netloc,
            "description": "Padu: phase gating, digital readiness and coaching for blended training",
            "target_link_uri": launch_url,
            "claims": ["iss", "sub", "name", "given_name", "family_name", "email"],
            "messages": [
                {"type": "LtiResourceLinkRequest", "target_link_uri": launch_url},
                {"type": "LtiDeepLinkingRequest", "target_link_uri": launch_url, "label": "Padu"},
            ],
        },
    }


def _get_json(http: GuardedSession, url: str, timeout: float) -> dict[str, Any]:
    try:
        response = http.get(url, timeout=timeout, headers={"Accept": "application/json"},
                            max_bytes=MAX_DOCUMENT_BYTES)
    except OutboundRefused as error:
        # Refused before any connection: says nothing about the port, and names the setting.
        raise DestinationRefused(f"Padu does not fetch this configuration URL: {error.reason}") from error
    except requests.RequestException as error:
        log.info("registration: %s: %s", excerpt(url), error)
        raise PlatformUnreachable(UNREADABLE) from error
    document: Any
    try:
        document = response.json() if response.status_code == 200 else None
    except ValueError:
        document = None
    if not isinstance(document, dict):
        log.info("registration: %s answered HTTP %s %s", excerpt(url), response.status_code,
                 excerpt(response.content))
        raise PlatformUnreachable(UNREADABLE)
    return document


def _check_configuration(config_url: str, document: dict[str, Any]) -> None:
    for name in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint"):
        value = document.get(name)
        if not isinstance(value, str) or origin(value) is None:
            raise RegistrationFailed(f"OpenID configuration lacks a valid {name}")
    issuer = origin(document["issuer"])
    if issuer != origin(config_url):
        raise RegistrationFailed("the issuer does not match the configuration URL's origin")
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint"):
        # Padu's policy, not the spec's: a platform's endpoints live on the platform's own site.
        if origin(document[name]) != issuer:
            raise EndpointsOffOrigin(f"{name} {document[name]!r} is not on the issuer's origin {issuer}")
    platform_config = document.get(PLATFORM_CONFIG)
    if not isinstance(platform_config, dict):
        raise RegistrationFailed("OpenID configuration lacks the LTI platform configuration")


def _post_registration(http: GuardedSession, settings: Settings, url: str, token: str | None) -> dict[str, Any]:
    """POST Padu's configuration (§3.5.2); the platform's answer, a JSON object."""
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        response = http.post(url, json=tool_configuration(settings), headers=headers,
                             timeout=settings.http_timeout, max_bytes=MAX_ANSWER_BYTES)
    except OutboundRefused as error:
        raise DestinationRefused(f"Padu does not call this registration endpoint: {error.reason}") from error
    except requests.RequestException as error:
        log.info("registration endpoint %s: %s", excerpt(url), error)
        raise PlatformUnreachable("could not reach the platform's registration endpoint") from error
    if response.status_code not in (200, 201):
        log.warning("registration refused: HTTP %s %s", response.status_code, excerpt(response.content))
        raise RegistrationFailed(f"the platform refused the registration (HTTP {response.status_code})")
    try:
        answer = response.json()
    except ValueError as error:
        raise RegistrationFailed("the registration answer is not JSON") from error
    if not isinstance(answer, dict):
        raise RegistrationFailed("the registration answer is not a JSON object")
    return answer


def register(session: Session, settings: Settings, http: GuardedSession, config_url: str, token: str | None,
             *, invite_id: int | None = None) -> Platform:
    """Register the platform ``config_url`` describes; with ``invite_id``, use up that invitation.

    The invitation is marked used in the transaction that stores the platform
    (invitations.consume), so a code lost to a concurrent registration stores nothing.
    """
    if not config_url or urlparse(config_url).scheme not in ("http", "https"):
        raise RegistrationFailed("openid_configuration must be an http(s) URL")
    document = _get_json(http, config_url, settings.http_timeout)
    _check_configuration(config_url, document)
    answer = _post_registration(http, settings, document["registration_endpoint"], token)
    client_id = answer.get("client_id")
    if not isinstance(client_id, str) or not client_id:
        raise RegistrationFailed("the registration answer has no client_id")
    tool_config = answer.get(TOOL_CONFIG) or {}
    deployment_id = tool_config.get("deployment_id") if isinstance(tool_config, dict) else None
    platform_config = document[PLATFORM_CONFIG]
    try:
        platform = add_platform(
            session,
            issuer=document["issuer"],
            client_id=client_id,
            auth_login_url=document["authorization_endpoint"],
            auth_token_url=document["token_endpoint"],
            key_set_url=document["jwks_uri"],
            deployment_ids=[str(deployment_id)] if deployment_id else [],
            name=str(platform_config.get("product_family_code") or ""),
            registered_by="dynamic",
        )
    except RegistryError as error:
        session.rollback()
        raise RegistrationFailed(str(error)) from error
    if invite_id is not None and not invitations.consume(session, invite_id, platform):
        session.rollback()
        raise InvitationUsed(f"invitation {invite_id} was used or expired during this registration")
    session.commit()
    return platform
