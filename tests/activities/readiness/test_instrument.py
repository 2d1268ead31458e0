"""The shipped instrument: every version loads, speaks both languages, and its rules compile."""

import copy
import json
from importlib import resources

import pytest

from activities.readiness.areas import DIGCOMP_AREAS, TASKS
from activities.readiness.exceptions import InstrumentInvalid, UnknownInstrument
from activities.readiness.instrument import Text, _parse, available_versions, load_instrument
from activities.readiness.recommendations import compiled_rules


def _raw(version="v1"):
    files = resources.files("activities.readiness.instrument")
    return json.loads(files.joinpath(f"{version}.json").read_text(encoding="utf-8"))


def _texts(node):
    """Every {"id", "en"} text in a JSON tree."""
    if isinstance(node, dict):
        if set(node) == {"id", "en"} and all(isinstance(v, str) for v in node.values()):
            yield node
            return
        for value in node.values():
            yield from _texts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _texts(value)


@pytest.mark.parametrize("version", available_versions())
def test_every_shipped_version_loads_and_its_rules_compile(version):
    instrument = load_instrument(version)
    assert instrument.version == version
    assert tuple(a.id for a in instrument.areas) == DIGCOMP_AREAS
    assert tuple(t.id for t in instrument.tasks) == TASKS
    assert compiled_rules(version)


@pytest.mark.parametrize("version", available_versions())
def test_every_text_is_written_in_indonesian_and_english(version):
    texts = list(_texts(_raw(version)))
    assert len(texts) > 100
    for text in texts:
        assert text["id"].strip() and text["en"].strip()


def test_the_skills_section_has_a_self_rating_and_two_or_three_knowledge_items_per_area(instrument):
    for area in instrument.areas:
        assert area.self_rating.id == f"{area.id}.self"
        assert 2 <= len(area.items) <= 3
        for item in area.items:
            assert item.option(item.answer) is not None
            assert len(item.options) == 4


def test_the_answer_key_is_not_always_the_same_letter(instrument):
    keys = [item.answer for area in instrument.areas for item in area.items]
    assert len(set(keys)) >= 3


def test_the_phishing_item_is_about_a_fake_bkn_sender(instrument):
    item = next(i for i in instrument.area("safety").items if i.id == "safety.phishing")
    assert "bkn-verifikasi.com" in item.prompt.id
    assert "bkn.go.id" in item.option(item.answer).text.id


def test_text_picks_the_language_and_defaults_to_indonesian():
    text = Text(id="Siap", en="Ready")
    assert text.get("en") == text.get("en_US") == "Ready"
    assert text.get("id") == text.get(None) == text.get("jv") == "Siap"


@pytest.mark.parametrize("version", ["v0", "v99", "../v1", "v1.json", "", None])
def test_unknown_versions_are_refused(version):
    with pytest.raises(UnknownInstrument):
        load_instrument(version)


def _broken(mutate):
    raw = copy.deepcopy(_raw())
    mutate(raw)
    return raw


def _area(raw, n=0):
    return raw["sections"]["skills"]["areas"][n]


@pytest.mark.parametrize("mutate, where", [
    (lambda r: _area(r)["items"][0].update(answer="z"), "answer"),
    (lambda r: _area(r)["items"][0]["prompt"].pop("en"), "prompt"),
    (lambda r: _area(r)["items"][0]["prompt"].update(id=" "), "prompt.id"),
    (lambda r: _area(r)["items"][1].update(id=_area(r)["items"][0]["id"]), "question ids"),
    (lambda r: r["sections"]["skills"]["areas"].pop(), "sections.skills.areas"),
    (lambda r: _area(r, 1).update(id="information"), "sections.skills.areas"),
    (lambda r: r["sections"]["device"]["items"][0]["options"][0].update(points=120), "points"),
    (lambda r: r["sections"]["device"]["items"][1].update(kind="many"), "kind"),
    (lambda r: r["recommendations"]["rules"][0].update(advice="nothing"), "advice"),
    (lambda r: r["sections"]["lms"]["tasks"].pop(), "sections.lms.tasks"),
], ids=["answer-not-an-option", "missing-english", "blank-text", "duplicate-id", "four-areas", "area-order",
        "points-over-100", "unknown-kind", "rule-without-advice", "missing-task"])
def test_a_broken_instrument_is_refused_with_the_place_named(mutate, where):
    with pytest.raises(InstrumentInvalid) as caught:
        _parse(_broken(mutate))
    assert where in caught.value.where
