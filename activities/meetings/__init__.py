"""Meetings (*pertemuan*) of a phase and who attended them; attendance as a gate requirement.

LAN's evaluations of blended Latsar name too little interaction with
facilitators, over-long sessions, and an LMS that says something else than
the facilitator. The synchronous online meetings of *jarak jauh* and the
in-person days of *klasikal* are where that interaction happens, so Padu holds
them: a :class:`.models.Meeting` belongs to a gating phase; an
:class:`.models.Attendance` records, per learner, present / late / excused /
absent, by the facilitator's grid or the learner's own check-in with a code that
rotates every minute (:mod:`.codes`). Attendance is read by phase gating as the
requirement kind ``attendance`` (:mod:`.requirement`) and by the course
dashboard as the course fact ``attendance`` (:mod:`.facts`).

A *meeting* is never called a "session": that word belongs to coaching
sessions and launch sessions (see :mod:`activities.course`).

The web layer imports :mod:`.service` and :mod:`.exceptions` only; no Flask here.
"""

# Registered at import (see activities.registry.PACKAGES), so every process knows them.
from .. import registry
from ..gating import requirements as _requirements
from .facts import CourseAttendance
from .requirement import AttendanceRequired

registry.register_course_facts({"attendance": CourseAttendance})
_requirements.register(AttendanceRequired())
