"""Requirement kinds: what a phase can ask of a learner, as a small registry.

Each kind validates its parameters and evaluates *many learners at once*
from the facts protocol (:mod:`activities.facts`), never one query per
learner. The engine (:mod:`.engine`) knows only :class:`Check`; a later issue
adds a kind (attendance, a native Moodle activity) by calling
:func:`register`, without touching the engine.

Plain data only (no Babel): progress is numbers and a text key the web layer
words, e.g. ``Progress(62, 75, "gating.readiness_index")`` → "indeks 62, perlu 75".
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Hashable, Mapping
from typing import Any, NamedTuple, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import registry
from ..core import Activity
from ..db import JsonObject
from ..facts import Fact, FactProvider, NextStep, Progress, SharedRead, Status, Step, learners_among

#: Readiness bands from lowest to highest; the values of ``activities.readiness.areas.Band``,
#: which is also what a readiness fact's ``band`` carries.
BAND_ORDER = ("belum_siap", "siap_dengan_pendampingan", "siap")

READINESS_INDEX_KEY = "gating.readiness_index"
READINESS_BAND_KEY = "gating.readiness_band"
SIGN_OFF_KEY = "gating.sign_off"
#: The activity a requirement reads was removed from the course.
UNAVAILABLE_KEY = "gating.unavailable"
MAX_SESSIONS = 100


class RequirementInvalid(ValueError):
    """A requirement's parameters are wrong; ``field`` names the one to fix."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class Check(NamedTuple):
    """One requirement for one learner: met or not, how far, and what to do next.

    A named tuple rather than a dataclass: a cohort of 5,000 with 10 requirements makes 50,000.
    """

    met: bool
    progress: Progress
    next_step: NextStep | None = None


@dataclasses.dataclass(frozen=True)
class RequirementPlan:
    """A requirement as the engine sees it (no ORM): id, kind, validated params, group."""

    id: int
    kind: str
    params: Mapping[str, Any]
    group_id: int | None = None


class Evaluation:
    """One evaluation of a course's requirements for a set of learners.

    Asks each distinct fact provider once (two requirements on the same
    readiness check, with other thresholds, share one answer), and reads once
    for all providers that share a read (:class:`activities.facts.SharedRead`:
    the coaching tasks of a program's several "tasks accepted" requirements,
    each with other tasks or scores, come from one query).
    """

    def __init__(self, session: Session, course_id: int, learner_ids: list[int]):
        self.session = session
        self.course_id = course_id
        self.learner_ids = learner_ids
        self._answers: dict[FactProvider, Mapping[int, Fact]] = {}
        self._reads: dict[Hashable, object] = {}

    def facts(self, provider: FactProvider) -> Mapping[int, Fact]:
        if provider not in self._answers:
            if isinstance(provider, SharedRead):
                if provider.read_key not in self._reads:
                    self._reads[provider.read_key] = provider.read(self.session, self.course_id, self.learner_ids)
                answer = provider.facts_from(self._reads[provider.read_key], self.learner_ids)
            else:
                answer = provider.facts(self.session, self.course_id, self.learner_ids)
            self._answers[provider] = answer
        return self._answers[provider]


class RequirementKind(Protocol):
    kind: str

    def validate(self, session: Session, course_id: int, params: Mapping[str, Any]) -> JsonObject:
        """The params cleaned, or :class:`RequirementInvalid`."""

    def evaluate(self, evaluation: Evaluation, requirement: RequirementPlan) -> dict[int, Check]:
        """A :class:`Check` for every learner of the evaluation.

        From the facts only, never the clock: whether requirements are met is
        stored at each recompute and reused at any later time by the cohort grid
        (:func:`.store.standings_for`); a change to what a kind reads must call
        :func:`activities.events.fact_changed`."""


_KINDS: dict[str, RequirementKind] = {}


def register(kind: RequirementKind) -> RequirementKind:
    _KINDS[kind.kind] = kind
    return kind


def get(kind: str) -> RequirementKind:
    if kind not in _KINDS:
        registry.known_kinds()  # kinds another package registers (the native Moodle ones) are imported then
    try:
        return _KINDS[kind]
    except KeyError:
        raise RequirementInvalid("kind", f"unknown requirement kind {kind!r}") from None


def kinds() -> list[str]:
    registry.known_kinds()
    return list(_KINDS)


def validate(session: Session, course_id: int, kind: str, params: Any) -> JsonObject:
    if not isinstance(params, Mapping):
        raise RequirementInvalid("params", "must be an object")
    return get(kind).validate(session, course_id, params)


def evaluate_all(evaluation: Evaluation, requirements: list[RequirementPlan]) -> dict[int, dict[int, Check]]:
    """By learner, by requirement id: every check. A constant number of statements per requirement."""
    by_learner: dict[int, dict[int, Check]] = {learner_id: {} for learner_id in evaluation.learner_ids}
    for requirement in requirements:
        for learner_id, check in get(requirement.kind).evaluate(evaluation, requirement).items():
            by_learner[learner_id][requirement.id] = check
    return by_learner


# ---- parameter helpers -------------------------------------------------------------------


def _int(params: Mapping[str, Any], name: str, *, minimum: int, maximum: int, required: bool = True) -> int | None:
    value = params.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise RequirementInvalid(name, f"a whole number from {minimum} to {maximum}")
    return value


def _percent(params: Mapping[str, Any], name: str) -> float | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= float(value) <= 100:
        raise RequirementInvalid(name, "a number from 0 to 100")
    return float(value)


def _course_activities(session: Session, course_id: int, kind: str) -> set[int]:
    return set(session.scalars(select(Activity.id).where(Activity.course_id == course_id, Activity.kind == kind)))


def _unknown_keys(params: Mapping[str, Any], allowed: set[str]) -> None:
    extra = set(params) - allowed
    if extra:
        raise RequirementInvalid(sorted(extra)[0], "not a parameter of this requirement")


def _provider(activity_kind: str, name: str, **params: Any) -> FactProvider:
    kind = registry.get(activity_kind)
    if kind is None or name not in kind.facts:
        raise RequirementInvalid("kind", f"no {activity_kind} facts named {name!r}")
    return kind.facts[name](**params)


# ---- the kinds -------------------------------------------------------------------------------


class ReadinessReached:
    """A chosen readiness check's kept result reached a band and/or an index.

    Params: ``activity_id``; ``band`` (lowest band accepted) and/or
    ``min_index`` (0–100); neither means "submitted".
    """

    kind = "readiness"

    def validate(self, session: Session, course_id: int, params: Mapping[str, Any]) -> JsonObject:
        _unknown_keys(params, {"activity_id", "band", "min_index"})
        activity_id = _int(params, "activity_id", minimum=1, maximum=2**62)
        if activity_id not in _course_activities(session, course_id, "readiness"):
            raise RequirementInvalid("activity_id", "not a readiness check of this course")
        band = params.get("band")
        if band is not None and band not in BAND_ORDER:
            raise RequirementInvalid("band", f"one of {', '.join(BAND_ORDER)}")
        cleaned: JsonObject = {"activity_id": activity_id}
        if band is not None:
            cleaned["band"] = band
        min_index = _percent(params, "min_index")
        if min_index is not None:
            cleaned["min_index"] = min_index
        return cleaned

    def evaluate(self, evaluation: Evaluation, requirement: RequirementPlan) -> dict[int, Check]:
        params = requirement.params
        activity = evaluation.session.get(Activity, params["activity_id"])
        if activity is None or activity.course_id != evaluation.course_id or activity.kind != "readiness":
            # The check was removed from the course: the requirement cannot be met (staff see why),
            # and every other fact change in the course goes on working.
            return {i: Check(False, Progress(0, 1, UNAVAILABLE_KEY)) for i in evaluation.learner_ids}
        facts = evaluation.facts(_provider("readiness", "result", activity_id=params["activity_id"]))
        return {learner_id: self._check(fact, params) for learner_id, fact in facts.items()}

    @staticmethod
    def _check(fact: Fact, params: Mapping[str, Any]) -> Check:
        if fact.status is not Status.DONE or fact.value is None:
            # No result yet: the readiness fact's own "0 of 1 submitted" and its next step.
            return Check(False, fact.progress, fact.next_step)
        band, min_index = params.get("band"), params.get("min_index")
        band_met = band is None or (fact.band in BAND_ORDER and BAND_ORDER.index(fact.band) >= BAND_ORDER.index(band))
        index_met = min_index is None or fact.value >= min_index
        if min_index is not None:
            progress = Progress(int(fact.value), int(round(min_index)), READINESS_INDEX_KEY)
        elif band is not None:
            rank = BAND_ORDER.index(fact.band) if fact.band in BAND_ORDER else 0
            progress = Progress(rank, BAND_ORDER.index(band), READINESS_BAND_KEY)
        else:
            progress = fact.progress
        met = band_met and index_met
        # Not reached: retaking the check is the way on (the web layer shows the attempts left).
        step = None if met else NextStep(fact.next_step.step if fact.next_step else Step.START, params["activity_id"])
        return Check(met, progress, step)


class CoachingTasksAccepted:
    """Coaching tasks accepted: every task of the course, or the chosen ``activity_ids``;
    optionally only with at least ``min_percent`` of the maximum score, and ``needed`` of them."""

    kind = "coaching_tasks"

    def validate(self, session: Session, course_id: int, params: Mapping[str, Any]) -> JsonObject:
        _unknown_keys(params, {"activity_ids", "min_percent", "needed"})
        cleaned: JsonObject = {}
        chosen = params.get("activity_ids")
        if chosen is not None:
            if (not isinstance(chosen, list) or not chosen or len(chosen) > 200
                    or not all(isinstance(i, int) and not isinstance(i, bool) for i in chosen)):
                raise RequirementInvalid("activity_ids", "a list of coaching tasks")
            if not set(chosen) <= _course_activities(session, course_id, "coaching"):
                raise RequirementInvalid("activity_ids", "not a coaching task of this course")
            cleaned["activity_ids"] = sorted(set(chosen))
        min_percent = _percent(params, "min_percent")
        if min_percent is not None:
            cleaned["min_percent"] = min_percent
        needed = _int(params, "needed", minimum=1, maximum=200, required=False)
        if needed is not None:
            if chosen is not None and needed > len(cleaned["activity_ids"]):
                raise RequirementInvalid("needed", "more than the tasks chosen")
            cleaned["needed"] = needed
        return cleaned

    def evaluate(self, evaluation: Evaluation, requirement: RequirementPlan) -> dict[int, Check]:
        params = requirement.params
        chosen = params.get("activity_ids")
        provider = _provider("coaching", "tasks_accepted", needed=params.get("needed"),
                             min_percent=params.get("min_percent"),
                             activity_ids=tuple(chosen) if chosen is not None else None)
        return {i: Check(f.status is Status.DONE, f.progress, f.next_step)
                for i, f in evaluation.facts(provider).items()}


class CoachingSessionsHeld:
    """At least ``needed`` coaching sessions held with the learner in the course."""

    kind = "coaching_sessions"

    def validate(self, session: Session, course_id: int, params: Mapping[str, Any]) -> JsonObject:
        _unknown_keys(params, {"needed"})
        return {"needed": _int(params, "needed", minimum=1, maximum=MAX_SESSIONS)}

    def evaluate(self, evaluation: Evaluation, requirement: RequirementPlan) -> dict[int, Check]:
        provider = registry.course_facts()["coaching_sessions_held"](needed=requirement.params["needed"])
        return {i: Check(f.status is Status.DONE, f.progress, f.next_step)
                for i, f in evaluation.facts(provider).items()}


class FacilitatorSignOff:
    """A facilitator signs the learner off (gating's own data, :class:`.models.SignOff`)."""

    kind = "sign_off"

    def validate(self, session: Session, course_id: int, params: Mapping[str, Any]) -> JsonObject:
        _unknown_keys(params, set())
        return {}

    def evaluate(self, evaluation: Evaluation, requirement: RequirementPlan) -> dict[int, Check]:
        from .models import SignOff

        signed = set(evaluation.session.scalars(
            select(SignOff.learner_id).where(SignOff.requirement_id == requirement.id,
                                             SignOff.revoked_at.is_(None),
                                             *learners_among(SignOff.learner_id, evaluation.learner_ids))))
        # Nothing for the learner to do but wait: no next step; the key says "sign-off by a facilitator".
        # Two immutable answers shared by the whole cohort (not 5,000 equal ones).
        yes, no = Check(True, Progress(1, 1, SIGN_OFF_KEY)), Check(False, Progress(0, 1, SIGN_OFF_KEY))
        return {i: yes if i in signed else no for i in evaluation.learner_ids}


for _kind in (ReadinessReached(), CoachingTasksAccepted(), CoachingSessionsHeld(), FacilitatorSignOff()):
    register(_kind)
