"""The activity kinds as the domain registers them: known to any process, with or without Flask."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from activities import registry
from activities.coaching.settings import validate_settings as coaching_settings
from activities.facts import FactProvider
from activities.readiness.settings import validate_settings as readiness_settings

REPO = Path(__file__).resolve().parents[2]
TAGS = {"readiness": "readiness", "coaching": "coaching", "gating": "gating", "dashboard": "dashboard"}


def test_every_domain_package_registers_its_kind_and_tag():
    assert registry.known_kinds() == set(TAGS)
    assert {kind.kind: kind.tag for kind in registry.all_kinds()} == TAGS
    assert {kind: registry.line_item_tag(kind) for kind in TAGS} == TAGS


def test_a_kind_s_default_settings_are_valid_settings_of_that_kind():
    readiness_settings(registry.get("readiness").default_settings())
    coaching_settings(registry.get("coaching").default_settings())
    assert {kind.default_score_maximum for kind in registry.all_kinds()} == {100.0}


def test_a_kind_names_its_fact_providers():
    made = {
        ("readiness", "result"): registry.get("readiness").facts["result"](activity_id=1),
        ("coaching", "tasks_accepted"): registry.get("coaching").facts["tasks_accepted"](needed=2, min_percent=70),
        ("coaching", "reviews_waiting"): registry.get("coaching").facts["reviews_waiting"](),
        ("coaching", "review_time"): registry.get("coaching").facts["review_time"](),
        ("course", "coaching_sessions_held"): registry.course_facts()["coaching_sessions_held"](needed=3),
    }
    assert all(isinstance(provider, FactProvider) for provider in made.values())


def test_a_process_that_imports_only_the_registry_knows_the_course_s_facts_without_flask():
    script = (
        "import json, sys\n"
        "from activities import registry\n"
        "print(json.dumps({'course_facts': sorted(registry.course_facts()),\n"
        "                  'flask': sorted(m for m in sys.modules if m == 'flask' or m.startswith('lti_tool'))}))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60,
                         check=True).stdout
    assert json.loads(out) == {"course_facts": ["attendance", "coaching_sessions_held"], "flask": []}


def test_only_the_course_dashboard_is_a_kind_without_a_grade():
    assert {kind.kind for kind in registry.all_kinds() if not kind.graded} == {"dashboard"}


def test_an_unknown_kind_is_tagged_with_its_own_name():
    assert registry.get("quiz") is None
    assert registry.line_item_tag("quiz") == "quiz"


def test_a_process_that_imports_only_the_registry_knows_every_kind_without_flask():
    script = (
        "import json, sys\n"
        "from activities import registry\n"
        "print(json.dumps({'tags': {k: registry.line_item_tag(k) for k in sorted(registry.known_kinds())},\n"
        "                  'flask': sorted(m for m in sys.modules if m == 'flask' or m.startswith('lti_tool'))}))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60,
                         check=True).stdout
    assert json.loads(out) == {"tags": TAGS, "flask": []}
