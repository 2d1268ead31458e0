"""Coaching tasks: workplace evidence, rubric review, revision, coaching sessions.

The 70:20 part of LAN's 70:20:10 model: a learner submits evidence of a
workplace assignment, their coach reviews it on a rubric and accepts it or
asks for a revision, and coaching conversations are logged. Grades go to the
gradebook through the grade outbox with the AGS progress state of each step.

The web layer imports :mod:`activities.coaching.service`; the other modules
are the pieces it is made of.
"""

#: ``Activity.kind`` of a coaching task.
KIND = "coaching"
