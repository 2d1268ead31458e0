"""Which sites may show Padu in a frame: the registered platforms, no one else.

Moodle shows Padu in an iframe on its own pages, so Padu cannot forbid framing
outright; ``frame-ancestors *`` let any site frame a learner's or a coach's
page and trick clicks out of them (CSP Level 3, §6.4.2 "frame-ancestors").
A page inside a launch session may be framed by the origin of that session's
platform, as Moodle's course page lives at its issuer (``wwwroot``); any other
page by the origins of all registered platforms, or by no one if there are none.

Platforms change rarely, so their origins are read from the database at most
every :data:`MAX_AGE` seconds per process, and at once when a launch session
names a platform not yet seen (a registration a moment ago). The directive
values every answer needs (one platform's, everyone's) are made at that read,
not once per answer.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from typing import NamedTuple
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from .models import Platform

log = logging.getLogger(__name__)

MAX_AGE = 30.0
_HOST = re.compile(r"^(?:[a-z0-9-]+(?:\.[a-z0-9-]+)*\.?|\[[0-9a-f:.]+\])$")


def origin(url: str | None) -> str | None:
    """The origin of an http(s) URL as a CSP source expression, or None for anything else.

    Issuers come from platforms (Dynamic Registration reads them from the
    platform's answer), so nothing but a plain scheme, host and port may reach
    the header: a ``;`` or a space would add directives of the platform's choosing.
    """
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        return None
    if ":" in host:
        host = f"[{host}]"
    if not _HOST.match(host):
        return None
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def directive_value(origins) -> str:
    """The ``frame-ancestors`` source list for ``origins``: sorted, or ``'none'`` if empty."""
    unique = sorted({o for o in origins if o})
    return " ".join(unique) if unique else "'none'"


class _Read(NamedTuple):
    """One read of the platforms: their origins, and the directive values made from them."""

    by_platform: dict[int, str | None]
    directives: dict[int, str]  # each platform's ``directive_value``
    directive_all: str  # every platform's ``directive_value``


_NOTHING_READ = _Read({}, {}, directive_value([]))


class PlatformOrigins:
    """Registered platforms' issuer origins, by platform id, refreshed at most every ``max_age`` seconds."""

    def __init__(self, session_factory: sessionmaker[Session], max_age: float = MAX_AGE, clock=time.monotonic):
        self._session_factory = session_factory
        self._max_age = max_age
        self._clock = clock
        self._lock = threading.Lock()
        self._read = _NOTHING_READ
        self._read_at: float | None = None

    def for_platform(self, platform_id: int) -> list[str]:
        found = self._read_with(platform_id).by_platform.get(platform_id)
        return [found] if found else []

    def all(self) -> list[str]:
        return [o for o in self._current().by_platform.values() if o]

    def directive_for(self, platform_id: int) -> str:
        """``directive_value(self.for_platform(platform_id))``, made at the read rather than per answer."""
        return self._read_with(platform_id).directives.get(platform_id, "'none'")

    def directive_all(self) -> str:
        """``directive_value(self.all())``, made at the read rather than per answer."""
        return self._current().directive_all

    def known(self, platform_id: int) -> list[str]:
        """``for_platform`` from what this process last read, never asking the database (an outage)."""
        with self._lock:
            found = self._read.by_platform.get(platform_id)
        return [found] if found else []

    def known_all(self) -> list[str]:
        """``all`` from what this process last read, never asking the database (an outage)."""
        with self._lock:
            return [o for o in self._read.by_platform.values() if o]

    def _read_with(self, platform_id: int) -> _Read:
        """The current read, read again at once if it does not know ``platform_id`` (registered a moment ago)."""
        read = self._current()
        return read if platform_id in read.by_platform else self._current(force=True)

    def _current(self, force: bool = False) -> _Read:
        with self._lock:
            now = self._clock()
            if force or self._read_at is None or now - self._read_at >= self._max_age:
                self._read_at = now
                try:
                    with self._session_factory() as session:
                        rows = session.execute(select(Platform.id, Platform.issuer)).all()
                except SQLAlchemyError as error:
                    # Keep what was known; the pages themselves answer the outage.
                    log.warning("cannot read platform origins: %s", error)
                else:
                    by_platform = {platform_id: origin(issuer) for platform_id, issuer in rows}
                    self._read = _Read(by_platform,
                                       {platform_id: directive_value([found]) for platform_id, found in by_platform.items()},
                                       directive_value(by_platform.values()))
            return self._read
