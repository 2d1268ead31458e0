"""Every way a course-level coaching action (assigning a coach, logging a coaching session) is refused.

:class:`CoachingError` is the family of every coaching refusal, the coaching
task's too (:mod:`activities.coaching.exceptions` derives from it and
re-exports these), so a view catches the family with one class. The web layer
maps a class to a translated message; the English text here is for logs and tests.
"""

from __future__ import annotations


class CoachingError(Exception):
    """A coaching action was refused by a rule of the domain."""


class NotAFacilitator(CoachingError):
    """Only a facilitator or staff member of the course can coach."""


class NotALearner(CoachingError):
    """Only a learner of the course can be coached or submit evidence."""


class NoCoaches(CoachingError):
    """Learners were to be spread over coaches, but no coach was given."""


class NotYourCoachee(CoachingError):
    """The person is neither the learner's coach nor staff of the course."""


class CoachingSessionInvalid(CoachingError):
    """A coaching session record failed validation; ``field`` names the input."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
