"""The readiness instrument: questions, answer key and advice, as versioned data.

Each version is one JSON file next to this module (``v1.json``, …) and is
never edited once learners have answered it: an attempt records the version
it was taken with, so its answers and scores keep their meaning. A new or
corrected question goes into a new version.

Every text a learner or facilitator reads is ``{"id": …, "en": …}``,
Indonesian first. Loading checks the structure strictly (unique ids, an
answer key that names an option, the five DigComp areas in order, both
languages present) so that a mistake fails the test suite, not a learner.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from collections.abc import Mapping
from importlib import resources
from typing import Any

from ..areas import AREAS, DIGCOMP_AREAS, TASKS
from ..exceptions import InstrumentInvalid, UnknownInstrument

#: The version a new activity uses.
CURRENT_VERSION = "v1"

_VERSION = re.compile(r"^v[0-9]{1,3}$")
_ID = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)?$")


@dataclasses.dataclass(frozen=True)
class Text:
    """One text in both languages."""

    id: str
    en: str

    def get(self, locale: str | None) -> str:
        """The text for a locale (``"en"``, ``"en_US"``, ``"id"``…); Indonesian unless English is asked."""
        return self.en if (locale or "").lower().startswith("en") else self.id

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "en": self.en}


@dataclasses.dataclass(frozen=True)
class Option:
    id: str
    text: Text
    #: What choosing it is worth (0–100) in a self-report item; None in knowledge items.
    points: float | None = None
    #: Chosen alone only ("I have no device"): it contradicts every other option.
    exclusive: bool = False


@dataclasses.dataclass(frozen=True)
class ChoiceItem:
    """A self-report question of the device and connection section."""

    id: str
    #: The area it counts towards (``device`` or ``connection``), or None if only recommendations read it.
    area: str | None
    #: ``single`` (one option) or ``multi`` (any options; the best one counts).
    kind: str
    weight: float
    prompt: Text
    options: tuple[Option, ...]

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclasses.dataclass(frozen=True)
class ScalePoint:
    value: int
    text: Text


@dataclasses.dataclass(frozen=True)
class RatingItem:
    """A self-rated proficiency on the instrument's scale."""

    id: str
    prompt: Text


@dataclasses.dataclass(frozen=True)
class KnowledgeItem:
    """A multiple-choice question with one right option, scored objectively."""

    id: str
    prompt: Text
    options: tuple[Option, ...]
    answer: str
    explanation: Text

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclasses.dataclass(frozen=True)
class SkillArea:
    id: str
    title: Text
    description: Text
    self_rating: RatingItem
    items: tuple[KnowledgeItem, ...]


@dataclasses.dataclass(frozen=True)
class Task:
    id: str
    prompt: Text
    hint: Text


@dataclasses.dataclass(frozen=True)
class Advice:
    """A recommendation a learner may receive; ``area`` says what it is about."""

    id: str
    area: str
    text: Text


@dataclasses.dataclass(frozen=True)
class RuleSpec:
    """A row of the rule table as written; :mod:`..recommendations` compiles its conditions."""

    advice: str
    when: tuple[Mapping[str, Any], ...]


@dataclasses.dataclass(frozen=True)
class Section:
    id: str
    title: Text
    intro: Text


@dataclasses.dataclass(frozen=True)
class Instrument:
    version: str
    title: Text
    intro: Text
    sections: dict[str, Section]
    device_items: tuple[ChoiceItem, ...]
    scale: tuple[ScalePoint, ...]
    areas: tuple[SkillArea, ...]
    tasks: tuple[Task, ...]
    advice: tuple[Advice, ...]
    rules: tuple[RuleSpec, ...]

    @property
    def scale_min(self) -> int:
        return self.scale[0].value

    @property
    def scale_max(self) -> int:
        return self.scale[-1].value

    def device_item(self, item_id: str) -> ChoiceItem | None:
        return next((i for i in self.device_items if i.id == item_id), None)

    def area(self, area_id: str) -> SkillArea:
        return next(a for a in self.areas if a.id == area_id)

    def skill_item_ids(self) -> list[str]:
        """Every question id of the skills section: each area's self-rating, then its knowledge items."""
        ids: list[str] = []
        for area in self.areas:
            ids.append(area.self_rating.id)
            ids.extend(item.id for item in area.items)
        return ids

    def advice_by_id(self, advice_id: str) -> Advice | None:
        return next((a for a in self.advice if a.id == advice_id), None)


def available_versions() -> tuple[str, ...]:
    """The versions shipped in the package, oldest first."""
    names = (entry.name for entry in resources.files(__name__).iterdir())
    versions = [name[:-5] for name in names if name.endswith(".json") and _VERSION.match(name[:-5])]
    return tuple(sorted(versions, key=lambda v: int(v[1:])))


@functools.cache
def load_instrument(version: str = CURRENT_VERSION) -> Instrument:
    """The instrument of a version, checked. Raises UnknownInstrument or InstrumentInvalid.

    Cached: the files are part of the package and never change while Padu runs.
    """
    if not isinstance(version, str) or not _VERSION.match(version) or version not in available_versions():
        raise UnknownInstrument(str(version))
    raw = json.loads(resources.files(__name__).joinpath(f"{version}.json").read_text(encoding="utf-8"))
    instrument = _parse(raw)
    if instrument.version != version:
        raise InstrumentInvalid("version", f"file {version}.json says {instrument.version!r}")
    return instrument


# -- parsing -----------------------------------------------------------------


def _parse(raw: Any) -> Instrument:
    doc = _obj(raw, "$")
    sections = _obj(doc.get("sections"), "sections")
    for name in ("device", "skills", "lms"):
        _obj(sections.get(name), f"sections.{name}")
    device = sections["device"]
    skills = sections["skills"]
    lms = sections["lms"]

    device_items = tuple(_choice_item(item, f"sections.device.items[{n}]")
                         for n, item in enumerate(_list(device.get("items"), "sections.device.items")))
    scale = tuple(ScalePoint(_int(p.get("value"), f"sections.skills.scale[{n}].value"),
                             _text(p.get("text"), f"sections.skills.scale[{n}].text"))
                  for n, p in enumerate(_objs(skills.get("scale"), "sections.skills.scale")))
    if len(scale) < 2 or [p.value for p in scale] != list(range(scale[0].value, scale[0].value + len(scale))):
        raise InstrumentInvalid("sections.skills.scale", "consecutive whole numbers, at least two")
    areas = tuple(_skill_area(area, f"sections.skills.areas[{n}]")
                  for n, area in enumerate(_objs(skills.get("areas"), "sections.skills.areas")))
    if tuple(a.id for a in areas) != DIGCOMP_AREAS:
        raise InstrumentInvalid("sections.skills.areas", f"must be the DigComp areas {DIGCOMP_AREAS} in order")
    tasks = tuple(Task(id=_id(t.get("id"), f"sections.lms.tasks[{n}].id"),
                       prompt=_text(t.get("prompt"), f"sections.lms.tasks[{n}].prompt"),
                       hint=_text(t.get("hint"), f"sections.lms.tasks[{n}].hint"))
                  for n, t in enumerate(_objs(lms.get("tasks"), "sections.lms.tasks")))
    if tuple(t.id for t in tasks) != TASKS:
        raise InstrumentInvalid("sections.lms.tasks", f"must be the tasks {TASKS} in order")

    recommendations = _obj(doc.get("recommendations"), "recommendations")
    advice = tuple(Advice(id=_id(a.get("id"), f"recommendations.advice[{n}].id"),
                          area=_one_of(a.get("area"), AREAS, f"recommendations.advice[{n}].area"),
                          text=_text(a.get("text"), f"recommendations.advice[{n}].text"))
                   for n, a in enumerate(_objs(recommendations.get("advice"), "recommendations.advice")))
    advice_ids = _unique([a.id for a in advice], "recommendations.advice")
    rules = []
    for n, rule in enumerate(_objs(recommendations.get("rules"), "recommendations.rules")):
        where = f"recommendations.rules[{n}]"
        if rule.get("advice") not in advice_ids:
            raise InstrumentInvalid(f"{where}.advice", f"no advice {rule.get('advice')!r}")
        when = tuple(_objs(rule.get("when"), f"{where}.when"))
        if not when:
            raise InstrumentInvalid(f"{where}.when", "at least one condition")
        rules.append(RuleSpec(advice=rule["advice"], when=when))

    all_ids = [i.id for i in device_items]
    for area in areas:
        all_ids.append(area.self_rating.id)
        all_ids.extend(i.id for i in area.items)
    _unique(all_ids, "question ids")
    for area in areas:
        for item in area.items:
            if not item.id.startswith(f"{area.id}."):
                raise InstrumentInvalid(item.id, f"knowledge items of {area.id!r} are named {area.id}.<name>")
        if area.self_rating.id != f"{area.id}.self":
            raise InstrumentInvalid(area.self_rating.id, f"the self-rating of {area.id!r} is named {area.id}.self")

    return Instrument(
        version=_str(doc.get("version"), "version"),
        title=_text(doc.get("title"), "title"),
        intro=_text(doc.get("intro"), "intro"),
        sections={name: Section(id=name, title=_text(sections[name].get("title"), f"sections.{name}.title"),
                                intro=_text(sections[name].get("intro"), f"sections.{name}.intro"))
                  for name in ("device", "skills", "lms")},
        device_items=device_items,
        scale=scale,
        areas=areas,
        tasks=tasks,
        advice=advice,
        rules=tuple(rules),
    )


def _choice_item(raw: Any, where: str) -> ChoiceItem:
    item = _obj(raw, where)
    area = item.get("area")
    if area is not None:
        _one_of(area, ("device", "connection"), f"{where}.area")
    kind = _one_of(item.get("kind"), ("single", "multi"), f"{where}.kind")
    weight = _number(item.get("weight"), f"{where}.weight")
    if weight < 0 or (area is None) != (weight == 0):
        raise InstrumentInvalid(f"{where}.weight", "positive when the item counts towards an area, else 0")
    options = tuple(_option(o, f"{where}.options[{n}]", scored=area is not None)
                    for n, o in enumerate(_objs(item.get("options"), f"{where}.options")))
    _options_ok(options, where)
    if kind == "single" and any(o.exclusive for o in options):
        raise InstrumentInvalid(f"{where}.options", "only a multiple-choice item has an exclusive option")
    return ChoiceItem(id=_id(item.get("id"), f"{where}.id"), area=area, kind=kind, weight=weight,
                      prompt=_text(item.get("prompt"), f"{where}.prompt"), options=options)


def _skill_area(raw: Any, where: str) -> SkillArea:
    area = _obj(raw, where)
    rating = _obj(area.get("self_rating"), f"{where}.self_rating")
    items = []
    for n, raw_item in enumerate(_objs(area.get("items"), f"{where}.items")):
        at = f"{where}.items[{n}]"
        options = tuple(_option(o, f"{at}.options[{m}]", scored=False)
                        for m, o in enumerate(_objs(raw_item.get("options"), f"{at}.options")))
        _options_ok(options, at)
        if len(options) < 3:
            raise InstrumentInvalid(f"{at}.options", "a knowledge item needs at least three options")
        answer = raw_item.get("answer")
        if answer not in {o.id for o in options}:
            raise InstrumentInvalid(f"{at}.answer", f"{answer!r} is not one of the options")
        items.append(KnowledgeItem(id=_id(raw_item.get("id"), f"{at}.id"), prompt=_text(raw_item.get("prompt"), f"{at}.prompt"),
                                   options=options, answer=answer,
                                   explanation=_text(raw_item.get("explanation"), f"{at}.explanation")))
    if not items:
        raise InstrumentInvalid(f"{where}.items", "at least one knowledge item")
    return SkillArea(
        id=_id(area.get("id"), f"{where}.id"),
        title=_text(area.get("title"), f"{where}.title"),
        description=_text(area.get("description"), f"{where}.description"),
        self_rating=RatingItem(id=_id(rating.get("id"), f"{where}.self_rating.id"),
                               prompt=_text(rating.get("prompt"), f"{where}.self_rating.prompt")),
        items=tuple(items),
    )


def _option(raw: Any, where: str, *, scored: bool) -> Option:
    option = _obj(raw, where)
    points = option.get("points")
    if scored:
        points = _number(points, f"{where}.points")
        if not 0 <= points <= 100:
            raise InstrumentInvalid(f"{where}.points", "between 0 and 100")
    elif points is not None:
        raise InstrumentInvalid(f"{where}.points", "only options of a scored self-report item have points")
    exclusive = option.get("exclusive", False)
    if not isinstance(exclusive, bool):
        raise InstrumentInvalid(f"{where}.exclusive", "true or false")
    return Option(id=_id(option.get("id"), f"{where}.id"), text=_text(option.get("text"), f"{where}.text"),
                  points=points, exclusive=exclusive)


def _options_ok(options: tuple[Option, ...], where: str) -> None:
    if len(options) < 2:
        raise InstrumentInvalid(f"{where}.options", "at least two options")
    _unique([o.id for o in options], f"{where}.options")


def _text(raw: Any, where: str) -> Text:
    text = _obj(raw, where)
    if set(text) != {"id", "en"}:
        raise InstrumentInvalid(where, "a text is exactly {\"id\": …, \"en\": …}")
    return Text(id=_str(text["id"], f"{where}.id"), en=_str(text["en"], f"{where}.en"))


def _obj(raw: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(raw, Mapping):
        raise InstrumentInvalid(where, "must be an object")
    return raw


def _list(raw: Any, where: str) -> list[Any]:
    if not isinstance(raw, list):
        raise InstrumentInvalid(where, "must be a list")
    return raw


def _objs(raw: Any, where: str) -> list[Mapping[str, Any]]:
    return [_obj(item, f"{where}[{n}]") for n, item in enumerate(_list(raw, where))]


def _str(raw: Any, where: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise InstrumentInvalid(where, "must be non-empty text")
    return raw


def _id(raw: Any, where: str) -> str:
    if not isinstance(raw, str) or not _ID.match(raw):
        raise InstrumentInvalid(where, f"{raw!r} is not an id (lower case, digits, _ and one optional dot)")
    return raw


def _int(raw: Any, where: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise InstrumentInvalid(where, "must be a whole number")
    return raw


def _number(raw: Any, where: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise InstrumentInvalid(where, "must be a number")
    return float(raw)


def _one_of(raw: object, allowed: tuple[str, ...], where: str) -> str:
    if not isinstance(raw, str) or raw not in allowed:
        raise InstrumentInvalid(where, f"{raw!r} is not one of {allowed}")
    return raw


def _unique(ids: list[str], where: str) -> set[str]:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise InstrumentInvalid(where, f"{item!r} appears twice")
        seen.add(item)
    return seen
