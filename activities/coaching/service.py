"""The coaching services the web layer calls, in one place.

Each takes the caller's SQLAlchemy session and leaves committing to it, so a
result and its gradebook row are saved together. Each refuses a broken rule
with one exception class from :mod:`activities.coaching.exceptions`.

Coach assignments and coaching sessions are the course's
(:mod:`activities.course.service`); they are re-exported here because a
coaching task's pages show and change them too.
"""

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
from .access import can_view_submission
from .files import EvidenceStore, Upload
from .housekeeping import sweep_orphan_files, sweep_superseded_files
from .overview import CoachLoad, Overview, overview, overview_csv
from .reviews import QueueItem, course_review_queue, review, review_queue, reviews_of
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
    "coaching_session_count",
    "coaching_sessions_for",
    "course_review_queue",
    "evidence_file",
    "is_coach_of",
    "kept_file_bytes",
    "log_coaching_session",
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
]
