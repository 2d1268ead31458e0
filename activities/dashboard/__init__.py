"""The facilitator's course dashboard: one view of a course across every Padu activity.

Who needs help, with what, today: the phase funnel, the learners at risk
(ranked, each with its reason and where to act), a row per roster learner,
each coach's workload and the course's grade sync. Every other activity is
read through the facts protocol (:mod:`activities.facts`), in batches, so a
page costs a fixed number of queries whatever the number of learners.

It is also an activity kind with no grade: a Padu link of the kind
"course dashboard" opens the dashboard for staff and facilitators, and the
learner's own journey for learners. The web layer imports
:mod:`activities.dashboard.service`.
"""

#: ``Activity.kind`` of a "course dashboard" link.
KIND = "dashboard"

from .. import registry  # noqa: E402

registry.register(registry.ActivityKind(kind=KIND, default_settings=dict, tag=KIND, graded=False))
