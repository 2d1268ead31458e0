"""The course-level services the web layer calls, in one place: coach assignments and coaching sessions.

Each takes the caller's SQLAlchemy session and leaves committing to it. Each
refuses a broken rule with one exception class from
:mod:`activities.course.exceptions`.
"""

from .access import may_coach
from .coaches import (
    assign_coach,
    assignments,
    coach_of,
    coachees,
    is_coach_of,
    spread_coaches_evenly,
    unassign_coach,
)
from .coaching_sessions import (
    AgreedAction,
    agreed_actions_for,
    coaching_session_count,
    coaching_sessions_for,
    log_coaching_session,
)

__all__ = [
    "AgreedAction",
    "agreed_actions_for",
    "assign_coach",
    "assignments",
    "coach_of",
    "coachees",
    "coaching_session_count",
    "coaching_sessions_for",
    "is_coach_of",
    "log_coaching_session",
    "may_coach",
    "spread_coaches_evenly",
    "unassign_coach",
]
