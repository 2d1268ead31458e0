"""Every way an LTI exchange can fail, one class each.

Each carries ``reason``, the exact cause for the log, and the HTTP status the
person gets. The page shown to the person never contains the reason verbatim
beyond a short code: it says what they can do.
"""

from __future__ import annotations


class LtiError(Exception):
    """Base of every LTI failure Padu answers with a 4xx page."""

    status = 400
    #: A short stable code shown on the error page and grep-able in the log.
    code = "lti_error"

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# -- OIDC login initiation (LTI 1.3 §5.1.1) ---------------------------------

class LoginRequestInvalid(LtiError):
    code = "login_invalid"


class UnknownPlatform(LtiError):
    """No registration for this issuer and client_id."""

    code = "unknown_platform"


# -- launch (LTI 1.3 §5.1.3 authentication response validation) -------------

class LaunchRequestInvalid(LtiError):
    """The POST itself is wrong: no id_token, no state, too large."""

    code = "launch_invalid"


class StateInvalid(LtiError):
    """The ``state`` is not one Padu signed, is expired, or was used (its nonce recorded: a
    replayed state and a replayed id_token are one thing, the state carrying the nonce)."""

    code = "state_invalid"


class TokenMalformed(LtiError):
    code = "token_malformed"


class SignatureInvalid(LtiError):
    code = "signature_invalid"


class KeyNotFound(LtiError):
    """The token names a ``kid`` the platform's JWKS does not hold."""

    code = "key_not_found"


class PlatformUnreachable(LtiError):
    status = 502
    code = "platform_unreachable"


class DestinationRefused(LtiError):
    """Padu will not call this platform URL (address or port); the reason names the setting
    (``PADU_OUTBOUND_ALLOW_HOSTS`` / ``PADU_OUTBOUND_ALLOW_PORTS``) that would allow it."""

    code = "destination_refused"


class TokenExpired(LtiError):
    code = "token_expired"


class ClaimInvalid(LtiError):
    """A required claim is missing or has the wrong type or value."""

    code = "claim_invalid"


class DeploymentUnknown(LtiError):
    code = "deployment_unknown"


class MessageTypeUnsupported(LtiError):
    code = "message_type_unsupported"


# -- after the launch ------------------------------------------------------

class SessionMissing(LtiError):
    """No valid launch session came with the request (expired, forged, absent)."""

    status = 401
    code = "session_missing"


class Forbidden(LtiError):
    """The launch's role or context does not allow this."""

    status = 403
    code = "forbidden"


class OtherActivity(Forbidden):
    """A learner's session asks for an activity other than the one they launched."""

    code = "other_activity"


# -- Dynamic Registration (LTI Dynamic Registration 1.0) -------------------

class RegistrationFailed(LtiError):
    code = "registration_failed"


class EndpointsOffOrigin(RegistrationFailed):
    """The platform's login, token or keyset URL is not on its issuer's origin."""

    code = "registration_off_origin"


class InvitationUsed(RegistrationFailed):
    """The invitation was used (or expired) while this registration ran."""

    status = 410
    code = "invitation_used"


# -- services (AGS, NRPS) ---------------------------------------------------

class ServiceError(Exception):
    """A platform service call failed. ``retryable`` says whether trying again later may help."""

    def __init__(self, reason: str, *, retryable: bool, retry_after: float | None = None, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.retry_after = retry_after
        self.status = status


class AccessTokenError(ServiceError):
    """The platform's token endpoint refused or failed to give an access token."""
