"""The activities' web packages reach their domain only through its façade.

Rule: a module under ``lti_tool/<kind>/`` (``readiness``, ``coaching``, and every
activity web package after them) imports from ``activities.<kind>`` nothing but
``activities.<kind>.service`` (the façade: the functions, types and vocabulary the
pages need) and ``activities.<kind>.exceptions`` (the refusals its ``errors.py``
maps to messages and its views catch). ``activities.core`` (course, person,
role) and the shared modules of ``activities/`` are not an activity's insides
and stay allowed. So a domain module can be split, renamed or moved without
touching a view, and a rule lives once, in the domain.

The test reads the source (``ast``): it also catches imports inside functions.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

from lti_tool.activity_types import ACTIVITY_MODULES

ROOT = pathlib.Path(__file__).resolve().parents[2]
ALLOWED = ("service", "exceptions")
KINDS = [name.rsplit(".", 1)[1] for name in ACTIVITY_MODULES]
#: Web packages of a domain package that is not an activity kind of its own (meetings hang off gating).
KINDS += ["meetings"]


def _domain_imports(path: pathlib.Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import of ``activities.<kind>…`` in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # ``from activities.x import service`` imports the module activities.x.service.
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return [(line, name) for line, name in found
            if name.split(".")[:1] == ["activities"] and len(name.split(".")) > 1 and name.split(".")[1] in KINDS]


def _violations(package: pathlib.Path) -> list[str]:
    wrong = []
    for path in sorted(package.rglob("*.py")):
        for line, name in _domain_imports(path):
            parts = name.split(".")
            if len(parts) < 3 or parts[2] not in ALLOWED:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    return wrong


@pytest.mark.parametrize("kind", KINDS)
def test_views_import_only_the_domains_service_and_exceptions(kind):
    package = ROOT / "lti_tool" / kind
    assert package.is_dir()
    assert _violations(package) == []


def test_the_check_sees_an_import_of_a_domain_internal(tmp_path):
    (tmp_path / "view.py").write_text(
        "from activities.coaching import service\n"
        "from activities.coaching.exceptions import CoachingError\n"
        "from activities.core import Role\n"
        "def page():\n"
        "    from activities.coaching.models import Decision\n"
        "    import activities.readiness.areas\n"
        "    from activities.readiness import KIND\n",
        encoding="utf-8")
    found = [line for line, name in _domain_imports(tmp_path / "view.py")
             if name.split(".")[2] not in ALLOWED]
    assert found == [5, 6, 7]
