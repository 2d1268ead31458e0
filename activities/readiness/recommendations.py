"""Recommendations from a rule table: data in the instrument, read by one small engine.

The table (``recommendations`` in the instrument JSON) has two parts:

* ``advice``: what a learner may be told, bilingual, in priority order;
* ``rules``: ``{"advice": id, "when": [condition, …]}``; a rule fires when
  all its conditions hold. Several rules may lead to the same advice (slow
  download *or* an unstable line → study from the office): the learner gets
  the advice once, with every reason that led to it.

A condition names a *fact* and one comparison::

    {"fact": "probe.download_kbps", "below": {"setting": "min_download_kbps"}}
    {"fact": "area.safety", "below": 50}
    {"fact": "answer.data_quota", "in": ["lt_5", "5_10"]}
    {"fact": "answer.devices", "lacks_all": ["laptop", "desktop"]}
    {"fact": "task.upload", "is": false}

Facts: ``area.<area>`` and ``index`` (the profile), ``probe.<field>``,
``answer.<self-report item>``, ``task.<task>`` (True done, False not done;
None when the task is not active). A fact that is unknown (no probe, a
section left out) makes its condition false: advice is given on evidence,
never on its absence. The table is compiled and checked when first used,
and the tests compile every shipped version, so a typo never reaches a learner.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from typing import Any

from .areas import AREAS, TASKS
from .exceptions import InstrumentInvalid
from .instrument import Instrument, Text, load_instrument
from .probe import FIELDS as PROBE_FIELDS
from .probe import PERMISSION_STATES, ProbeResult
from .scoring import Profile
from .settings import THRESHOLD_SETTINGS, ReadinessSettings

_OPS = ("below", "above", "in", "lacks_all", "is")
_NUMERIC_PROBE = ("download_kbps", "upload_kbps", "latency_ms", "jitter_ms", "samples", "screen_width", "screen_height")


@dataclasses.dataclass(frozen=True)
class Reason:
    """Why an advice was given: the fact, its value, and what it was compared with."""

    fact: str
    value: Any
    op: str
    threshold: Any

    def to_dict(self) -> dict[str, Any]:
        return {"fact": self.fact, "value": self.value, "op": self.op, "threshold": self.threshold}


@dataclasses.dataclass(frozen=True)
class Recommendation:
    id: str
    #: The area the advice is about (for grouping on the learner's profile).
    area: str
    text: Text
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "area": self.area, "text": self.text.to_dict(),
                "reasons": [r.to_dict() for r in self.reasons]}


@dataclasses.dataclass(frozen=True)
class Condition:
    fact: str
    op: str
    #: A number, a list of option ids, a bool, or ``("setting", name)``.
    operand: Any

    def threshold(self, settings: ReadinessSettings) -> Any:
        if isinstance(self.operand, tuple) and self.operand[0] == "setting":
            return getattr(settings, self.operand[1])
        return self.operand

    def check(self, facts: Mapping[str, Any], settings: ReadinessSettings) -> Reason | None:
        """The reason if the condition holds, else None."""
        value = facts.get(self.fact)
        if value is None:
            return None
        limit = self.threshold(settings)
        if self.op == "below":
            holds = value < limit
        elif self.op == "above":
            holds = value > limit
        elif self.op == "in":
            holds = value in limit
        elif self.op == "lacks_all":
            holds = not set(value) & set(limit)
        else:  # "is"
            holds = value is limit
        if not holds:
            return None
        shown = list(value) if isinstance(value, (list, tuple)) else value
        return Reason(fact=self.fact, value=shown, op=self.op,
                      threshold=list(limit) if isinstance(limit, tuple) else limit)


@dataclasses.dataclass(frozen=True)
class Rule:
    advice: str
    when: tuple[Condition, ...]


def facts_of(
    profile: Profile,
    *,
    self_report: Mapping[str, Any],
    probe: ProbeResult | None,
    tasks: Mapping[str, bool],
    settings: ReadinessSettings,
) -> dict[str, Any]:
    """Everything a rule may look at, under the names the table uses."""
    facts: dict[str, Any] = {f"area.{area}": score for area, score in profile.areas.items()}
    facts["index"] = profile.index
    for name in PROBE_FIELDS:
        facts[f"probe.{name}"] = getattr(probe, name) if probe is not None else None
    for key, value in self_report.items():
        facts[f"answer.{key}"] = value
    for task in TASKS:
        facts[f"task.{task}"] = (tasks.get(task) is True) if task in settings.active_tasks else None
    return facts


def recommend(
    instrument: Instrument,
    settings: ReadinessSettings,
    profile: Profile,
    *,
    self_report: Mapping[str, Any],
    probe: ProbeResult | None,
    tasks: Mapping[str, bool],
) -> list[Recommendation]:
    """The advice that applies, in the table's priority order, each once with all its reasons."""
    facts = facts_of(profile, self_report=self_report, probe=probe, tasks=tasks, settings=settings)
    reasons: dict[str, list[Reason]] = {}
    for rule in compiled_rules(instrument.version):
        checked = [condition.check(facts, settings) for condition in rule.when]
        found = [reason for reason in checked if reason is not None]
        if len(found) == len(checked):  # every condition holds
            bucket = reasons.setdefault(rule.advice, [])
            bucket.extend(r for r in found if r not in bucket)
    return [
        Recommendation(id=advice.id, area=advice.area, text=advice.text, reasons=tuple(reasons[advice.id]))
        for advice in instrument.advice
        if advice.id in reasons
    ]


@functools.cache
def compiled_rules(version: str) -> tuple[Rule, ...]:
    """The rule table of an instrument version, checked against the facts and settings that exist."""
    instrument = load_instrument(version)
    rules = []
    for n, spec in enumerate(instrument.rules):
        conditions = tuple(_condition(instrument, raw, f"recommendations.rules[{n}].when[{m}]")
                           for m, raw in enumerate(spec.when))
        rules.append(Rule(advice=spec.advice, when=conditions))
    return tuple(rules)


# -- compiling a condition ---------------------------------------------------


def _condition(instrument: Instrument, raw: Mapping[str, Any], where: str) -> Condition:
    ops = [key for key in raw if key != "fact"]
    if len(ops) != 1 or ops[0] not in _OPS:
        raise InstrumentInvalid(where, f"a fact and exactly one of {', '.join(_OPS)}")
    fact, op = raw.get("fact"), ops[0]
    operand = raw[op]
    if not isinstance(fact, str):
        raise InstrumentInvalid(where, "a condition names a fact")
    kind, options = _fact_kind(instrument, fact, where)

    if op in ("below", "above"):
        if kind != "number":
            raise InstrumentInvalid(where, f"{fact} is not a number")
        if isinstance(operand, Mapping):
            name = operand.get("setting")
            if set(operand) != {"setting"} or name not in THRESHOLD_SETTINGS:
                raise InstrumentInvalid(where, f"setting must be one of {', '.join(THRESHOLD_SETTINGS)}")
            operand = ("setting", name)
        elif isinstance(operand, bool) or not isinstance(operand, (int, float)):
            raise InstrumentInvalid(where, "compare with a number or a setting")
    elif op == "is":
        if kind != "flag" or not isinstance(operand, bool):
            raise InstrumentInvalid(where, f"'is' compares a true/false fact with true or false; {fact} is {kind}")
    else:
        wanted = "choice" if op == "in" else "choices"
        if kind != wanted:
            raise InstrumentInvalid(where, f"{op!r} does not apply to {fact} ({kind})")
        if not isinstance(operand, list) or not operand:
            raise InstrumentInvalid(where, "a non-empty list of option ids")
        unknown = [o for o in operand if o not in options]
        if unknown:
            raise InstrumentInvalid(where, f"{fact} has no option {unknown[0]!r}")
        operand = tuple(operand)
    return Condition(fact=fact, op=op, operand=operand)


def _fact_kind(instrument: Instrument, fact: str, where: str) -> tuple[str, tuple[str, ...]]:
    """What a fact holds: ``number``, ``flag``, ``choice`` or ``choices``, and its options."""
    prefix, _, name = fact.partition(".")
    if fact == "index" or (prefix == "area" and name in AREAS):
        return "number", ()
    if prefix == "task" and name in TASKS:
        return "flag", ()
    if prefix == "probe" and name in PROBE_FIELDS:
        if name in _NUMERIC_PROBE:
            return "number", ()
        if name.startswith("has_"):
            return "flag", ()
        if name.endswith("_permission"):
            return "choice", PERMISSION_STATES
    if prefix == "answer":
        item = instrument.device_item(name)
        if item is not None:
            return ("choices" if item.kind == "multi" else "choice"), tuple(o.id for o in item.options)
    raise InstrumentInvalid(where, f"unknown fact {fact!r}")
