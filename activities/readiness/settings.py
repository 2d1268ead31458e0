"""A readiness check's settings: validated, with defaults, stored as JSON in ``Activity.settings``.

``validate_settings`` is the one way in: it accepts what a staff form or the
stored JSON holds (numbers may arrive as text, with a decimal comma as
Indonesian forms write them) and returns a frozen :class:`ReadinessSettings`;
``to_dict`` gives the JSON back, and ``validate_settings(s.to_dict()) == s``.
Validating stored settings again on read is cheap and means a hand-edited
row cannot bypass it.
"""

from __future__ import annotations

import dataclasses
import enum
import math
import unicodedata
from collections.abc import Mapping
from typing import Any

from ..settings_fields import extension_list, whole_number
from . import KIND
from .areas import AREAS, SECTION_OF, SECTIONS, TASKS
from .exceptions import NotAReadinessCheck, SettingsInvalid, UnknownInstrument
from .instrument import CURRENT_VERSION, load_instrument
from .storage import KNOWN_TYPES

MAX_ATTEMPTS = 20
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_CODE_LENGTH = 64
MAX_WEIGHT = 1000


class Keep(str, enum.Enum):
    """Which submitted attempt counts (for the gradebook, the cohort view and phase gating)."""

    BEST = "best"
    LAST = "last"


#: Default weights of the overall index, in percent. Skills share 50, the
#: conditions to learn at all (device, connection, LMS) the other 50: LAN's
#: evaluations found both kinds of failure in equal measure. Safety weighs a
#: little more than the other skills because its failures (a leaked MyASN
#: password) cost the agency, not only the learner.
DEFAULT_WEIGHTS = {
    "device": 15.0,
    "connection": 15.0,
    "information": 9.0,
    "communication": 10.0,
    "content": 9.0,
    "safety": 13.0,
    "problem_solving": 9.0,
    "lms": 20.0,
}


@dataclasses.dataclass(frozen=True)
class ReadinessSettings:
    #: Instrument version new attempts use; started attempts keep theirs.
    instrument_version: str = CURRENT_VERSION
    #: Sections learners take, in instrument order: ``device``, ``skills``, ``lms``.
    sections: tuple[str, ...] = SECTIONS
    #: LMS micro-tasks included: ``upload``, ``find_code``.
    lms_tasks: tuple[str, ...] = TASKS
    #: Relative weight of each area in the overall index (see :attr:`normalised_weights`).
    weights: Mapping[str, float] = dataclasses.field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    #: Share of the knowledge items in a skill area's score; the self-rating has the rest.
    #: At least one half: people over- and under-rate themselves, a right answer is evidence.
    knowledge_weight: float = 0.7
    #: Overall index at or above which a learner is *Siap*, and *Siap dengan pendampingan*.
    ready_threshold: float = 75.0
    supported_threshold: float = 50.0
    #: An area score below this marks the learner as needing support in that area.
    support_threshold: float = 50.0
    #: 0 = unlimited.
    max_attempts: int = 3
    #: ``last`` by default: the profile should describe the learner's situation
    #: now (a borrowed laptop, a new data plan), not their best day.
    keep: Keep = Keep.LAST
    #: The code staff placed in the Moodle course; empty until they do (the task is then skipped).
    find_code: str = ""
    #: A *small* file: 1 MB is a photo from a phone, and cheap on a weak connection.
    upload_max_bytes: int = 1024 * 1024
    upload_extensions: tuple[str, ...] = ("pdf", "jpg", "jpeg", "png", "docx")
    #: Probe figures below (or above) which video sessions will suffer. Zoom asks
    #: about 1.5 Mbps down for group video and recommends jitter under 40 ms;
    #: 300 ms round trip is where conversation starts to talk over itself (ITU-T G.114).
    min_download_kbps: int = 1500
    min_upload_kbps: int = 800
    max_latency_ms: int = 300
    max_jitter_ms: int = 40

    def has_section(self, section: str) -> bool:
        return section in self.sections

    @property
    def active_tasks(self) -> tuple[str, ...]:
        """The LMS tasks a learner can do now: find-the-code needs its code set first."""
        if not self.has_section("lms"):
            return ()
        return tuple(t for t in self.lms_tasks if t != "find_code" or self.find_code)

    @property
    def normalised_weights(self) -> dict[str, float]:
        """Weights of the areas this check scores, summing to 1 (areas of disabled sections get 0)."""
        kept = {a: (self.weights[a] if self.has_section(SECTION_OF[a]) else 0.0) for a in AREAS}
        total = sum(kept.values())
        return {a: (w / total if total else 0.0) for a, w in kept.items()}

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument_version": self.instrument_version,
            "sections": list(self.sections),
            "lms_tasks": list(self.lms_tasks),
            "weights": {a: self.weights[a] for a in AREAS},
            "knowledge_weight": self.knowledge_weight,
            "ready_threshold": self.ready_threshold,
            "supported_threshold": self.supported_threshold,
            "support_threshold": self.support_threshold,
            "max_attempts": self.max_attempts,
            "keep": self.keep.value,
            "find_code": self.find_code,
            "upload_max_bytes": self.upload_max_bytes,
            "upload_extensions": list(self.upload_extensions),
            "min_download_kbps": self.min_download_kbps,
            "min_upload_kbps": self.min_upload_kbps,
            "max_latency_ms": self.max_latency_ms,
            "max_jitter_ms": self.max_jitter_ms,
        }


#: Settings a rule of the recommendation table may compare a figure with.
THRESHOLD_SETTINGS = ("min_download_kbps", "min_upload_kbps", "max_latency_ms", "max_jitter_ms",
                      "support_threshold", "ready_threshold", "supported_threshold")


def default_settings() -> dict[str, Any]:
    """The JSON of a new check (what the activity registry's ``default_settings`` returns)."""
    return ReadinessSettings().to_dict()


def validate_settings(raw: Mapping[str, Any] | None) -> ReadinessSettings:
    """Settings from JSON or a form; missing fields take their defaults. Raises SettingsInvalid."""
    raw = {} if raw is None else raw
    if not isinstance(raw, Mapping):
        raise SettingsInvalid("settings", "must be an object")
    unknown = sorted(set(raw) - {f.name for f in dataclasses.fields(ReadinessSettings)})
    if unknown:
        raise SettingsInvalid(unknown[0], "unknown setting")
    d = ReadinessSettings()

    def get(name: str) -> Any:
        return raw.get(name, getattr(d, name))

    sections = _subset(get("sections"), "sections", SECTIONS)
    if not sections:
        raise SettingsInvalid("sections", "include at least one section")
    lms_tasks = _subset(get("lms_tasks"), "lms_tasks", TASKS)
    if "lms" in sections and not lms_tasks:
        raise SettingsInvalid("lms_tasks", "include at least one task, or leave out the LMS section")
    weights = _weights(raw.get("weights"))
    if sum(weights[a] for a in AREAS if SECTION_OF[a] in sections) <= 0:
        raise SettingsInvalid("weights", "at least one area of the included sections needs a weight above 0")

    ready = _number(get("ready_threshold"), "ready_threshold", 1, 100)
    supported = _number(get("supported_threshold"), "supported_threshold", 0, 100)
    if supported >= ready:
        raise SettingsInvalid("supported_threshold", "must be below the threshold for Siap")

    keep = get("keep")
    try:
        keep = Keep(keep)
    except ValueError:
        raise SettingsInvalid("keep", "'best' or 'last'") from None

    return ReadinessSettings(
        instrument_version=_instrument_version(get("instrument_version")),
        sections=sections,
        lms_tasks=lms_tasks,
        weights=weights,
        knowledge_weight=_number(get("knowledge_weight"), "knowledge_weight", 0.5, 1),
        ready_threshold=ready,
        supported_threshold=supported,
        support_threshold=_number(get("support_threshold"), "support_threshold", 0, 100),
        max_attempts=_int(get("max_attempts"), "max_attempts", 0, MAX_ATTEMPTS),
        keep=keep,
        find_code=_code(get("find_code")),
        upload_max_bytes=_int(get("upload_max_bytes"), "upload_max_bytes", 1024, MAX_UPLOAD_BYTES),
        upload_extensions=_extensions(get("upload_extensions")),
        min_download_kbps=_int(get("min_download_kbps"), "min_download_kbps", 64, 100_000),
        min_upload_kbps=_int(get("min_upload_kbps"), "min_upload_kbps", 32, 100_000),
        max_latency_ms=_int(get("max_latency_ms"), "max_latency_ms", 20, 5_000),
        max_jitter_ms=_int(get("max_jitter_ms"), "max_jitter_ms", 5, 2_000),
    )


def normalise_code(code: str) -> str:
    """A code as it is compared: NFKC, case-folded, every kind of whitespace removed.

    Learners copy codes from a phone screen: ``"padu 2026 "`` and ``"PADU2026"``
    are the same code. NFKC also makes full-width letters from some keyboards match.
    """
    return "".join(unicodedata.normalize("NFKC", code).casefold().split())


# -- field checks ------------------------------------------------------------


def _instrument_version(value: Any) -> str:
    if not isinstance(value, str):
        raise SettingsInvalid("instrument_version", "must be text")
    try:
        load_instrument(value)
    except UnknownInstrument:
        raise SettingsInvalid("instrument_version", f"no instrument {value!r}") from None
    return value


def _subset(value: Any, field: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise SettingsInvalid(field, "must be a list")
    for item in value:
        if item not in allowed:
            raise SettingsInvalid(field, f"unknown {item!r}; choose from {', '.join(allowed)}")
    # One canonical order, so that equal settings compare and serialise equal.
    return tuple(a for a in allowed if a in value)


def _weights(value: Any) -> dict[str, float]:
    if value is None:
        return dict(DEFAULT_WEIGHTS)
    if not isinstance(value, Mapping):
        raise SettingsInvalid("weights", "must be an object of area → weight")
    for area in value:
        if area not in AREAS:
            raise SettingsInvalid("weights", f"unknown area {area!r}")
    return {a: _number(value.get(a, DEFAULT_WEIGHTS[a]), f"weights.{a}", 0, MAX_WEIGHT) for a in AREAS}


def _code(value: object) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SettingsInvalid("find_code", "must be text")
    value = " ".join(value.split())
    if len(value) > MAX_CODE_LENGTH:
        raise SettingsInvalid("find_code", f"at most {MAX_CODE_LENGTH} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in value):
        raise SettingsInvalid("find_code", "letters, digits and punctuation only")
    if value and len(normalise_code(value)) < 4:
        # Shorter codes can be guessed within the tries an attempt allows.
        raise SettingsInvalid("find_code", "at least 4 characters (spaces do not count)")
    return value


def _extensions(value: Any) -> tuple[str, ...]:
    return extension_list(value, "upload_extensions", known=KNOWN_TYPES, invalid=SettingsInvalid)


def _number(value: Any, field: str, low: float, high: float) -> float:
    if isinstance(value, str):
        text = value.strip()
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            value = float(text)
        except ValueError:
            raise SettingsInvalid(field, "must be a number") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SettingsInvalid(field, "must be a number")
    if not low <= value <= high:
        raise SettingsInvalid(field, f"must be between {low:g} and {high:g}")
    return float(value)


def _int(value: Any, field: str, low: int, high: int) -> int:
    return whole_number(value, field, low, high, invalid=SettingsInvalid)


def settings_of(activity: Any) -> ReadinessSettings:
    """The validated settings of a readiness activity. Raises NotAReadinessCheck, SettingsInvalid."""
    if activity is None or activity.kind != KIND:
        raise NotAReadinessCheck(f"activity {getattr(activity, 'id', None)} is not a readiness check")
    return validate_settings(activity.settings)
