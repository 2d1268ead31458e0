"""Who may see and review a learner's work: the learner, their coach, staff of that course.

The role a view passes comes from the viewer's launch, which may be a launch
in another course. So staff and coach rights are also checked against the
membership and the coach assignment recorded for the submission's own course
(:func:`activities.course.access.may_coach`): being a teacher somewhere never
opens another course's evidence.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ..core import Role
from ..course.access import may_coach
from .models import Submission


def can_view_submission(
    session: Session, submission: Submission, viewer_person_id: int, viewer_role: Role | None
) -> bool:
    """The learner who made it, their coach, or staff of its course; nobody else.

    The same answer decides who may download the submission's files.
    """
    if viewer_person_id == submission.learner_id:
        return True
    course_id = submission.activity.course_id
    return may_coach(session, course_id, viewer_person_id, viewer_role, submission.learner_id)
