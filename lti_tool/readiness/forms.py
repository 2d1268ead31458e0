"""Between HTML forms and the readiness domain: posted text in, the domain's input out, and back.

Forms keep what was posted as plain strings (``values``), so a page that
refuses input shows it again exactly as typed. The domain validates; this
module only turns form shapes (percentages, kilobytes, one field per weight)
into the domain's shapes, and the domain's field names into form fields with
a translated message each.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from activities.readiness.exceptions import SettingsInvalid
from activities.readiness.service import (
    AREAS,
    MAX_ATTEMPTS,
    MAX_UPLOAD_BYTES,
    ChoiceItem,
    Instrument,
    ReadinessSettings,
    SkillArea,
    validate_settings,
)

from ..web.formatting import typed_number

KB = 1024

# -- the learner's answers -------------------------------------------------------


def device_answers(instrument: Instrument, form: MultiDict) -> dict[str, Any]:
    """Every question of the device page: an unticked question clears (None), as the learner left it."""
    return {item.id: _choice(item, form) for item in instrument.device_items}


def _choice(item: ChoiceItem, form: MultiDict) -> Any:
    if item.kind == "multi":
        return [value[:40] for value in form.getlist(item.id)[:20]] or None
    return form.get(item.id) or None


def skills_answers(area: SkillArea, form: MultiDict) -> dict[str, Any]:
    """The self-rating and knowledge items of one area's page."""
    keys = [area.self_rating.id, *(item.id for item in area.items)]
    return {key: form.get(key) or None for key in keys}


def chosen(values: Mapping[str, Any], key: str) -> set[str]:
    """What a question's inputs should show as checked (stored answers or posted values)."""
    value = values.get(key)
    if value is None:
        return set()
    if isinstance(value, (list, tuple)):
        return {str(v) for v in value}
    return {str(value)}


# -- staff settings -------------------------------------------------------------------

#: Form fields that are plain numbers or text, copied as typed.
_PLAIN = ("ready_threshold", "supported_threshold", "support_threshold", "max_attempts", "find_code",
          "min_download_kbps", "min_upload_kbps", "max_latency_ms", "max_jitter_ms", "instrument_version")


def settings_values(settings: ReadinessSettings) -> dict[str, Any]:
    """The settings form filled from stored settings."""
    values: dict[str, Any] = {name: _shown(getattr(settings, name)) for name in _PLAIN}
    values.update({
        "sections": list(settings.sections),
        "lms_tasks": list(settings.lms_tasks),
        "keep": settings.keep.value,
        "knowledge_weight": _shown(round(settings.knowledge_weight * 100, 1)),
        "upload_max_kb": _shown(settings.upload_max_bytes // KB),
        "upload_extensions": list(settings.upload_extensions),
    })
    values.update({f"weight_{area}": _shown(settings.weights[area]) for area in AREAS})
    return values


def posted_settings_values(form: MultiDict) -> dict[str, Any]:
    values: dict[str, Any] = {name: form.get(name, "").strip()[:200] for name in _PLAIN}
    values.update({
        "sections": form.getlist("sections"),
        "lms_tasks": form.getlist("lms_tasks"),
        "keep": form.get("keep", ""),
        "knowledge_weight": form.get("knowledge_weight", "").strip()[:20],
        "upload_max_kb": form.get("upload_max_kb", "").strip()[:20],
        "upload_extensions": form.getlist("upload_extensions"),
    })
    values.update({f"weight_{area}": form.get(f"weight_{area}", "").strip()[:20] for area in AREAS})
    return values


def check_settings(values: Mapping[str, Any], server_max_bytes: int
                   ) -> tuple[ReadinessSettings | None, dict[str, str]]:
    """Validated settings from the form, or the error of every field that is wrong.

    The domain stops at its first error; each field is validated on its own
    here (the others left at their defaults) so the page can show every error
    at once, then the whole for the rules that join fields (a threshold below
    another, a weight among the included sections).
    """
    errors: dict[str, str] = {}
    raw = _raw_settings(values, server_max_bytes, errors)
    for key, part in raw.items():
        try:
            validate_settings({key: part})
        except SettingsInvalid as error:
            field = form_field(error.field)
            errors.setdefault(field, settings_message(field))
    if errors:
        return None, errors
    try:
        return validate_settings(raw), {}
    except SettingsInvalid as error:
        field = form_field(error.field)
        return None, {field: settings_message(field)}


def _raw_settings(values: Mapping[str, Any], server_max_bytes: int, errors: dict[str, str]) -> dict[str, Any]:
    raw: dict[str, Any] = {name: values[name] for name in _PLAIN}
    raw["sections"] = list(values["sections"])
    raw["lms_tasks"] = list(values["lms_tasks"])
    raw["keep"] = values["keep"]
    raw["upload_extensions"] = list(values["upload_extensions"])
    raw["weights"] = {area: values[f"weight_{area}"] for area in AREAS}
    try:
        weight = typed_number(values["knowledge_weight"])
        if weight is None:
            raise ValueError("blank")
        raw["knowledge_weight"] = weight / 100
    except ValueError:
        # Not a number: a field error, and the field stays out of ``raw`` (it was never put in).
        errors["knowledge_weight"] = settings_message("knowledge_weight")
    limit_kb = upload_limit_kb(server_max_bytes)
    try:
        kb = int(values["upload_max_kb"])
        if not 1 <= kb <= limit_kb:
            raise ValueError
        raw["upload_max_bytes"] = kb * KB
    except ValueError:
        errors["upload_max_kb"] = settings_message("upload_max_kb", limit_kb=limit_kb)
    return raw


def upload_limit_kb(server_max_bytes: int) -> int:
    """The largest upload limit staff may set: what the domain allows and what this server accepts."""
    return min(MAX_UPLOAD_BYTES, server_max_bytes) // KB


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def form_field(domain_field: str) -> str:
    if domain_field.startswith("weights."):
        return "weight_" + domain_field.split(".", 1)[1]
    if domain_field == "upload_max_bytes":
        return "upload_max_kb"
    return domain_field


def settings_message(field: str, *, limit_kb: int | None = None) -> str:
    if field.startswith("weight_"):
        return _("Give a number from 0 to 1000.")
    messages = {
        "sections": lambda: _("Include at least one part."),
        "lms_tasks": lambda: _("Include at least one LMS task, or leave out the LMS part."),
        "weights": lambda: _("At least one area of the included parts needs a weight above 0."),
        "knowledge_weight": lambda: _("Give a percentage from 50 to 100."),
        "ready_threshold": lambda: _("Give a number from 1 to 100."),
        "supported_threshold": lambda: _("Give a number from 0 to 100, below the threshold for Siap."),
        "support_threshold": lambda: _("Give a number from 0 to 100."),
        "max_attempts": lambda: _("Give a whole number from 0 to %(n)d (0 means no limit).", n=MAX_ATTEMPTS),
        "keep": lambda: _("Choose the best or the last attempt."),
        "find_code": lambda: _("Use 4 to 64 letters, digits or punctuation (spaces do not count), or leave it empty."),
        "upload_max_kb": lambda: _("Give a whole number of KB from 1 to %(n)d.", n=limit_kb or MAX_UPLOAD_BYTES // KB),
        "upload_extensions": lambda: _("Allow at least one file type."),
        "min_download_kbps": lambda: _("Give a whole number from 64 to 100000."),
        "min_upload_kbps": lambda: _("Give a whole number from 32 to 100000."),
        "max_latency_ms": lambda: _("Give a whole number from 20 to 5000."),
        "max_jitter_ms": lambda: _("Give a whole number from 5 to 2000."),
        "instrument_version": lambda: _("Choose one of the versions offered."),
    }
    return messages.get(field, lambda: _("Check this field."))()

