"""mypy finds nothing, with the project's own configuration (pyproject.toml ``[tool.mypy]``).

The domain (``activities``), the Moodle client and the LTI protocol package are
checked strictly; the rest of ``lti_tool`` and ``config`` with the bodies of
unannotated functions checked too. mypy runs in a fresh process from the
repository root, as a developer runs it (``mypy``), with a throw-away cache so
that no earlier run's cache can hide a finding.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
STRICT_PACKAGES = {"activities.*", "moodle_client.*", "lti_tool.lti1p3.*"}
#: What ``mypy --strict`` turns on that can be set per module.
STRICT_FLAGS = {
    "disallow_any_generics", "disallow_subclassing_any", "disallow_untyped_calls", "disallow_untyped_defs",
    "disallow_incomplete_defs", "disallow_untyped_decorators", "warn_return_any", "no_implicit_reexport",
    "strict_equality", "extra_checks",
}


def _mypy_config() -> dict:
    with open(REPO / "pyproject.toml", "rb") as fh:
        return tomllib.load(fh)["tool"]["mypy"]


def test_the_three_plain_python_packages_are_checked_strictly():
    config = _mypy_config()
    assert config["check_untyped_defs"] is True
    strict = [o for o in config["overrides"] if STRICT_PACKAGES <= set(o["module"])]
    assert strict, "no override section names activities, moodle_client and lti_tool.lti1p3"
    assert {flag for flag in STRICT_FLAGS if strict[0].get(flag) is True} == STRICT_FLAGS


@pytest.mark.slow
def test_mypy_reports_no_errors(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", "pyproject.toml", "--cache-dir", str(tmp_path / "cache")],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("Success: no issues found"), result.stdout
