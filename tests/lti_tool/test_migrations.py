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


def test_platform_text_in_old_grade_errors_is_scrubbed_keeping_the_status(tmp_path):
    from sqlalchemy import create_engine, text

    settings = load_settings(environ={}, data_dir=tmp_path)
    upgrade(settings, "0003")
    engine = create_engine(settings.sqlalchemy_url)  # no foreign-key pragma: bare rows will do
    with engine.begin() as connection:
        for row_id, error in ((1, "token endpoint refused: HTTP 200 INTERNAL-SECRET: hunter2"),
                              (2, "the gradebook already holds this or a newer result"),
                              (3, "POST http://10.0.0.5/x: ConnectionError: <html>secret</html>")):
            connection.execute(text(
                "INSERT INTO grade_outbox (id, activity_id, person_id, score_maximum, activity_progress,"
                " grading_progress, timestamp, status, attempts, next_attempt_at, created_at, last_error)"
                " VALUES (:id, 1, 1, 100, 'Completed', 'FullyGraded', '2026-12-01 00:00:00', 'failed', 1,"
                " '2026-12-01 00:00:00', '2026-12-01 00:00:00', :error)"), {"id": row_id, "error": error})
    upgrade(settings)
    with engine.connect() as connection:
        errors = dict(connection.execute(text("SELECT id, last_error FROM grade_outbox")).all())
    engine.dispose()
    assert "HTTP 200" in errors[1] and "SECRET" not in errors[1]
    assert errors[2] == "the gradebook already holds this or a newer result"
    assert "secret" not in errors[3].lower() and "10.0.0.5" not in errors[3]


def test_0018_drops_the_login_state_table_and_its_downgrade_makes_it_as_0001_did(tmp_path):
    from alembic import command
    from sqlalchemy import inspect

    from lti_tool.migrations import alembic_config

    def login_state_table(url):
        engine = make_engine(url)
        try:
            inspector = inspect(engine)
            if "lti_login_state" not in inspector.get_table_names():
                return None
            return ([(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns("lti_login_state")],
                    inspector.get_pk_constraint("lti_login_state")["constrained_columns"],
                    [(k["referred_table"], k["options"].get("ondelete")) for k in inspector.get_foreign_keys("lti_login_state")],
                    sorted(i["name"] for i in inspector.get_indexes("lti_login_state")))
        finally:
            engine.dispose()

    settings = load_settings(environ={}, data_dir=tmp_path)
    upgrade(settings, "0017")
    as_0001_made_it = login_state_table(settings.sqlalchemy_url)
    assert as_0001_made_it is not None and as_0001_made_it[1] == ["state"]
    upgrade(settings)
    assert login_state_table(settings.sqlalchemy_url) is None
    command.downgrade(alembic_config(settings), "0017")
    assert login_state_table(settings.sqlalchemy_url) == as_0001_made_it
    upgrade(settings)
    assert _diff(settings.sqlalchemy_url) == []
