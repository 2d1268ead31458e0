"""The coaching services the web layer calls, in one place.

Each takes the caller's SQLAlchemy session and leaves committing to it, so a
result and its gradebook row are saved together. Each refuses a broken rule
with one exception class from :mod:`activities.coaching.exceptions`.

The web layer imports nothing else of this package but that module (enforced
by tests/lti_tool/test_layering.py): the vocabulary its pages show (states,
decisions, the rubric, limits) is re-exported here too, and a rule a page
shows before the learner tries (:func:`may_submit`) is asked of the module
that enforces it, never re-coded in a view. Coach assignments and coaching
sessions are the course's (:mod:`activities.course.service`); they are
re-exported here because a coaching task's pages show and change them too.
"""


from ..course.access import may_coach
from ..course.service import (
    AgreedAction,
    agreed_actions_for,
    assign_coach,
    assignments,
    coach_of,
    coachees,
    coaching_session_count,
    coaching_sessions_for,
    is_coach_of,
    log_coaching_session,
    spread_coaches_evenly,
    unassign_coach,
)
from . import KIND
from .access import can_view_submission
from .files import KNOWN_TYPES as FILE_TYPES
from .files import EvidenceStore, Upload
from .housekeeping import sweep_orphan_files, sweep_superseded_files
from .models import Decision, SubmissionStatus
from .overview import CoachLoad, Overview, overview, overview_csv
from .reviews import QueueItem, course_review_queue, review, review_queue, reviews_of
from .rubric import Rubric
from .sanitize import html_to_text
from .settings import (
    MAX_QUOTA_BYTES,
    CoachingSettings,
    EvidenceType,
    fit_to_maximum,
    settings_of,
    validate_settings,
)
from .submissions import (
    accepted_count,
    evidence_file,
    kept_file_bytes,
    may_submit,
    submission_for,
    submit,
)

__all__ = [
    "FILE_TYPES",
    "KIND",
    "MAX_QUOTA_BYTES",
    "AgreedAction",
    "CoachLoad",
    "CoachingSettings",
    "Decision",
    "EvidenceStore",
    "EvidenceType",
    "Overview",
    "QueueItem",
    "Rubric",
    "SubmissionStatus",
    "Upload",
    "accepted_count",
    "agreed_actions_for",
    "assign_coach",
    "assignments",
    "can_view_submission",
    "coach_of",
    "coachees",
    "coaching_session_count",
    "coaching_sessions_for",
    "course_review_queue",
    "evidence_file",
    "fit_to_maximum",
    "html_to_text",
    "is_coach_of",
    "kept_file_bytes",
    "log_coaching_session",
    "may_coach",
    "may_submit",
    "overview",
    "overview_csv",
    "review",
    "review_queue",
    "reviews_of",
    "settings_of",
    "spread_coaches_evenly",
    "submission_for",
    "submit",
    "sweep_orphan_files",
    "sweep_superseded_files",
    "unassign_coach",
    "validate_settings",
]
