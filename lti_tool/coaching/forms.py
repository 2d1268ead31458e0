"""Between HTML forms and the coaching domain: posted text in, the domain's input out, and back.

Forms keep what was posted as plain strings (``values``), so a page that
refuses input shows it again exactly as typed. The domain validates; this
module only turns form shapes (one line per level, a local date and time,
megabytes) into the domain's shapes and domain field names into form fields.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from typing import Any, TypedDict

from flask_babel import gettext as _
from markupsafe import escape
from werkzeug.datastructures import MultiDict

from activities.coaching.exceptions import SettingsInvalid
from activities.coaching.service import (
    FILE_TYPES,
    MAX_QUOTA_BYTES,
    CoachingSettings,
    EvidenceType,
    Rubric,
    html_to_text,
    validate_settings,
)

from ..web.formatting import DEFAULT_ZONE, MB, ZONES, course_zone, decimal, megabytes, typed_number

MAX_TITLE = 255


def text_to_html(text: str | None) -> str:
    """Plain text typed in a textarea as paragraphs, one per non-empty line.

    Learners and coaches type on phones, not in HTML; the domain still
    sanitizes the result. ``html_to_text`` gives the same text back for editing.
    """
    lines = [line.strip() for line in (text or "").splitlines()]
    return "".join(f"<p>{escape(line)}</p>" for line in lines if line)


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


# -- task settings -------------------------------------------------------------


def settings_values(title: str, settings: CoachingSettings) -> dict[str, Any]:
    """The settings form filled from stored settings."""
    rubric = settings.rubric
    due = settings.due_at.astimezone(course_zone()).strftime("%Y-%m-%dT%H:%M") if settings.due_at else ""
    return {
        "title": title,
        "instructions": settings.instructions,
        "evidence_types": [t.value for t in settings.evidence_types],
        "max_mb": megabytes(settings.file_limits.max_bytes),
        "max_files": str(settings.file_limits.max_files),
        "quota_mb": megabytes(settings.file_limits.quota_bytes),
        "extensions": list(settings.file_limits.allowed_extensions),
        "rubric_type": "simple" if rubric.is_simple else "criteria",
        "rubric_maximum": format(rubric.maximum, "g") if rubric.is_simple else "",
        "rubric_rows": "\n".join(
            f"{criterion.title} | {level.label} | {level.points:g}"
            for criterion in rubric.criteria for level in criterion.levels
        ),
        "due_at": due,
        "due_zone": DEFAULT_ZONE,
        "audience": "all" if settings.audience.everyone else "groups",
        "groups": "\n".join(settings.audience.groups or ()),
        "review_target_days": str(settings.review_target_days),
    }


def posted_settings_values(form: MultiDict) -> dict[str, Any]:
    return {
        "title": form.get("title", "").strip(),
        "instructions": form.get("instructions", ""),
        "evidence_types": form.getlist("evidence_types"),
        "max_mb": form.get("max_mb", "").strip(),
        "max_files": form.get("max_files", "").strip(),
        "quota_mb": form.get("quota_mb", "").strip(),
        "extensions": form.getlist("extensions"),
        "rubric_type": form.get("rubric_type", "simple"),
        "rubric_maximum": form.get("rubric_maximum", "").strip(),
        "rubric_rows": form.get("rubric_rows", ""),
        "due_at": form.get("due_at", "").strip(),
        "due_zone": form.get("due_zone", DEFAULT_ZONE),
        "audience": form.get("audience", "all"),
        "groups": form.get("groups", ""),
        "review_target_days": form.get("review_target_days", "").strip(),
    }


def check_settings(values: Mapping[str, Any], max_upload_bytes: int) -> tuple[CoachingSettings | None, dict[str, str]]:
    """Validated settings from the form, or the error of every field that is wrong.

    The domain stops at its first error; each part is validated on its own
    here (the rest left at defaults) so that the page can show them all at once.
    """
    errors: dict[str, str] = {}
    if not values["title"] or len(values["title"]) > MAX_TITLE:
        errors["title"] = _("Give a title of 1 to %(n)d characters.", n=MAX_TITLE)
    raw: dict[str, Any] = {
        "instructions": values["instructions"],
        "evidence_types": list(values["evidence_types"]),
        "audience": "all" if values["audience"] != "groups" else lines(values["groups"]),
        "review_target_days": values["review_target_days"],
    }
    raw["file_limits"] = _file_limits(values, max_upload_bytes, errors)
    raw["rubric"] = _rubric(values, errors)
    raw["due_at"] = _due_at(values, errors)
    for key, part in raw.items():
        if part is None:
            continue
        try:
            validate_settings({key: part})
        except SettingsInvalid as error:
            field = _form_field(error.field)
            errors.setdefault(field, _settings_message(field, error))
    if errors:
        return None, errors
    return validate_settings(raw), {}


def _file_limits(values: Mapping[str, Any], max_upload_bytes: int, errors: dict[str, str]) -> dict:
    """Megabytes as bytes, capped by what the server accepts in one request (a larger
    task limit would only turn into the server's "too large" page). The quota's
    lower bound (the largest file) is the domain's rule, checked there; left
    empty, the quota is the domain's default."""
    limits = {"max_files": values["max_files"], "allowed_extensions": values["extensions"]}
    server_mb = max_upload_bytes / MB
    try:
        quota_mb = typed_number(values["quota_mb"])
        if quota_mb is not None and not 0 < quota_mb <= MAX_QUOTA_BYTES / MB:
            raise ValueError
    except ValueError:
        errors["quota_mb"] = _quota_message()
        quota_mb = None
    try:
        mb = typed_number(values["max_mb"])
        if mb is None or not 0 < mb <= server_mb:
            raise ValueError
    except ValueError:
        errors["max_mb"] = _("Give a size above 0 and at most %(mb)s MB (the most this server accepts in one upload).",
                             mb=megabytes(max_upload_bytes))
        return limits
    limits["max_bytes"] = max(1, int(mb * MB))
    if quota_mb is not None:
        limits["quota_bytes"] = max(1, int(quota_mb * MB))
    return limits


def _quota_message() -> str:
    return _("Give a total of at least the largest file and at most %(mb)s MB.", mb=megabytes(MAX_QUOTA_BYTES))


def _rubric(values: Mapping[str, Any], errors: dict[str, str]) -> dict | None:
    if values["rubric_type"] != "criteria":
        return {"type": "simple", "maximum": (values["rubric_maximum"] or "").replace(",", ".")}
    criteria: dict[str, dict] = {}
    for number, line in enumerate((values["rubric_rows"] or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.rsplit("|", 2)]
        if len(parts) != 3 or not all(parts):
            errors["rubric_rows"] = _("Line %(n)d: write criterion | level | points.", n=number)
            return None
        title, label, points = parts
        criterion = criteria.setdefault(title.casefold(), {"title": title, "levels": []})
        criterion["levels"].append({"label": label, "points": points.replace(",", ".")})
    if not criteria:
        errors["rubric_rows"] = _("Write the rubric, one level per line: criterion | level | points.")
        return None
    return {"type": "criteria", "criteria": list(criteria.values())}


def _due_at(values: Mapping[str, Any], errors: dict[str, str]) -> str | None:
    """The due date as ISO 8601 with its offset: a zone typed in the value wins, else the chosen zone."""
    text = values["due_at"]
    if not text:
        return ""
    zone_name = values["due_zone"] if values["due_zone"] in dict(ZONES) else DEFAULT_ZONE
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        errors["due_at"] = _("Give the date and time as in 2026-12-20 17:00.")
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(zone_name))
    return moment.isoformat()


_FIELDS = {
    "file_limits.max_bytes": "max_mb",
    "file_limits.max_files": "max_files",
    "file_limits.quota_bytes": "quota_mb",
    "file_limits.allowed_extensions": "extensions",
    "file_limits": "max_mb",
    "rubric.maximum": "rubric_maximum",
    "audience": "groups",
}


def _form_field(domain_field: str) -> str:
    if domain_field in _FIELDS:
        return _FIELDS[domain_field]
    if domain_field.startswith("rubric"):
        return "rubric_rows"
    return domain_field


def _settings_message(field: str, error: SettingsInvalid) -> str:
    if field == "rubric_rows":
        return _rubric_message(error.field)
    messages = {
        "instructions": lambda: _("The instructions are too long."),
        "evidence_types": lambda: _("Allow at least one kind of evidence."),
        "max_files": lambda: _("Give a whole number of files from 1 to 20."),
        "quota_mb": _quota_message,
        "extensions": lambda: _("Allow at least one file type."),
        "rubric_maximum": lambda: _("Give a maximum score above 0 and at most 1000."),
        "due_at": lambda: _("Give the date and time as in 2026-12-20 17:00."),
        "groups": lambda: _("Name at least one group, one per line (at most 100 groups), or choose all learners."),
        "review_target_days": lambda: _("Give a whole number of days from 1 to 60."),
    }
    return messages.get(field, lambda: _("Check this field."))()


def _rubric_message(domain_field: str) -> str:
    last = domain_field.rsplit(".", 1)[-1]
    if last == "levels":
        return _("Every criterion needs 2 to 10 levels, one line each.")
    if last == "points":
        return _("Points must be numbers from 0 to 1000.")
    if last in ("title", "label"):
        return _("Criteria and levels need names of at most 200 characters.")
    if last == "criteria":
        return _("A rubric has 1 to 20 criteria.")
    return _("The best level of each criterion together must give more than 0 points.")


def rubric_of(values: Mapping[str, Any]) -> Rubric | None:
    """The rubric the settings form holds, or None while it is not valid."""
    raw = _rubric(values, {})
    try:
        return validate_settings({"rubric": raw}).rubric if raw is not None else None
    except SettingsInvalid:
        return None


class Conversion(TypedDict):
    """How points become a gradebook score: the numbers formatted for a sentence, and whether the rubric is simple."""

    points: str
    total: str
    score: str
    maximum: str
    simple: bool


def conversion(rubric: Rubric | None, score_maximum: float) -> Conversion | None:
    """The example of how points become a gradebook score, formatted for a sentence; None if no conversion."""
    if rubric is None:
        return None
    example = rubric.conversion_example(score_maximum)
    if example is None:
        return None
    points, score = example
    return {"points": decimal(points), "total": decimal(rubric.max_points), "score": decimal(score),
            "maximum": decimal(score_maximum), "simple": rubric.is_simple}


# -- evidence, reviews, sessions ---------------------------------------------------


def evidence_values(settings: CoachingSettings, latest=None) -> dict[str, str]:
    """The submit form, filled with the last version so that a revision edits it rather than starts over."""
    if latest is None:
        return {"reflection": "", "links": ""}
    return {"reflection": html_to_text(latest.reflection) if settings.allows(EvidenceType.REFLECTION) else "",
            "links": "\n".join(latest.links or []) if settings.allows(EvidenceType.LINK) else ""}


def file_accept(settings: CoachingSettings) -> str:
    """The ``accept`` attribute of the file input: a hint for the phone's file picker, not a check."""
    return ",".join(f".{ext}" for ext in settings.file_limits.allowed_extensions)


def known_extensions() -> list[str]:
    return sorted(FILE_TYPES)
