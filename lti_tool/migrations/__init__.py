"""Schema migrations (Alembic). ``upgrade`` is what ``padu db upgrade`` runs.

``MODEL_MODULES`` names every module that defines tables, so that Alembic's
autogenerate and the tests see the whole schema.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from alembic import command
from alembic.config import Config

from config import Settings, private_dir

MODEL_MODULES = (
    "activities.core",
    "activities.grades",
    "activities.jobs",
    "lti_tool.models",
    "activities.readiness.models",
    "activities.course.models",
    "activities.coaching.models",
    "activities.gating.models",
    "activities.meetings.models",
    "activities.moodle.models",
    "lti_tool.housekeeping",
)

HERE = Path(__file__).parent


def load_models() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", settings.sqlalchemy_url.replace("%", "%%"))
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    private_dir(settings.data_dir)
    command.upgrade(alembic_config(settings), revision)
