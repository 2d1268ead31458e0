"""What one running Padu holds: settings, database, caches, HTTP client.

Made once by the app factory (or by ``padu worker``) and reached through
``current()`` inside a request; the database session of a request is ``db()``.
"""

from __future__ import annotations

import dataclasses
import logging

from flask import current_app, g
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from activities.db import make_engine, make_session_factory
from config import Settings, SettingsError, secure_data_dir

from .cache import Cache, make_cache
from .lti1p3.access_tokens import AccessTokens
from .lti1p3.ags import AgsClient
from .lti1p3.platform_keys import PlatformKeys
from .lti1p3.service_http import ServiceClient
from .outbound import GuardedSession, Policy

log = logging.getLogger(__name__)

USER_AGENT = "Padu/0.1 (+LTI 1.3 tool)"


@dataclasses.dataclass
class Runtime:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    cache: Cache
    http: GuardedSession
    platform_keys: PlatformKeys
    services: ServiceClient
    ags: AgsClient

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        # Every process that serves or delivers starts here: the place to make
        # the data folder private, and to fix one left readable by others.
        secure_data_dir(settings)
        engine = make_engine(settings.sqlalchemy_url)
        cache = make_cache(settings.redis_url)
        http = guarded_session(settings)
        session_factory = make_session_factory(engine)
        tokens = AccessTokens(settings, cache, http, session_factory)
        services = ServiceClient(tokens, http, settings.http_timeout)
        return cls(
            settings=settings,
            engine=engine,
            session_factory=session_factory,
            cache=cache,
            http=http,
            platform_keys=PlatformKeys(settings, cache, http),
            services=services,
            ags=AgsClient(services),
        )


def guarded_session(settings: Settings) -> GuardedSession:
    """The HTTP client of every call to a platform (see ``outbound``)."""
    try:
        policy = Policy.from_settings(settings)
    except ValueError as error:
        raise SettingsError(str(error)) from error
    return GuardedSession(policy, timeout=settings.http_timeout, user_agent=USER_AGENT)


def current() -> Runtime:
    return current_app.extensions["padu"]


def db() -> Session:
    """The request's database session, closed when the request ends."""
    # One look-up of ``g`` (a context-local proxy) where ``in`` and then ``g.db`` made two:
    # a launch asks for its session a couple of dozen times.
    session = g.get("db")
    if session is None:
        session = g.db = current().session_factory()
    return session


def close_db(_exc=None) -> None:
    session = g.pop("db", None)
    if session is not None:
        try:
            session.close()
        except SQLAlchemyError as error:
            # The connection died with the database (outage.py answered 503): the pool
            # drops it. Raising here, after the answer, would replace it with a bare 500.
            log.warning("closing the request's database session failed: %s", type(error).__name__)
