"""The readiness services the web layer calls, in one place.

Each takes the caller's SQLAlchemy session and leaves committing to it, so a
result and its gradebook row are saved together. Each refuses a broken rule
with one exception class from :mod:`activities.readiness.exceptions`.
"""

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
from .instrument import load_instrument
from .probe import PLAN as PROBE_PLAN
from .probe import parse_probe
from .results import CurrentResult, attempts_left, attempts_used, current_result, current_results, kept_attempt
from .settings import default_settings, settings_of, validate_settings
from .storage import stored_path

__all__ = [
    "MAX_CODE_TRIES",
    "PROBE_PLAN",
    "CohortSummary",
    "CurrentResult",
    "SubmitOutcome",
    "SupportNeed",
    "SupportReason",
    "attempts_left",
    "attempts_of",
    "attempts_used",
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
