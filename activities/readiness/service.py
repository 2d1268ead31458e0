"""The readiness services the web layer calls, in one place.

Each takes the caller's SQLAlchemy session and leaves committing to it, so a
result and its gradebook row are saved together. Each refuses a broken rule
with one exception class from :mod:`activities.readiness.exceptions`.

The web layer imports nothing else of this package but that module (enforced
by tests/lti_tool/test_layering.py): the vocabulary its pages show (areas,
bands, instrument versions, limits) is re-exported here too, so the modules
behind this façade can move without touching a view.
"""

from . import KIND
from .areas import AREA_LABELS, AREAS, GROUPS, SECTIONS, TASKS, Band
from .attempts import (
    MAX_CODE_TRIES,
    SubmitOutcome,
    attempts_of,
    check_code,
    missing_answers,
    open_attempt,
    record_probe,
    record_upload,
    resync_grades,
    save_section,
    start_or_resume_attempt,
    submit_attempt,
)
from .cohort import CohortSummary, SupportNeed, SupportReason, cohort_csv, cohort_summary
from .housekeeping import sweep_orphan_uploads
from .instrument import ChoiceItem, Instrument, SkillArea, available_versions, load_instrument
from .probe import MAX_PROBE_BYTES, ProbeResult, parse_probe
from .probe import PLAN as PROBE_PLAN
from .results import CurrentResult, attempts_left, attempts_used, current_result, current_results, kept_attempt
from .settings import (
    MAX_ATTEMPTS,
    MAX_UPLOAD_BYTES,
    ReadinessSettings,
    default_settings,
    settings_of,
    validate_settings,
)
from .storage import KNOWN_TYPES as UPLOAD_TYPES
from .storage import stored_path

__all__ = [
    "AREAS",
    "AREA_LABELS",
    "GROUPS",
    "KIND",
    "MAX_ATTEMPTS",
    "MAX_CODE_TRIES",
    "MAX_PROBE_BYTES",
    "MAX_UPLOAD_BYTES",
    "PROBE_PLAN",
    "SECTIONS",
    "TASKS",
    "UPLOAD_TYPES",
    "Band",
    "ChoiceItem",
    "CohortSummary",
    "CurrentResult",
    "Instrument",
    "ProbeResult",
    "ReadinessSettings",
    "SkillArea",
    "SubmitOutcome",
    "SupportNeed",
    "SupportReason",
    "attempts_left",
    "attempts_of",
    "attempts_used",
    "available_versions",
    "check_code",
    "cohort_csv",
    "cohort_summary",
    "current_result",
    "current_results",
    "default_settings",
    "kept_attempt",
    "load_instrument",
    "missing_answers",
    "open_attempt",
    "parse_probe",
    "record_probe",
    "record_upload",
    "resync_grades",
    "save_section",
    "settings_of",
    "start_or_resume_attempt",
    "stored_path",
    "submit_attempt",
    "sweep_orphan_uploads",
    "validate_settings",
]
