"""A readiness result as a gradebook row.

The index is the grade: 0–100 scaled to the column's maximum. A readiness
check has no manual marking, so the row is always ``Completed`` and
``FullyGraded`` (Moodle writes a null grade for anything else). It goes to the
outbox inside the caller's transaction (see :func:`activities.grades.record_grade`).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..core import Activity, Person
from ..grades import ActivityProgress, GradeOutbox, GradingProgress, record_grade
from .areas import Band


def gradebook_score(index: float, score_maximum: float) -> float:
    """The index (0–100) on the column's scale, to two decimals as Moodle shows grades."""
    return round(min(max(index, 0.0), 100.0) * score_maximum / 100.0, 2)


def grade_result(session: Session, activity: Activity, person: Person, index: float, band: Band) -> GradeOutbox:
    """Queue the counting result of a learner for the gradebook."""
    band = Band(band)
    return record_grade(
        session, activity, person,
        score_given=gradebook_score(index, activity.score_maximum),
        activity_progress=ActivityProgress.COMPLETED,
        grading_progress=GradingProgress.FULLY_GRADED,
        score_maximum=activity.score_maximum,
        # Moodle shows the comment beside the grade: the band says more than the number.
        comment=f"Kesiapan digital: {band.label['id']} ({index:g}/100)",
    )
