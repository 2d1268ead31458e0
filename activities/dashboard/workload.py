"""Each coach's workload: open reviews, the average review time, the coaching sessions held.

Summed from the learner rows (the coaching facts of each coach's coachees),
so it costs no query of its own: a coach's load is their coachees' waiting
work, how long their coachees' work waited for review (weighed by the
number of reviews) and the coaching sessions their coachees had.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping

from .learners import LearnerRow


@dataclasses.dataclass(frozen=True)
class CoachLoad:
    #: None for the learners nobody coaches yet (only staff review their work).
    coach_id: int | None
    name: str
    coachees: int
    open_reviews: int
    overdue_reviews: int
    reviews: int
    #: Average hours from a version handed in to its review; None before any review.
    average_review_hours: float | None
    sessions_held: int


def workload(rows: Iterable[LearnerRow], coach_names: Mapping[int, str]) -> list[CoachLoad]:
    """A line per coach of the course (by name), then one for learners without a coach if any has work waiting."""
    totals: dict[int | None, list[float]] = {coach_id: [0, 0, 0, 0, 0.0, 0] for coach_id in coach_names}
    for row in rows:
        line = totals.setdefault(row.coach_id, [0, 0, 0, 0, 0.0, 0])
        line[0] += 1
        line[1] += row.reviews_waiting
        line[2] += row.reviews_overdue
        line[3] += row.reviews_given
        line[4] += (row.review_hours or 0.0) * row.reviews_given
        line[5] += row.coaching_sessions
    loads = []
    for coach_id, (coachees, waiting, overdue, reviews, hours, sessions) in totals.items():
        if coach_id is None and not waiting:
            continue
        loads.append(CoachLoad(coach_id, coach_names.get(coach_id, "") if coach_id is not None else "",
                               int(coachees), int(waiting), int(overdue), int(reviews),
                               hours / reviews if reviews else None, int(sessions)))
    return sorted(loads, key=lambda load: (load.coach_id is None, load.name.casefold(), load.coach_id or 0))
