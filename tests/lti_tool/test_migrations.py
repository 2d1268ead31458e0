"""The Alembic migrations build exactly the schema the models describe."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from activities.db import Base, make_engine
from config import load_settings
from lti_tool.migrations import load_models, upgrade


def _diff(url):
    load_models()
    engine = make_engine(url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    return diff


def test_sqlite_migrations_match_the_models(tmp_path):
    settings = load_settings(environ={}, data_dir=tmp_path)
    upgrade(settings)
    upgrade(settings)  # a second upgrade is a no-op
    assert _diff(settings.sqlalchemy_url) == []


@pytest.mark.postgres
def test_postgres_migrations_match_the_models(tmp_path, postgres_url):
    settings = load_settings(environ={}, data_dir=tmp_path, database_url=postgres_url)
    upgrade(settings)
    assert _diff(settings.sqlalchemy_url) == []
