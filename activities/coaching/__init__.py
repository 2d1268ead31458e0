"""Coaching tasks: workplace evidence, rubric review, revision, coaching sessions.

The 70:20 part of LAN's 70:20:10 model: a learner submits evidence of a
workplace assignment, their coach reviews it on a rubric and accepts it or
asks for a revision, and coaching sessions (conversations) are logged. Who
coaches whom and the coaching sessions are the course's, not one task's: they
live in :mod:`activities.course`, and this package builds on them. Grades go to the
gradebook through the grade outbox with the AGS progress state of each step.

The web layer imports :mod:`activities.coaching.service`; the other modules
are the pieces it is made of.
"""

#: ``Activity.kind`` of a coaching task.
KIND = "coaching"

# Registered here, after KIND, so that any process importing the package knows the kind.
from .. import registry  # noqa: E402
from .facts import ReviewsWaiting, ReviewTime, TasksAccepted  # noqa: E402
from .settings import default_settings, fit_to_maximum  # noqa: E402

registry.register(registry.ActivityKind(
    kind=KIND,
    default_settings=default_settings,
    tag=KIND,
    # Coaching sessions held are the course's: registry.course_facts()["coaching_sessions_held"].
    facts={"tasks_accepted": TasksAccepted, "reviews_waiting": ReviewsWaiting, "review_time": ReviewTime},
    fit_to_maximum=fit_to_maximum,
))
