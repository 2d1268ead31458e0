"""The README's run command works as written, in a copy of the project with a fresh virtual environment.

The command is read from README.md itself (the first ``sh`` block under "The two
commands"), so the README cannot drift from what works; only the port is changed
to a free one. It installs from the registry with constraints.txt, as a new user would.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from tests.padu_server import free_port, wait_for_health

REPO = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## The two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, re.S)


def tracked_copy(target: Path) -> None:
    """The files a clone would have, as they are in the working tree now."""
    names = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in names.decode().split("\0"):
        if name and (REPO / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, target / name)


def test_the_readme_names_a_run_command_and_the_test_command():
    run, test = readme_commands()
    assert "padu serve" in run and "constraints.txt" in run
    assert test.strip() == "bash scripts/test"


def test_the_run_command_installs_and_serves_in_a_fresh_virtual_environment(tmp_path):
    run, _ = readme_commands()
    port = free_port()
    command = run.replace("--port 5000", f"--port {port}")
    assert command != run, "the README's run command no longer names --port 5000"
    project = tmp_path / "padu"
    tracked_copy(project)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PADU_", "VIRTUAL_ENV", "PYTHONPATH"))}
    process = subprocess.Popen(["bash", "-c", command], cwd=project, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        health = wait_for_health(f"http://127.0.0.1:{port}", process, 240)
        assert health is not None, f"padu serve did not answer (exit code {process.poll()})"
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert (project / ".venv" / "bin" / "padu").exists()
        assert (project / "instance" / "padu.sqlite3").exists()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            output = process.communicate(timeout=30)[0]
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output = process.communicate()[0]
    assert "/.well-known/jwks.json" in output
