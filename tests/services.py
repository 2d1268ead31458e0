"""The real PostgreSQL and Redis servers some tests talk to.

Outside CI a missing server skips those tests with the reason; in CI
(``CI=true``) it fails them, so a broken service can never pass silently.
"""

from __future__ import annotations

import os
import uuid

import pytest

POSTGRES_URL = os.environ.get("PADU_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("PADU_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _unavailable(what: str, error: Exception):
    message = f"{what} is not reachable: {error}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + " (CI must provide it)")
    pytest.skip(message)


def postgres_database() -> str:
    """A fresh, empty database on the PostgreSQL server; returns its URL."""
    import psycopg

    name = "padu_test_" + uuid.uuid4().hex[:12]
    try:
        with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        _unavailable("PostgreSQL", error)
    return POSTGRES_URL.rsplit("/", 1)[0] + "/" + name


def drop_postgres_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        _unavailable("Redis", error)
    return REDIS_URL
