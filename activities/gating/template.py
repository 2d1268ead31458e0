"""The Latsar CPNS template: Mandiri → Jarak Jauh → Klasikal.

Peraturan LAN No. 1 Tahun 2021 (Pasal 7 ayat (1) huruf b) runs the basic
training for new civil servants as blended learning in three components:
self-study (*mandiri*), distance learning (*jarak jauh*) and in-person
classes (*klasikal*). LAN's own evaluations found that learners who could
not use the LMS and their devices struggled most in distance learning, and
that coaching and mentoring carry the workplace part (70:20:10, Peraturan
LAN No. 6 Tahun 2022). Hence the gates:

* Mandiri → the course's readiness check submitted with at least *siap dengan
  pendampingan* (readiness before distance learning);
* Jarak Jauh → every coaching task of the course accepted and at least two
  coaching sessions held (coaching work during it);
* Klasikal → a facilitator's sign-off (attendance comes with its own issue).

Phase titles are data staff edit (in the course's language); windows start
empty and are set per cohort. A course without a readiness check gets a
facilitator sign-off in Mandiri instead.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core import Activity, Course
from .models import DEFAULT_TIME_ZONE, Phase, PhaseKind, Program, Requirement

LATSAR_CPNS = "latsar_cpns"
READINESS_BAND = "siap_dengan_pendampingan"
SESSIONS = 2


def latsar_cpns(session: Session, course: Course, *, readiness_activity_id: int | None = None) -> Program:
    """A new (unsaved) program for ``course``; the readiness check is the one given or the course's first."""
    if readiness_activity_id is None:
        readiness_activity_id = session.scalar(
            select(Activity.id).where(Activity.course_id == course.id, Activity.kind == "readiness")
            .order_by(Activity.id).limit(1))
    if readiness_activity_id is not None:
        mandiri = Requirement(kind="readiness", position=0, title="Cek kesiapan digital",
                              params={"activity_id": readiness_activity_id, "band": READINESS_BAND})
    else:
        mandiri = Requirement(kind="sign_off", position=0, title="Pembelajaran mandiri selesai", params={})
    return Program(
        course_id=course.id, title=course.title or "Latsar CPNS", time_zone=DEFAULT_TIME_ZONE, template=LATSAR_CPNS,
        phases=[
            Phase(position=0, kind=PhaseKind.MANDIRI.value, title="Pembelajaran Mandiri", requirements=[mandiri]),
            Phase(position=1, kind=PhaseKind.JARAK_JAUH.value, title="Pembelajaran Jarak Jauh", requirements=[
                Requirement(kind="coaching_tasks", position=0, title="Penugasan coaching diterima", params={}),
                Requirement(kind="coaching_sessions", position=1, title="Sesi coaching",
                            params={"needed": SESSIONS}),
            ]),
            Phase(position=2, kind=PhaseKind.KLASIKAL.value, title="Pembelajaran Klasikal", requirements=[
                Requirement(kind="sign_off", position=0, title="Tanda tangan fasilitator", params={}),
            ]),
        ],
    )
