"""The activity kinds in the web app and in a standalone grade worker: the same kinds, the same gradebook tags.

Before the registry moved into the domain, kinds were registered when the web
blueprints were imported, so a ``padu worker`` process knew none and tagged a
new gradebook column with whatever the activity's kind was.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

from activities import registry
from lti_tool import activity_types, grade_delivery
from lti_tool.lti1p3.deep_linking import LinkConfig, content_item

REPO = Path(__file__).resolve().parents[2]


def test_a_worker_process_without_the_web_app_sees_every_kind_and_its_tag():
    # What `padu worker` imports: the CLI and the grade worker, never the app factory or a blueprint.
    script = (
        "import json, sys\n"
        "from lti_tool import cli, worker\n"
        "from activities import registry\n"
        "print(json.dumps({'tags': {k: registry.line_item_tag(k) for k in sorted(registry.known_kinds())},\n"
        "                  'web': sorted(m for m in sys.modules if m in ('lti_tool.app', 'lti_tool.readiness',\n"
        "                                                                 'lti_tool.coaching'))}))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60,
                         check=True).stdout
    assert json.loads(out) == {"tags": {"coaching": "coaching", "dashboard": "dashboard", "gating": "gating",
                                        "readiness": "readiness"},
                               "web": []}


@pytest.fixture
def distinct_tag(monkeypatch):
    """Give coaching a tag unlike its kind, so a fallback to the kind would show."""
    registry.known_kinds()
    coaching = registry._KINDS["coaching"]
    monkeypatch.setitem(registry._KINDS, "coaching", dataclasses.replace(coaching, tag="padu-coaching"))
    return "padu-coaching"


def test_the_grade_worker_tags_a_new_column_as_the_domain_registry_says(db, platform, make_activity, distinct_tag):
    activity = make_activity("coaching", {}, title="Tugas")
    activity.lineitems_url = "https://moodle.example.go.id/mod/lti/services.php/2/lineitems?type_id=1"
    db.flush()
    asked = {}

    def find_or_create_lineitem(platform, lineitems_url, **kwargs):
        asked.update(kwargs)
        return "https://moodle.example.go.id/mod/lti/services.php/2/lineitems/7/lineitem?type_id=1"

    runtime = types.SimpleNamespace(ags=types.SimpleNamespace(find_or_create_lineitem=find_or_create_lineitem))
    assert grade_delivery._lineitem_url(runtime, db, platform, activity).endswith("/lineitems/7/lineitem?type_id=1")
    assert asked["tag"] == distinct_tag


def test_a_deep_linked_column_carries_the_same_tag(distinct_tag):
    config = LinkConfig(kind="coaching", title="Tugas", score_maximum=40.0, locale="id")
    item = content_item(config, "signed", "http://127.0.0.1:5000/lti/launch", {"accept_types": ["ltiResourceLink"]})
    assert item["lineItem"]["tag"] == distinct_tag


def test_the_web_app_serves_every_domain_kind_and_only_those():
    import lti_tool.coaching  # noqa: F401
    import lti_tool.dashboard  # noqa: F401
    import lti_tool.gating  # noqa: F401
    import lti_tool.readiness  # noqa: F401

    assert activity_types.known_kinds() == registry.known_kinds() == {"readiness", "coaching", "gating", "dashboard"}
    for kind in activity_types.known_kinds():
        web, domain = activity_types.get(kind), registry.get(kind)
        assert (web.tag, web.default_score_maximum) == (domain.tag, domain.default_score_maximum)
        assert web.default_settings() == domain.default_settings()
    with pytest.raises(LookupError):
        activity_types.register(dataclasses.replace(activity_types.get("coaching"), kind="quiz"))
