"""The platform registry: which LMS registrations Padu knows, by issuer and client_id."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlparse

from sqlalchemy import bindparam, inspect, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from ..cache import MemoryCache
from ..models import Deployment, Platform
from .exceptions import UnknownPlatform


class RegistryError(ValueError):
    """A registration value is unusable; the message says which and why."""


def _check_url(name: str, value: str) -> str:
    parsed = urlparse(value or "")
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise RegistryError(f"{name} must be an http(s) URL, not {value!r}")
    return value


#: Seconds a process keeps a platform it looked up for logins and launches. Adding or
#: removing one here forgets them all at once; another process (``padu platform add``)
#: is seen within this time.
CACHE_SECONDS = 30.0
#: Each platform is held under its database's engine and its id, and under that engine and its
#: issuer and client_id.
_platforms = MemoryCache(max_entries=1_000)


def forget_cached_platforms() -> None:
    _platforms.clear()


def _cached(engine: Engine, key: object, load: Callable[[], Platform | None]) -> Platform | None:
    """The platform under ``key`` in ``engine``'s database, from this process's cache or from ``load``.

    Every login and launch looks its platform up (two queries with its deployments);
    the cache holds a detached copy, shared read-only by the requests that hit it: a
    login and a launch only read a platform (merging the copy into each request's
    session cost more than the query it saves). Nothing may add it to a session.

    Keyed by the engine itself (Padu makes one per database in a process), which the
    cache keeps alive: rendering its URL as the key cost 2 µs a look-up, and would mix
    up two databases whose URLs differ only in the password (rendered as ``***``).
    """
    cache_key = (engine, key)
    hit: Platform | None = _platforms.get(cache_key)
    if hit is not None:
        return hit
    platform = load()
    if platform is not None:
        _platforms.set(cache_key, _detached_copy(platform), CACHE_SECONDS)
    return platform


def _detached_copy(platform: Platform) -> Platform:
    """A copy of ``platform`` and its deployments that belongs to no session and never will."""
    deployments = []
    for deployment in platform.deployments:
        row = Deployment(**{a.key: getattr(deployment, a.key) for a in inspect(Deployment).column_attrs})
        make_transient_to_detached(row)
        deployments.append(row)
    copy = Platform(**{a.key: getattr(platform, a.key) for a in inspect(Platform).column_attrs})
    make_transient_to_detached(copy)
    set_committed_value(copy, "deployments", deployments)  # loaded, not a change
    return copy


def get_platform(session: Session, platform_id: int) -> Platform | None:
    """The platform with this id, or None; cached like :func:`find_platform`."""
    return _cached(session.get_bind().engine, platform_id, lambda: session.get(Platform, platform_id))


#: Built once: building a statement costs more than a cache hit (each login looks one up).
_BY_ISSUER_AND_CLIENT = select(Platform).where(Platform.issuer == bindparam("issuer"),
                                               Platform.client_id == bindparam("client_id"))


def find_platform(engine: Engine, session: Callable[[], Session], issuer: str, client_id: str | None) -> Platform:
    """The registration for ``issuer`` and ``client_id`` in ``engine``'s database.

    ``session`` gives the session to read it in, and is called only when the cache
    cannot answer: a login (anyone may ask for one) whose platform is cached makes no
    session at all (making and closing one cost more than the cache look-up).

    LTI 1.3 §5.1.1 makes ``client_id`` optional in the login initiation; without
    it the issuer must be registered exactly once.
    """
    if client_id:
        platform = _cached(engine, (issuer, client_id),
                           lambda: session().scalar(_BY_ISSUER_AND_CLIENT, {"issuer": issuer, "client_id": client_id}))
        if platform is None:
            raise UnknownPlatform(f"no registration for issuer {issuer!r} and client_id {client_id!r}")
        return platform
    platforms = list(session().scalars(select(Platform).where(Platform.issuer == issuer)))
    if len(platforms) != 1:
        raise UnknownPlatform(f"issuer {issuer!r} has {len(platforms)} registrations and no client_id was sent")
    return platforms[0]


def add_platform(
    session: Session,
    *,
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str,
    key_set_url: str,
    deployment_ids: list[str] | tuple[str, ...] = (),
    name: str = "",
    registered_by: str = "manual",
) -> Platform:
    """Register a platform, or add deployments to an existing registration."""
    _check_url("issuer", issuer)
    if len(issuer) > 500:
        raise RegistryError("issuer must be at most 500 characters")
    if not client_id or len(client_id) > 255:
        raise RegistryError("client_id must be 1 to 255 characters")
    platform = session.scalar(select(Platform).where(Platform.issuer == issuer, Platform.client_id == client_id))
    if platform is None:
        platform = Platform(issuer=issuer, client_id=client_id, registered_by=registered_by)
        session.add(platform)
    platform.name = (name or platform.name or urlparse(issuer).netloc)[:255]
    platform.auth_login_url = _check_url("auth login URL", auth_login_url)
    platform.auth_token_url = _check_url("token URL", auth_token_url)
    platform.key_set_url = _check_url("keyset URL", key_set_url)
    known = set(platform.deployment_ids)
    for deployment_id in deployment_ids:
        deployment_id = str(deployment_id).strip()
        if deployment_id and deployment_id not in known:
            platform.deployments.append(Deployment(deployment_id=deployment_id))
            known.add(deployment_id)
    session.flush()
    forget_cached_platforms()
    return platform


def list_platforms(session: Session) -> list[Platform]:
    return list(session.scalars(select(Platform).order_by(Platform.id)))


def remove_platform(session: Session, platform_id: int) -> Platform:
    platform = session.get(Platform, platform_id)
    if platform is None:
        raise RegistryError(f"no platform with id {platform_id}")
    session.delete(platform)
    session.flush()
    forget_cached_platforms()
    return platform
