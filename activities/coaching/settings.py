"""A coaching task's settings: validated, with defaults, stored as JSON in ``Activity.settings``.

``validate_settings`` is the one way in: it accepts what a staff form or the
stored JSON holds, cleans it (instructions through nh3) and returns a frozen
:class:`CoachingSettings`; ``to_dict`` gives the JSON back. Validating stored
settings again on read is cheap and means a hand-edited row cannot bypass it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from typing import Any

from ..settings_fields import extension_list, whole_number
from . import KIND
from .exceptions import NotACoachingTask, SettingsInvalid
from .files import KNOWN_TYPES
from .rubric import Rubric
from .sanitize import clean_html, clean_line

MAX_INSTRUCTIONS = 50_000
MAX_FILE_BYTES = 100 * 1024 * 1024
#: The most a task may let one learner keep, across all versions of their work.
MAX_QUOTA_BYTES = 1024 * 1024 * 1024
#: A learner's files of one task together, unless staff set otherwise: five full-size
#: hand-ins of the default limit, or many of the photos and scans learners really send.
DEFAULT_QUOTA_BYTES = 50 * 1024 * 1024
MAX_FILES = 20
MAX_GROUPS = 100
MAX_REVIEW_DAYS = 60


class EvidenceType(str, enum.Enum):
    REFLECTION = "reflection"
    FILE = "file"
    LINK = "link"


@dataclasses.dataclass(frozen=True)
class FileLimits:
    #: 10 MB: enough for a scanned report or phone photos, small enough for a weak connection.
    max_bytes: int = 10 * 1024 * 1024
    allowed_extensions: tuple[str, ...] = ("pdf", "docx", "xlsx", "pptx", "jpg", "jpeg", "png")
    max_files: int = 5
    #: What one learner's files of the task may take together, counting every version's
    #: files still kept (security review, finding 7: resubmissions filled the disk).
    #: At least ``max_bytes``, so that one file of the allowed size always fits a first hand-in.
    quota_bytes: int = DEFAULT_QUOTA_BYTES


@dataclasses.dataclass(frozen=True)
class Audience:
    """All learners of the course (``groups`` is None) or those in any of the named groups."""

    groups: tuple[str, ...] | None = None

    @property
    def everyone(self) -> bool:
        return self.groups is None

    def includes(self, learner_groups: Iterable[str] | None) -> bool:
        if self.groups is None:
            return True
        if learner_groups is None:
            return False
        wanted = {name.casefold() for name in self.groups}
        return any(clean_line(name).casefold() in wanted for name in learner_groups)


@dataclasses.dataclass(frozen=True)
class CoachingSettings:
    instructions: str = ""
    evidence_types: tuple[EvidenceType, ...] = (EvidenceType.REFLECTION, EvidenceType.FILE)
    file_limits: FileLimits = FileLimits()
    rubric: Rubric = Rubric.simple(100)
    #: Timezone-aware, kept in UTC; None = no due date.
    due_at: dt.datetime | None = None
    audience: Audience = Audience()
    #: A submission waiting longer than this is overdue in the review queue.
    review_target_days: int = 3

    def allows(self, evidence_type: EvidenceType) -> bool:
        return evidence_type in self.evidence_types

    def to_dict(self) -> dict[str, Any]:
        return {
            "instructions": self.instructions,
            "evidence_types": [t.value for t in self.evidence_types],
            "file_limits": {
                "max_bytes": self.file_limits.max_bytes,
                "allowed_extensions": list(self.file_limits.allowed_extensions),
                "max_files": self.file_limits.max_files,
                "quota_bytes": self.file_limits.quota_bytes,
            },
            "rubric": self.rubric.to_dict(),
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "audience": "all" if self.audience.groups is None else {"groups": list(self.audience.groups)},
            "review_target_days": self.review_target_days,
        }


def default_settings() -> dict[str, Any]:
    """The JSON of a new task (what the activity registry's ``default_settings`` returns)."""
    return CoachingSettings().to_dict()


def fit_to_maximum(raw: Mapping[str, Any], score_maximum: float) -> dict[str, Any]:
    """New settings whose simple score runs to the gradebook column's maximum.

    A teacher who chose a maximum of 40 in Deep Linking scores "34 of 40" and
    the gradebook shows 34/40; a default of 100 would turn 85 into 34 silently.
    A criteria rubric keeps its points (they are scaled, see Rubric.scale).
    """
    settings = validate_settings(raw)
    if not settings.rubric.is_simple:
        return settings.to_dict()
    return dataclasses.replace(settings, rubric=Rubric.simple(score_maximum)).to_dict()


def validate_settings(raw: Mapping[str, Any] | None) -> CoachingSettings:
    """Settings from JSON or a form; missing fields take their defaults. Raises SettingsInvalid."""
    raw = raw or {}
    if not isinstance(raw, Mapping):
        raise SettingsInvalid("settings", "must be an object")
    defaults = CoachingSettings()
    return CoachingSettings(
        instructions=_instructions(raw.get("instructions")),
        evidence_types=_evidence_types(raw.get("evidence_types", None), defaults.evidence_types),
        file_limits=_file_limits(raw.get("file_limits"), defaults.file_limits),
        rubric=Rubric.from_dict(raw.get("rubric"), "rubric") if raw.get("rubric") is not None else defaults.rubric,
        due_at=_due_at(raw.get("due_at")),
        audience=_audience(raw.get("audience")),
        review_target_days=_int(raw.get("review_target_days", defaults.review_target_days),
                                "review_target_days", 1, MAX_REVIEW_DAYS),
    )


def _instructions(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SettingsInvalid("instructions", "must be text")
    cleaned = clean_html(value)
    if len(cleaned) > MAX_INSTRUCTIONS:
        raise SettingsInvalid("instructions", f"at most {MAX_INSTRUCTIONS} characters")
    return cleaned


def _evidence_types(value: Any, default: tuple[EvidenceType, ...]) -> tuple[EvidenceType, ...]:
    if value is None:
        return default
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise SettingsInvalid("evidence_types", "must be a list")
    chosen: list[EvidenceType] = []
    for item in value:
        try:
            kind = EvidenceType(item)
        except ValueError:
            raise SettingsInvalid("evidence_types", f"unknown evidence type {item!r}") from None
        if kind not in chosen:
            chosen.append(kind)
    if not chosen:
        raise SettingsInvalid("evidence_types", "allow at least one type of evidence")
    # One canonical order, so that equal settings compare and serialize equal.
    return tuple(t for t in EvidenceType if t in chosen)


def _file_limits(value: Any, default: FileLimits) -> FileLimits:
    if value is None:
        return default
    if not isinstance(value, Mapping):
        raise SettingsInvalid("file_limits", "must be an object")
    max_bytes = _int(value.get("max_bytes", default.max_bytes), "file_limits.max_bytes", 1, MAX_FILE_BYTES)
    max_files = _int(value.get("max_files", default.max_files), "file_limits.max_files", 1, MAX_FILES)
    extensions = extension_list(value.get("allowed_extensions", default.allowed_extensions),
                                "file_limits.allowed_extensions", known=sorted(KNOWN_TYPES), invalid=SettingsInvalid)
    if value.get("quota_bytes") is None:
        # Tasks saved before there was a quota: the default, or more if their file limit is larger.
        quota_bytes = max(default.quota_bytes, max_bytes)
    else:
        quota_bytes = _int(value["quota_bytes"], "file_limits.quota_bytes", 1, MAX_QUOTA_BYTES)
        if quota_bytes < max_bytes:
            raise SettingsInvalid("file_limits.quota_bytes", "must be at least the largest file allowed")
    return FileLimits(max_bytes=max_bytes, allowed_extensions=extensions, max_files=max_files,
                      quota_bytes=quota_bytes)


def _due_at(value: Any) -> dt.datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise SettingsInvalid("due_at", "not a date and time (ISO 8601)") from None
    if not isinstance(value, dt.datetime):
        raise SettingsInvalid("due_at", "must be a date and time")
    if value.tzinfo is None or value.utcoffset() is None:
        # Indonesia spans three time zones: a bare time would mean different moments.
        raise SettingsInvalid("due_at", "needs a time zone")
    return value.astimezone(dt.UTC)


def _audience(value: Any) -> Audience:
    if value in (None, "all"):
        return Audience()
    if isinstance(value, Mapping):
        value = value.get("groups")
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise SettingsInvalid("audience", "'all' or a list of group names")
    names: list[str] = []
    for item in value:
        name = clean_line(item) if isinstance(item, str) else ""
        if not name:
            raise SettingsInvalid("audience", "group names must not be empty")
        if len(name) > 255:
            raise SettingsInvalid("audience", "group names have at most 255 characters")
        if name.casefold() not in {n.casefold() for n in names}:
            names.append(name)
    if not names:
        raise SettingsInvalid("audience", "choose at least one group, or all learners")
    if len(names) > MAX_GROUPS:
        raise SettingsInvalid("audience", f"at most {MAX_GROUPS} groups")
    return Audience(groups=tuple(names))


def _int(value: Any, field: str, low: int, high: int) -> int:
    return whole_number(value, field, low, high, invalid=SettingsInvalid)


def settings_of(activity: Any) -> CoachingSettings:
    """The validated settings of a coaching task; raises NotACoachingTask for another kind."""
    if activity.kind != KIND:
        raise NotACoachingTask(f"activity {activity.id} is a {activity.kind or 'unconfigured'} activity")
    return validate_settings(activity.settings or {})
