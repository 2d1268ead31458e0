"""Digital readiness check: who needs help with what, before day one.

LAN's evaluations of blended Latsar found learners who could not use the LMS
and devices and connections that failed them. This activity measures the
connection and device (a browser probe plus a self-report), digital skills in
DigComp 2.2's five areas adapted to a civil servant's work, and two LMS
micro-tasks that are done rather than self-rated. The result is a profile per
area, an index 0–100, a band, recommendations, a gradebook score and a cohort
view for facilitators.

The web layer imports :mod:`activities.readiness.service`; the other modules
are the pieces it is made of.
"""

#: ``Activity.kind`` of a readiness check.
KIND = "readiness"

# Registered here, after KIND, so that any process importing the package knows the kind.
from .. import registry  # noqa: E402
from .facts import ReadinessResult  # noqa: E402
from .settings import default_settings  # noqa: E402

registry.register(registry.ActivityKind(
    kind=KIND,
    default_settings=default_settings,
    tag=KIND,
    facts={"result": ReadinessResult},
))
