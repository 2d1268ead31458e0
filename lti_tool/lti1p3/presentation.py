"""Where a launch is shown, and the way back to the course.

Moodle shows an External tool in an iframe on a desktop, but on a phone it
replaces its whole window with the tool: then nothing on the screen leads back
to the course unless Padu offers it. The launch says which it did, and where
"back" is, in the launch presentation claim (LTI Core 1.3 §5.4.1):

    document_target: "The kind of browser window or frame from which the user
    launched inside the message sender's system. The value for this property
    MUST be one of: frame, iframe, or window."
    return_url: "Fully-qualified HTTPS URL within the message sender's user
    experience to where the message receiver can redirect the user back."

The claim is the platform's word, so the URL is only used when it is http(s)
and on the platform's own origin (the issuer's): never a ``javascript:`` URL,
never another site.
"""

from __future__ import annotations

from dataclasses import dataclass

from .origins import same_origin

#: Key of the launch session's data where the launch's document_target is kept.
TARGET_KEY = "document_target"
FRAMED_TARGETS = ("frame", "iframe")
MAX_URL_LENGTH = 2048


def document_target(claim: object) -> str:
    """The launch's document_target ("frame", "iframe", "window"), or "" when absent or unknown."""
    value = claim.get("document_target") if isinstance(claim, dict) else None
    return value if value in FRAMED_TARGETS + ("window",) else ""


def safe_return_url(url: object, issuer: str) -> str | None:
    """``url`` if it is an http(s) URL on the issuer's origin, else None."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH or any(c.isspace() for c in url):
        return None
    return url if same_origin(url, issuer) else None


@dataclass(frozen=True)
class ReturnLink:
    url: str
    #: True: the launch was in a window, always show it. False: the target is unknown,
    #: show it unless a script finds the page framed.
    top_level: bool


def return_link(return_url: str | None, issuer: str, target: str) -> ReturnLink | None:
    """The "back to the course" link a page shows in its header, or None inside the LMS's frame."""
    if target in FRAMED_TARGETS:
        return None
    url = safe_return_url(return_url, issuer)
    if url is None:
        return None
    return ReturnLink(url, top_level=target == "window")
