"""Fixtures of the readiness tests: a configured check, learners, complete answers, probe results, files."""

from __future__ import annotations

import pytest

import activities.readiness.models  # noqa: F401  (registers the readiness tables before the schema is made)
from activities.readiness import KIND
from activities.readiness.instrument import load_instrument

from ..samples import PDF  # noqa: F401  (test_attempts imports it from here)

CODE = "PADU-2026"


def skills_answers(right: bool = True, rating: int = 4) -> dict:
    """Every skills question answered: all right (or all wrong), every area self-rated ``rating``."""
    instrument = load_instrument()
    answers = {}
    for area in instrument.areas:
        answers[area.self_rating.id] = rating
        for item in area.items:
            answers[item.id] = item.answer if right else next(o.id for o in item.options if o.id != item.answer)
    return answers


GOOD_DEVICE = {
    "devices": ["laptop", "smartphone"],
    "headset": "yes",
    "power": "stable",
    "study_place": "office",
    "connection_type": "fixed",
    "data_quota": "unlimited",
    "connection_stability": "stable",
}

POOR_DEVICE = {
    "devices": ["smartphone"],
    "headset": "no",
    "power": "often",
    "study_place": "public",
    "connection_type": "mobile",
    "data_quota": "lt_5",
    "connection_stability": "often",
}


def probe_result(**changes) -> dict:
    """A probe result of a good office connection on a laptop, with ``changes`` applied."""
    result = {
        "download_kbps": 20000.0,
        "upload_kbps": 8000.0,
        "latency_ms": 35.0,
        "jitter_ms": 4.0,
        "samples": 10,
        "screen_width": 1366,
        "screen_height": 768,
        "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0",
        "has_camera": True,
        "has_microphone": True,
        "camera_permission": None,
        "microphone_permission": None,
    }
    result.update(changes)
    return result


@pytest.fixture
def instrument():
    return load_instrument()


@pytest.fixture
def check(make_activity):
    """A readiness check with every section, the code set, 3 attempts keeping the last, out of 100."""
    return make_activity(KIND, {"find_code": CODE}, title="Cek Kesiapan Digital")


@pytest.fixture
def make_check(make_activity):
    def make(score_maximum: float = 100.0, **settings):
        settings.setdefault("find_code", CODE)
        return make_activity(KIND, settings, title="Cek Kesiapan Digital", score_maximum=score_maximum)

    return make


@pytest.fixture
def budi(make_person):
    return make_person("Budi")


@pytest.fixture
def upload_dir(tmp_path):
    return tmp_path / "instance" / "readiness-uploads"
