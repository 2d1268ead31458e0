"""Settings come from defaults, a TOML file and PADU_* variables, in that order."""

import pytest

from config import SettingsError, load_settings


def test_defaults_use_sqlite_in_the_data_dir(tmp_path):
    settings = load_settings(environ={"PADU_DATA_DIR": str(tmp_path)})
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path.resolve() / 'padu.sqlite3'}"
    assert settings.is_sqlite


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = load_settings(environ={"PADU_DATA_DIR": str(tmp_path)})
    second = load_settings(environ={"PADU_DATA_DIR": str(tmp_path)})
    assert len(first.secret_key) >= 40
    assert first.secret_key == second.secret_key


def test_postgres_url_gets_the_psycopg_driver(tmp_path):
    settings = load_settings(environ={"PADU_DATA_DIR": str(tmp_path), "PADU_DATABASE_URL": "postgresql://u@db/padu"})
    assert settings.sqlalchemy_url == "postgresql+psycopg://u@db/padu"


def test_environment_wins_over_the_toml_file(tmp_path):
    toml = tmp_path / "padu.toml"
    toml.write_text('base_url = "https://file.example"\nsession_lifetime = 60\n')
    settings = load_settings(environ={"PADU_CONFIG": str(toml), "PADU_DATA_DIR": str(tmp_path),
                                      "PADU_BASE_URL": "https://env.example/"})
    assert settings.base_url == "https://env.example"
    assert settings.session_lifetime == 60


@pytest.mark.parametrize(
    "env, message",
    [
        ({"PADU_SESSION_LIFETIME": "soon"}, "PADU_SESSION_LIFETIME must be a whole number"),
        ({"PADU_EMBEDDED_WORKER": "maybe"}, "PADU_EMBEDDED_WORKER must be true or false"),
        ({"PADU_BASE_URL": "padu.example"}, "PADU_BASE_URL must start with http"),
        ({"PADU_CHECK_IN_TRIES": "0"}, "PADU_CHECK_IN_TRIES must be 1 or more"),
        ({"PADU_CHECK_IN_WINDOW_MINUTES": "-5"}, "PADU_CHECK_IN_WINDOW_MINUTES must be 0 or more"),
        ({"PADU_MEETING_MAX_HOURS": "0"}, "PADU_MEETING_MAX_HOURS must be more than 0"),
    ],
)
def test_bad_values_are_named(tmp_path, env, message):
    with pytest.raises(SettingsError, match=message):
        load_settings(environ={"PADU_DATA_DIR": str(tmp_path), **env})
