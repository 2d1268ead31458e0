"""`pip install .` gives a Padu that runs: the wheel carries templates, static files,
translations, migrations and instrument data, and `padu serve` starts on SQLite."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import requests

from tests.padu_server import free_port, wait_for_health

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def test_the_wheel_carries_every_data_file(tmp_path):
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                    str(tmp_path), str(REPO)], check=True, cwd=tmp_path)
    [wheel] = tmp_path.glob("padu-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "lti_tool/templates/base.html",
        "lti_tool/static/padu.css",
        "lti_tool/translations/id/LC_MESSAGES/messages.mo",
        "lti_tool/migrations/env.py",
        "lti_tool/migrations/script.py.mako",
        "lti_tool/migrations/versions/0001_initial.py",
    }
    assert expected <= names, expected - names
    for package in ("config", "activities", "moodle_client", "lti_tool"):
        assert f"{package}/__init__.py" in names
    for path in REPO.joinpath("lti_tool", "templates").rglob("*.html"):
        assert str(path.relative_to(REPO)) in names
    for path in REPO.joinpath("activities").rglob("*.json"):
        assert str(path.relative_to(REPO)) in names


def test_padu_serve_starts_on_sqlite_and_prints_the_connection_values(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PADU_")}
    env.update(PADU_DATA_DIR=str(tmp_path / "instance"), PADU_BASE_URL=f"http://127.0.0.1:{port}")
    process = subprocess.Popen([sys.executable, "-m", "lti_tool.cli", "serve", "--port", str(port)], env=env,
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        health = wait_for_health(f"http://127.0.0.1:{port}", process, 40)
        assert health is not None and health.json().items() >= {"status": "ok", "database": "ok"}.items()
        jwks = requests.get(f"http://127.0.0.1:{port}/.well-known/jwks.json", timeout=5).json()
        assert jwks["keys"][0]["alg"] == "RS256"
        assert (tmp_path / "instance" / "padu.sqlite3").exists()
        assert (tmp_path / "instance" / "secret_key").exists()
    finally:
        process.terminate()
        output = process.communicate(timeout=20)[0]
    assert f"http://127.0.0.1:{port}/lti/register" in output
    assert f"http://127.0.0.1:{port}/.well-known/jwks.json" in output
