"""A clone of Padu is all that Padu needs: nothing in it reads folders beside the checkout.

The project's recordings once lived in a folder beside the checkout; a clone
without that folder then failed 45 tests. Recorded data the tests use is copied into
``tests/fixtures/`` instead, and this test keeps it that way.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: The sibling folder's name, spelled in two parts so that this guard does not itself name it.
SIBLING = "sha" + "red"
CHECKED = ["tests", "lti_tool", "activities", "config", "moodle_client", "bench", "scripts", ".ci"]
# "../<sibling>", a path built as parent / "<sibling>", or the env var that used to point there.
OUTSIDE = re.compile(rf"""\.\./{SIBLING}\b|/\s*["']{SIBLING}["']|["']{SIBLING}["']\s*/|PADU_MOODLE_FIXTURES""")
TEXT = {".py", ".sh", ".toml", ".cfg", ".ini", ".html", ".js", ".css", ".json", ".txt", ""}


def _files():
    for top in CHECKED:
        for path in (REPO / top).rglob("*"):
            if path.is_file() and path.suffix in TEXT and "__pycache__" not in path.parts and path != Path(__file__):
                yield path


def test_no_file_reads_outside_the_checkout():
    offenders = []
    for path in _files():
        text = path.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                offenders.append(f"{path.relative_to(REPO)}:{number}: {line.strip()}")
    assert not offenders, f"copy the data into tests/fixtures/ instead of reading ../{SIBLING}:\n" + "\n".join(offenders)


def test_the_guard_recognises_the_old_path():
    old = f'FIXTURES = Path(__file__).resolve().parents[2] / "{SIBLING}" / "fixtures" / "moodle"'
    assert OUTSIDE.search(old) and OUTSIDE.search(f"open('../{SIBLING}/fixtures/x.json')")
    assert not OUTSIDE.search('"""Caches shared between processes."""')


def test_the_recordings_are_in_the_repository():
    from tests.fixtures import FIXTURES, moodle

    assert FIXTURES.is_relative_to(REPO)
    assert len(list(FIXTURES.glob("*.json"))) >= 60
    assert moodle("launch_student_cmid2_id_token.json")["payload"]["iss"] == "http://127.0.0.1:8080"
