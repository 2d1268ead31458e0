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

#: The comment's words in the languages Padu speaks; the band labels come from areas.BAND_LABELS.
COMMENT_PREFIX = {"id": "Kesiapan digital", "en": "Digital readiness"}


def gradebook_score(index: float, score_maximum: float) -> float:
    """The index (0–100) on the column's scale, to two decimals as Moodle shows grades."""
    return round(min(max(index, 0.0), 100.0) * score_maximum / 100.0, 2)


def comment_language(activity: Activity) -> str:
    """The activity's language (the teacher's, kept when it was configured); Indonesian when unknown.

    The comment is stored text in the platform's gradebook, read later by
    teachers and learners outside any launch: it cannot follow each reader's
    locale, so it follows the course's.
    """
    locale = (activity.locale or "").replace("_", "-").split("-")[0].lower()
    return locale if locale in COMMENT_PREFIX else "id"


def result_comment(activity: Activity, index: float, band: Band) -> str:
    language = comment_language(activity)
    return f"{COMMENT_PREFIX[language]}: {Band(band).label[language]} ({index:g}/100)"


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
        comment=result_comment(activity, index, band),
    )
