"""The arrows between Padu's packages point one way.

The domain (``activities``), the Moodle web-services client (``moodle_client``)
and the LTI protocol (``lti_tool.lti1p3``) are plain Python: none of them may
load Flask or Werkzeug, directly or through another module, so a worker, a CLI
command or a future second front end can use them without a web app. Each
module is imported alone in a fresh interpreter, because a module that some
earlier import already pulled Flask in for would otherwise pass.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
WEB = ("flask", "flask_babel", "flask_wtf", "flask_compress", "werkzeug", "whitenoise", "jinja2")
FRAMEWORK_FREE = ("activities", "moodle_client", "lti_tool.lti1p3")


def _modules(package: str) -> list[str]:
    path = REPO.joinpath(*package.split("."))
    return [package] + [f"{package}.{info.name}" for info in pkgutil.walk_packages([str(path)])
                        if not info.name.startswith("_")]


def _web_modules_loaded_by(modules: list[str]) -> dict[str, list[str]]:
    script = (
        "import importlib, json, sys\n"
        f"web = {WEB!r}\n"
        "found = {}\n"
        "for name in sys.argv[1:]:\n"
        "    before = set(sys.modules)\n"
        "    importlib.import_module(name)\n"
        "    loaded = [m for m in sys.modules if m.split('.')[0] in web]\n"
        "    if loaded: found[name] = sorted(loaded)[:3]\n"
        "    for m in set(sys.modules) - before: del sys.modules[m]\n"
        "print(json.dumps(found))\n"
    )
    result = subprocess.run([sys.executable, "-c", script, *modules], cwd=REPO, capture_output=True, text=True,
                            check=True)
    import json

    return json.loads(result.stdout)


@pytest.mark.parametrize("package", FRAMEWORK_FREE)
def test_the_package_loads_no_web_framework(package):
    modules = _modules(package)
    assert len(modules) > 1
    assert _web_modules_loaded_by(modules) == {}


def test_the_check_sees_a_web_import():
    assert "lti_tool.app" in _web_modules_loaded_by(["lti_tool.app"])
