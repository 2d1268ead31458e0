"""A coaching result as a gradebook row, with the AGS progress state of each step.

Moodle writes a null grade unless ``gradingProgress`` is ``FullyGraded``: so
a submission and a revision request clear any grade shown, and only an
acceptance writes the score. Each call goes to the outbox inside the caller's
transaction (see :func:`activities.grades.record_grade`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..core import Activity, Person
from ..grades import ActivityProgress, GradeOutbox, GradingProgress, record_grade
from .sanitize import html_to_text

#: Feedback longer than this stays in Padu; Moodle's gradebook shows the comment in a narrow cell.
MAX_COMMENT = 500


def grade_submitted(session: Session, activity: Activity, learner: Person) -> GradeOutbox:
    return record_grade(session, activity, learner, score_given=None,
                        activity_progress=ActivityProgress.SUBMITTED,
                        grading_progress=GradingProgress.PENDING_MANUAL)


def grade_revision_requested(session: Session, activity: Activity, learner: Person, feedback: str) -> GradeOutbox:
    return record_grade(session, activity, learner, score_given=None,
                        activity_progress=ActivityProgress.IN_PROGRESS,
                        grading_progress=GradingProgress.PENDING_MANUAL,
                        comment=short_comment(feedback))


def grade_accepted(session: Session, activity: Activity, learner: Person, score: float, feedback: str) -> GradeOutbox:
    return record_grade(session, activity, learner, score_given=score,
                        activity_progress=ActivityProgress.COMPLETED,
                        grading_progress=GradingProgress.FULLY_GRADED,
                        score_maximum=activity.score_maximum,
                        comment=short_comment(feedback))


def short_comment(feedback_html: str) -> str | None:
    """The feedback as plain text when short enough for the gradebook, else None."""
    text = html_to_text(feedback_html)
    return text if text and len(text) <= MAX_COMMENT else None
