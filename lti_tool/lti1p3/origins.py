"""Whether two URLs are on the same site: the one origin comparison Padu makes.

Padu trusts a platform's URLs only on the platform's own origin (RFC 6454 §4:
scheme, host, port): the login redirect (``oidc``), the registration document's
endpoints (``registration``), the AGS and NRPS URLs of a launch
(``service_http.belongs_to``) and the launch's return URL (``presentation``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

Origin = tuple[str, str, int]


def origin(url: str | None) -> Origin | None:
    """(scheme, host, port) of an http(s) URL, host lower-cased, default ports filled in; None if it has none."""
    try:
        parts = urlsplit(url or "")
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            return None
        return scheme, parts.hostname.lower(), parts.port or (443 if scheme == "https" else 80)
    except ValueError:  # a port that is not a number
        return None


def same_origin(url: str | None, other: str | None) -> bool:
    """Both are http(s) URLs on one origin."""
    mine = origin(url)
    return mine is not None and mine == origin(other)
