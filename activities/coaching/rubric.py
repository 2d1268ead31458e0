"""Rubrics: criteria × levels with points, or a simple maximum score.

A rubric lives in the task settings (JSON); a review stores the selection
(``{criterion_id: level_id}``) next to the score it gave, so a later edit of
the rubric never changes a grade already given.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping
from typing import Any

from .exceptions import (
    ScoreOutOfRange,
    ScoringModeMismatch,
    SelectionIncomplete,
    SelectionUnknown,
    SettingsInvalid,
)
from .sanitize import clean_line, clean_text

MAX_CRITERIA = 20
MAX_LEVELS = 10
MAX_POINTS = 1000.0
MAX_LABEL = 200
MAX_DESCRIPTION = 2000
_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


@dataclasses.dataclass(frozen=True)
class Level:
    id: str
    label: str
    points: float


@dataclasses.dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    levels: tuple[Level, ...]
    description: str = ""

    @property
    def max_points(self) -> float:
        return max(level.points for level in self.levels)

    def level(self, level_id: str) -> Level | None:
        return next((level for level in self.levels if level.id == level_id), None)


@dataclasses.dataclass(frozen=True)
class Rubric:
    """Either ``criteria`` (a criteria rubric) or ``maximum`` (a simple score out of it)."""

    criteria: tuple[Criterion, ...] = ()
    maximum: float | None = None

    @classmethod
    def simple(cls, maximum: float = 100.0) -> Rubric:
        return cls(maximum=float(maximum))

    @property
    def is_simple(self) -> bool:
        return not self.criteria

    @property
    def max_points(self) -> float:
        if self.is_simple:
            return float(self.maximum or 0.0)
        return float(sum(criterion.max_points for criterion in self.criteria))

    def score(self, selection: Mapping[str, str]) -> float:
        """Points of a complete selection: one known level for every criterion, nothing else."""
        if self.is_simple:
            raise ScoringModeMismatch("this task is scored with a simple maximum, not with criteria")
        known = {criterion.id: criterion for criterion in self.criteria}
        points: list[float] = []
        for criterion_id, level_id in selection.items():
            criterion = known.get(criterion_id)
            if criterion is None:
                raise SelectionUnknown(str(criterion_id))
            level = criterion.level(level_id)
            if level is None:
                raise SelectionUnknown(criterion_id, str(level_id))
            points.append(level.points)
        missing = [criterion.id for criterion in self.criteria if criterion.id not in selection]
        if missing:
            raise SelectionIncomplete(missing)
        return float(sum(points))

    def check_score(self, value: float) -> float:
        """A score typed for a simple rubric, between 0 and the maximum."""
        if not self.is_simple:
            raise ScoringModeMismatch("this task is scored on the rubric's criteria")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ScoreOutOfRange(value, self.max_points)
        if not 0 <= value <= self.max_points:
            raise ScoreOutOfRange(value, self.max_points)
        return float(value)

    def points(self, selection: Mapping[str, str] | None = None, score: float | None = None) -> float | None:
        """The points a review gives, from whichever input fits the rubric; None if none was given."""
        if selection and score is not None:
            raise ScoringModeMismatch("give a rubric selection or a score, not both")
        if selection:
            return self.score(selection)
        if score is not None:
            return self.check_score(score)
        return None

    def scale(self, points: float, score_maximum: float) -> float:
        """Rubric points as a gradebook score out of the activity's ``score_maximum``."""
        if self.max_points <= 0:
            return 0.0
        return round(min(points, self.max_points) / self.max_points * score_maximum, 2)

    def conversion_example(self, score_maximum: float) -> tuple[float, float] | None:
        """An example ``(points, gradebook score)`` when the rubric's total is not the column's maximum.

        Staff see "a rubric total of 12 of 16 becomes 30 of 40 in the gradebook"
        before anyone is graded, rather than discover the scaling in Moodle.
        None when nothing is converted (or there is nothing to convert).
        """
        total = self.max_points
        if total <= 0 or math.isclose(total, score_maximum):
            return None
        points = float(round(total * 0.75, 0 if total >= 4 else 2))
        return points, self.scale(points, score_maximum)

    def to_dict(self) -> dict[str, Any]:
        if self.is_simple:
            return {"type": "simple", "maximum": self.maximum}
        return {
            "type": "criteria",
            "criteria": [
                {
                    "id": criterion.id,
                    "title": criterion.title,
                    "description": criterion.description,
                    "levels": [{"id": lvl.id, "label": lvl.label, "points": lvl.points} for lvl in criterion.levels],
                }
                for criterion in self.criteria
            ],
        }

    @classmethod
    def from_dict(cls, raw: Any, field: str = "rubric") -> Rubric:
        """Validate a rubric from JSON (settings or a staff form); raises SettingsInvalid."""
        if raw is None:
            return cls.simple()
        if not isinstance(raw, Mapping):
            raise SettingsInvalid(field, "must be an object")
        kind = raw.get("type", "criteria" if "criteria" in raw else "simple")
        if kind == "simple":
            return cls.simple(_number(raw.get("maximum", 100), f"{field}.maximum", positive=True))
        if kind != "criteria":
            raise SettingsInvalid(f"{field}.type", "must be 'simple' or 'criteria'")
        items = raw.get("criteria")
        if not isinstance(items, list) or not items:
            raise SettingsInvalid(f"{field}.criteria", "a criteria rubric needs at least one criterion")
        if len(items) > MAX_CRITERIA:
            raise SettingsInvalid(f"{field}.criteria", f"at most {MAX_CRITERIA} criteria")
        criteria = tuple(_criterion(item, f"{field}.criteria[{i}]", i) for i, item in enumerate(items))
        _unique([c.id for c in criteria], f"{field}.criteria", "criterion ids")
        rubric = cls(criteria=criteria)
        if rubric.max_points <= 0:
            raise SettingsInvalid(field, "the best levels must give more than 0 points in total")
        return rubric


def _criterion(raw: Any, field: str, index: int) -> Criterion:
    if not isinstance(raw, Mapping):
        raise SettingsInvalid(field, "must be an object")
    title = clean_line(raw.get("title"))
    if not title:
        raise SettingsInvalid(f"{field}.title", "a criterion needs a title")
    if len(title) > MAX_LABEL:
        raise SettingsInvalid(f"{field}.title", f"at most {MAX_LABEL} characters")
    description = clean_text(raw.get("description"))
    if len(description) > MAX_DESCRIPTION:
        raise SettingsInvalid(f"{field}.description", f"at most {MAX_DESCRIPTION} characters")
    items = raw.get("levels")
    if not isinstance(items, list) or len(items) < 2:
        raise SettingsInvalid(f"{field}.levels", "a criterion needs at least two levels")
    if len(items) > MAX_LEVELS:
        raise SettingsInvalid(f"{field}.levels", f"at most {MAX_LEVELS} levels")
    levels = tuple(_level(item, f"{field}.levels[{i}]", i) for i, item in enumerate(items))
    _unique([lvl.id for lvl in levels], f"{field}.levels", "level ids")
    return Criterion(id=_id(raw.get("id"), f"{field}.id", f"c{index + 1}"), title=title,
                     levels=levels, description=description)


def _level(raw: Any, field: str, index: int) -> Level:
    if not isinstance(raw, Mapping):
        raise SettingsInvalid(field, "must be an object")
    label = clean_line(raw.get("label"))
    if not label:
        raise SettingsInvalid(f"{field}.label", "a level needs a label")
    if len(label) > MAX_LABEL:
        raise SettingsInvalid(f"{field}.label", f"at most {MAX_LABEL} characters")
    return Level(id=_id(raw.get("id"), f"{field}.id", f"l{index + 1}"), label=label,
                 points=_number(raw.get("points"), f"{field}.points"))


def _id(value: Any, field: str, default: str) -> str:
    """Ids a staff form may leave out get one from the position; given ones must be plain."""
    if value in (None, ""):
        return default
    if not isinstance(value, str) or not _ID.match(value):
        raise SettingsInvalid(field, "letters, digits, '-' and '_' only, at most 40")
    return value


def _number(value: Any, field: str, *, positive: bool = False) -> float:
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise SettingsInvalid(field, "must be a number") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SettingsInvalid(field, "must be a number")
    if value < 0 or (positive and value == 0):
        raise SettingsInvalid(field, "must be more than 0" if positive else "must not be negative")
    if value > MAX_POINTS:
        raise SettingsInvalid(field, f"at most {MAX_POINTS:g}")
    return float(value)


def _unique(ids: list[str], field: str, what: str) -> None:
    if len(set(ids)) != len(ids):
        raise SettingsInvalid(field, f"{what} must be unique")
