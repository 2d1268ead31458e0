"""Who coaches whom: one coach per learner per course, set by staff or spread over the roster."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core import Course, Person, Role
from .access import role_in_course
from .exceptions import NoCoaches, NotAFacilitator, NotALearner
from .models import CoachAssignment


def assign_coach(session: Session, course: Course, coach: Person, learner: Person) -> CoachAssignment:
    """Make ``coach`` the learner's coach in the course, replacing any earlier coach.

    Raises NotAFacilitator unless the coach is a facilitator or staff of the
    course, and NotALearner unless the learner is a learner there.
    """
    _check_pair(session, course.id, coach, learner)
    assignment = _assignment(session, course.id, learner.id)
    if assignment is None:
        assignment = CoachAssignment(course_id=course.id, coach_id=coach.id, learner_id=learner.id)
        session.add(assignment)
    else:
        assignment.coach_id = coach.id
    session.flush()
    session.refresh(assignment)
    return assignment


def unassign_coach(session: Session, course: Course, learner: Person) -> bool:
    """Remove the learner's coach; True if there was one."""
    assignment = _assignment(session, course.id, learner.id)
    if assignment is None:
        return False
    session.delete(assignment)
    session.flush()
    return True


def spread_coaches_evenly(
    session: Session, course: Course, coaches: Iterable[Person], learners: Iterable[Person]
) -> list[CoachAssignment]:
    """Give every learner without a coach the coach with the fewest coachees.

    Existing assignments stay: a learner who already talks with a coach keeps
    them. Ties go to the coach made first (lowest id) and learners are taken
    in id order, so the same roster always gives the same result, whatever
    order it arrives in. Counts include each coach's coachees in the whole
    course. Returns the new assignments.
    """
    coaches = sorted({c.id: c for c in coaches}.values(), key=lambda p: p.id)
    coach_ids = {c.id for c in coaches}
    pending = [
        learner
        for learner in sorted({p.id: p for p in learners}.values(), key=lambda p: p.id)
        if learner.id not in coach_ids and _assignment(session, course.id, learner.id) is None
    ]
    if not pending:
        return []
    if not coaches:
        raise NoCoaches("no coach to spread the learners over")
    for coach in coaches:
        if not _can_coach(session, course.id, coach):
            raise NotAFacilitator(f"{coach.display_name} is not a facilitator of this course")
    for learner in pending:
        if role_in_course(session, course.id, learner.id) is not Role.LEARNER:
            raise NotALearner(f"{learner.display_name} is not a learner of this course")
    load = dict(
        session.execute(
            select(CoachAssignment.coach_id, func.count())
            .where(CoachAssignment.course_id == course.id, CoachAssignment.coach_id.in_(coach_ids))
            .group_by(CoachAssignment.coach_id)
        ).all()
    )
    made = []
    for learner in pending:
        coach = min(coaches, key=lambda c: (load.get(c.id, 0), c.id))
        made.append(assign_coach(session, course, coach, learner))
        load[coach.id] = load.get(coach.id, 0) + 1
    return made


def coachees(session: Session, course_id: int, coach_id: int) -> list[Person]:
    """The coach's learners in the course ("my coachees"), by name."""
    return list(
        session.scalars(
            select(Person)
            .join(CoachAssignment, CoachAssignment.learner_id == Person.id)
            .where(CoachAssignment.course_id == course_id, CoachAssignment.coach_id == coach_id)
            .order_by(Person.name, Person.sub)
        )
    )


def coach_of(session: Session, course_id: int, learner_id: int) -> Person | None:
    assignment = _assignment(session, course_id, learner_id)
    return assignment.coach if assignment else None


def assignments(session: Session, course_id: int) -> list[CoachAssignment]:
    """All coach assignments of a course (for the staff page, a task's overview, the course dashboard)."""
    return list(
        session.scalars(
            select(CoachAssignment).where(CoachAssignment.course_id == course_id).order_by(CoachAssignment.id)
        )
    )


def is_coach_of(session: Session, course_id: int, coach_id: int, learner_id: int) -> bool:
    assignment = _assignment(session, course_id, learner_id)
    return assignment is not None and assignment.coach_id == coach_id


def _assignment(session: Session, course_id: int, learner_id: int) -> CoachAssignment | None:
    return session.scalar(
        select(CoachAssignment).where(CoachAssignment.course_id == course_id, CoachAssignment.learner_id == learner_id)
    )


def _can_coach(session: Session, course_id: int, coach: Person) -> bool:
    role = role_in_course(session, course_id, coach.id)
    return role is not None and role.can_facilitate


def _check_pair(session: Session, course_id: int, coach: Person, learner: Person) -> None:
    if not _can_coach(session, course_id, coach):
        raise NotAFacilitator(f"{coach.display_name} is not a facilitator of this course")
    if coach.id == learner.id or role_in_course(session, course_id, learner.id) is not Role.LEARNER:
        raise NotALearner(f"{learner.display_name} is not a learner of this course")
