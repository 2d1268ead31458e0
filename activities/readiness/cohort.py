"""The facilitators' view of a cohort: bands, area averages, who needs what, who has not started.

It answers the question the check exists for: *who needs help with what,
before day one*. Everyone counted is a learner of the course roster (as
``activities.core.members`` knows it, from launches and NRPS) or someone
who took the check without a staff role; staff trying the check out are
left out so they do not skew the cohort.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..core import Activity, Membership, Person, Role, members
from ..csv_export import csv_text, safe_cell, safe_row  # noqa: F401  (were defined here; still importable)
from .areas import AREAS, GROUP_OF, GROUPS, Band
from .models import ReadinessAttempt
from .results import CurrentResult, current_results
from .settings import settings_of


@dataclasses.dataclass(frozen=True)
class SupportReason:
    """One area where a learner is below the support threshold."""

    area: str
    #: ``device``, ``connection``, ``skills`` or ``lms``: the kind of help it calls for.
    group: str
    score: float


@dataclasses.dataclass(frozen=True)
class SupportNeed:
    person: Person
    index: float
    band: Band
    #: Weakest area first. Empty when only the overall index is low.
    reasons: tuple[SupportReason, ...]
    #: Ids of the recommendations the learner received.
    advice: tuple[str, ...]

    @property
    def groups(self) -> tuple[str, ...]:
        return tuple(g for g in GROUPS if any(r.group == g for r in self.reasons))


@dataclasses.dataclass(frozen=True)
class CohortSummary:
    #: Learners counted: the roster plus anyone else who took the check without a staff role.
    learners: int
    submitted: int
    #: Every band, in order from ready to not ready, with its count (zeros included, for the chart).
    band_counts: dict[Band, int]
    #: Mean of the kept results per area; None where nobody was assessed.
    area_averages: dict[str, float | None]
    index_average: float | None
    #: Learners not *Siap*, or below the support threshold in any area: lowest band and index first.
    needs_support: list[SupportNeed]
    #: How many learners need help of each kind.
    support_by_group: dict[str, int]
    #: Started but never submitted.
    in_progress: list[Person]
    #: On the roster, never opened the check.
    not_started: list[Person]


def cohort_summary(session: Session, activity: Activity,
                   roster_members: Iterable[Membership] | None = None) -> CohortSummary:
    """The summary of one check. ``roster_members`` defaults to the course's learners."""
    settings = settings_of(activity)
    people, started = _population(session, activity, roster_members)
    results = current_results(session, activity, people)

    band_counts = {band: 0 for band in Band}
    needs: list[SupportNeed] = []
    for person_id, result in results.items():
        band_counts[result.band] += 1
        need = _need(people[person_id], result, settings.support_threshold)
        if need is not None:
            needs.append(need)
    needs.sort(key=lambda n: (n.band.rank, n.index, n.person.name, n.person.sub))

    area_averages = {area: _mean(r.areas.get(area) for r in results.values()) for area in AREAS}
    return CohortSummary(
        learners=len(people),
        submitted=len(results),
        band_counts=band_counts,
        area_averages=area_averages,
        index_average=_mean(r.index for r in results.values()),
        needs_support=needs,
        support_by_group={g: sum(1 for n in needs if g in n.groups) for g in GROUPS},
        in_progress=_by_name(people[pid] for pid in started if pid not in results),
        not_started=_by_name(p for pid, p in people.items() if pid not in started),
    )


CSV_COLUMNS = ("learner", "email", "status", "attempts", "submitted_at", "index", "band",
               *(f"area_{area}" for area in AREAS), "needs_support", "recommendations")
NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
SUBMITTED = "submitted"


def cohort_csv(session: Session, activity: Activity, roster_members: Iterable[Membership] | None = None) -> str:
    """One row per learner (taken or not), for a spreadsheet. Text cells are made formula-safe.

    Scores use a dot as decimal separator and areas not assessed are empty,
    so the file reads the same in any spreadsheet locale.
    """
    settings = settings_of(activity)
    people, started = _population(session, activity, roster_members)
    results = current_results(session, activity, people)

    rows = []
    for person in _by_name(people.values()):
        result = results.get(person.id)
        if result is None:
            status = IN_PROGRESS if person.id in started else NOT_STARTED
            rows.append([person.display_name, person.email, status, started.get(person.id, 0),
                         "", "", "", *("" for _ in AREAS), "", ""])
            continue
        need = _need(person, result, settings.support_threshold)
        rows.append([
            person.display_name, person.email, SUBMITTED, result.attempts_used,
            result.submitted_at.isoformat(timespec="seconds"), _number(result.index), result.band.value,
            *(_number(result.areas.get(area)) for area in AREAS),
            ";".join(need.groups) if need else "",
            ";".join(r["id"] for r in result.recommendations),
        ])
    return csv_text(CSV_COLUMNS, rows)


# -- helpers -----------------------------------------------------------------


def _population(session: Session, activity: Activity, roster_members: Iterable[Membership] | None
                ) -> tuple[dict[int, Person], dict[int, int]]:
    """The people counted, by id, and how many attempts each of those who started has."""
    if roster_members is None:
        roster_members = members(session, activity.course_id, Role.LEARNER)
    people = {m.person_id: m.person for m in roster_members}
    staff = set(session.scalars(select(Membership.person_id).where(
        Membership.course_id == activity.course_id, Membership.role != Role.LEARNER.value)))
    started: dict[int, int] = {}
    for attempt in session.scalars(select(ReadinessAttempt).where(ReadinessAttempt.activity_id == activity.id)):
        if attempt.person_id in staff and attempt.person_id not in people:
            continue
        people.setdefault(attempt.person_id, attempt.person)
        started[attempt.person_id] = started.get(attempt.person_id, 0) + 1
    return people, started


def _need(person: Person, result: CurrentResult, threshold: float) -> SupportNeed | None:
    reasons = sorted(
        (SupportReason(area=area, group=GROUP_OF[area], score=score)
         for area, score in result.areas.items() if score is not None and area in GROUP_OF and score < threshold),
        key=lambda r: (r.score, AREAS.index(r.area)),
    )
    if result.band is Band.READY and not reasons:
        return None
    return SupportNeed(person=person, index=result.index, band=result.band, reasons=tuple(reasons),
                       advice=tuple(r["id"] for r in result.recommendations))


def _mean(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(sum(known) / len(known), 1) if known else None


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _by_name(people: Iterable[Person]) -> list[Person]:
    return sorted(people, key=lambda p: (p.name, p.sub))

