"""Access to the recorded Moodle 4.5.6 exchanges in ../shared/fixtures/moodle."""

from __future__ import annotations

import json
import os
from pathlib import Path

FIXTURES = Path(os.environ.get("PADU_MOODLE_FIXTURES", Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "moodle"))


def moodle(name: str) -> dict:
    with open(FIXTURES / name, encoding="utf-8") as fh:
        return json.load(fh)
