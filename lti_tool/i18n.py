"""Language: Indonesian first, English second, following the launch's locale."""

from __future__ import annotations

from flask import g, request, session

from activities.db import loaded

SUPPORTED = ("id", "en")
DEFAULT = "id"


def normalise(locale: str | None) -> str:
    """``en``, ``en-US``, ``en_AU`` → ``en``; ``id``, ``id-ID``, ``in`` and anything else → ``id``."""
    if locale and locale.replace("_", "-").split("-")[0].lower() == "en":
        return "en"
    return DEFAULT


def select_locale() -> str:
    explicit = request.args.get("lang")
    if explicit in SUPPORTED:
        return explicit
    launch = getattr(session, "launch", None)
    if launch is not None:
        # During an outage (outage.py) the row may be expired: read what was loaded only.
        return normalise(loaded(launch, "locale") if g.get("database_unavailable") else launch.locale)
    return request.accept_languages.best_match(SUPPORTED, default=DEFAULT)
