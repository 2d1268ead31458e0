"""The course itself, beyond any one activity: who coaches whom, and the coaching sessions held.

A coach is assigned per learner per course, and a coaching session is a
conversation in the course, not part of one coaching task. The course
dashboard and phase gating ("at least N coaching sessions held") read them
whether or not the course has a coaching task; the coaching task's pages use
them too (through :mod:`activities.coaching.service`).

Three different things are called a "session" in Padu; in code and text
they keep three names:

* a **coaching session** (*Sesi coaching*): a conversation between a coach
  and a learner, logged here (:class:`.models.CoachingSession`);
* a **meeting** (*Pertemuan*): a scheduled class meeting of a phase, for
  attendance (:mod:`activities.meetings`; ``Meeting``, never "session");
* the **launch session**: a person's signed-in stay in Padu after an LTI
  launch (``lti_tool``), and SQLAlchemy's ``Session``, which keep their names.

The web layer imports :mod:`activities.course.service`; no Flask here.
"""

# Registered at import, like an activity kind (see activities.registry), so every
# process — web, worker, CLI — knows the course's fact providers.
from .. import registry
from .facts import CoachingSessionsHeld

registry.register_course_facts({"coaching_sessions_held": CoachingSessionsHeld})
