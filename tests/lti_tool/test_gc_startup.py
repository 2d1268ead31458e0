"""A serving process keeps what starting made out of its garbage collections (``gc_startup``).

Each check runs in a child process: freezing the test process itself would keep
every later test's objects for the rest of the run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _frozen_after(code: str, tmp_path: Path) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PADU_")}
    env.update(PYTHONPATH=str(REPO), PADU_DATA_DIR=str(tmp_path), PADU_BASE_URL="http://padu.test",
               PADU_EMBEDDED_WORKER="false")
    done = subprocess.run([sys.executable, "-c", code + "\nimport gc; print(gc.get_freeze_count())"],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout.strip().splitlines()[-1])


def test_the_gunicorn_entry_point_freezes_what_starting_made(tmp_path):
    # Tens of thousands: Flask, SQLAlchemy, Jinja and Padu's own modules and app.
    assert _frozen_after("import lti_tool.wsgi", tmp_path) > 10_000


def test_each_padu_serve_process_freezes_what_starting_made(tmp_path):
    code = ("from config import load_settings\nfrom lti_tool.server import build\n"
            "build(load_settings(), worker=False)")
    assert _frozen_after(code, tmp_path) > 10_000


def test_an_app_made_by_the_factory_alone_freezes_nothing(tmp_path):
    # Tests and tools build many apps in one process: only the serving entry points freeze.
    code = "from lti_tool.app import create_app\ncreate_app()"
    assert _frozen_after(code, tmp_path) == 0
