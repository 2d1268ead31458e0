"""The coaching services the web layer calls, in one place.

Each takes the caller's SQLAlchemy session and leaves committing to it, so a
result and its gradebook row are saved together. Each refuses a broken rule
with one exception class from :mod:`activities.coaching.exceptions`.
"""

from .access import can_view_submission
from .coaches import (
    assign_coach,
    assignments,
    coach_of,
    coachees,
    is_coach_of,
    spread_coaches_evenly,
    unassign_coach,
)
from .files import EvidenceStore, Upload
from .housekeeping import sweep_orphan_files, sweep_superseded_files
from .overview import CoachLoad, Overview, overview, overview_csv
from .reviews import QueueItem, course_review_queue, review, review_queue, reviews_of
from .session_log import AgreedAction, agreed_actions_for, log_session, session_count, sessions_for
from .submissions import (
    accepted_count,
    evidence_file,
    kept_file_bytes,
    settings_of,
    submission_for,
    submit,
)

__all__ = [
    "AgreedAction",
    "CoachLoad",
    "EvidenceStore",
    "Overview",
    "QueueItem",
    "Upload",
    "accepted_count",
    "agreed_actions_for",
    "assign_coach",
    "assignments",
    "can_view_submission",
    "coach_of",
    "coachees",
    "course_review_queue",
    "evidence_file",
    "is_coach_of",
    "kept_file_bytes",
    "log_session",
    "overview",
    "overview_csv",
    "review",
    "review_queue",
    "reviews_of",
    "session_count",
    "sessions_for",
    "settings_of",
    "spread_coaches_evenly",
    "submission_for",
    "submit",
    "sweep_orphan_files",
    "sweep_superseded_files",
    "unassign_coach",
]
