"""Who may coach a learner: staff of the course, or the learner's assigned coach who facilitates there.

The role a view passes comes from the person's launch, which may be a launch
in another course. So staff and coach rights are also checked against the
membership and the coach assignment recorded for the course in question:
being a teacher somewhere never opens another course's learners.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core import Membership, Role
from .models import CoachAssignment


def role_in_course(session: Session, course_id: int, person_id: int) -> Role | None:
    role = session.scalar(
        select(Membership.role).where(Membership.course_id == course_id, Membership.person_id == person_id)
    )
    return Role(role) if role else None


def is_course_staff(session: Session, course_id: int, person_id: int, role: Role | None) -> bool:
    return role is Role.STAFF and role_in_course(session, course_id, person_id) is Role.STAFF


def may_coach(session: Session, course_id: int, person_id: int, role: Role | None, learner_id: int) -> bool:
    """Staff of the course, or the learner's assigned coach who facilitates there."""
    if person_id == learner_id or role is None:
        return False
    if is_course_staff(session, course_id, person_id, role):
        return True
    if not role.can_facilitate:
        return False
    course_role = role_in_course(session, course_id, person_id)
    if course_role is None or not course_role.can_facilitate:
        return False
    coach_id = session.scalar(
        select(CoachAssignment.coach_id).where(
            CoachAssignment.course_id == course_id, CoachAssignment.learner_id == learner_id
        )
    )
    return coach_id == person_id
