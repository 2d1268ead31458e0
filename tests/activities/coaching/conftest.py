"""Fixtures of the coaching tests: a task with a criteria rubric, its people, an evidence store."""

from __future__ import annotations

import io

import pytest

import activities.coaching.models  # noqa: F401  (registers the coaching tables before the schema is made)
from activities.coaching import KIND
from activities.coaching.files import EvidenceStore, Upload

from ..samples import PDF

RUBRIC = {
    "type": "criteria",
    "criteria": [
        {"id": "analysis", "title": "Analisis masalah", "levels": [
            {"id": "weak", "label": "Kurang", "points": 1},
            {"id": "good", "label": "Baik", "points": 3},
            {"id": "great", "label": "Sangat baik", "points": 5},
        ]},
        {"id": "action", "title": "Rencana aksi", "levels": [
            {"id": "weak", "label": "Kurang", "points": 0},
            {"id": "good", "label": "Baik", "points": 5},
        ]},
    ],
}
FULL_MARKS = {"analysis": "great", "action": "good"}


def pdf(name: str = "laporan.pdf", data: bytes = PDF) -> Upload:
    return Upload(name, io.BytesIO(data))


@pytest.fixture
def task(make_activity):
    """A task taking all three kinds of evidence, scored on a two-criterion rubric (10 points) out of 100."""
    return make_activity(KIND, {"evidence_types": ["reflection", "file", "link"], "rubric": RUBRIC,
                                "review_target_days": 3}, title="Aktualisasi nilai BerAKHLAK")


@pytest.fixture
def web_root(tmp_path):
    root = tmp_path / "app" / "static"
    root.mkdir(parents=True)
    return root


@pytest.fixture
def store(tmp_path, web_root):
    return EvidenceStore(tmp_path / "instance" / "evidence", forbidden_roots=[web_root])
