"""Which result counts: the kept attempt of each learner, best or last.

Decided when asked, from the activity's current settings, rather than
flagged on a row: so the gradebook (through :func:`..attempts.submit_attempt`),
the cohort view and phase gating always agree about the same attempt.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any, NamedTuple, Protocol, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session, defer, lazyload

from ..core import Activity
from ..facts import learners_among
from .areas import Band
from .exceptions import NotAReadinessCheck
from .models import AttemptStatus, ReadinessAttempt
from .settings import Keep, ReadinessSettings, settings_of


@dataclasses.dataclass(frozen=True)
class CurrentResult:
    """A learner's counting result: what phase gating and the learner's page read."""

    attempt_id: int
    number: int
    index: float
    band: Band
    areas: dict[str, float | None]
    recommendations: list[dict[str, Any]]
    submitted_at: dt.datetime
    #: Attempts started (submitted or open) and those left; None = unlimited.
    attempts_used: int
    attempts_left: int | None

    def reached(self, band: Band | str) -> bool:
        """Whether this result is at least ``band`` (the phase gate's question)."""
        return self.band.at_least(Band(band))


class _Ranked(Protocol):
    """What choosing the kept attempt reads of an attempt: a stored one, or its :class:`Outcome` row."""

    @property
    def is_submitted(self) -> bool: ...

    @property
    def number(self) -> int: ...

    @property
    def overall_index(self) -> float | None: ...


_A = TypeVar("_A", bound=_Ranked)


def kept_of(attempts: Iterable[_A], keep: Keep) -> _A | None:
    """The counting attempt among one learner's attempts.

    ``last``: the latest submitted. ``best``: the highest index, and of equal
    ones the later, because it describes the learner's situation more recently.
    """
    submitted = [a for a in attempts if a.is_submitted]
    if not submitted:
        return None
    if Keep(keep) is Keep.LAST:
        return max(submitted, key=lambda a: a.number)
    return max(submitted, key=lambda a: (a.overall_index, a.number))


def kept_attempt(session: Session, activity: Activity, person_id: int) -> ReadinessAttempt | None:
    settings = settings_of(activity)
    return kept_of(_attempts(session, activity.id, [person_id]), settings.keep)


def current_result(session: Session, activity_id: int, person_id: int) -> CurrentResult | None:
    """The kept result of a learner, or None if they have not submitted one.

    Raises NotAReadinessCheck if the activity is missing or of another kind.
    """
    activity = session.get(Activity, activity_id)
    if activity is None:
        raise NotAReadinessCheck(f"activity {activity_id} is not a readiness check")
    return current_results(session, activity, [person_id]).get(person_id)


def current_results(
    session: Session, activity: Activity, person_ids: Iterable[int] | None = None
) -> dict[int, CurrentResult]:
    """Kept results by person id, for everyone (or the given people) with a submitted attempt."""
    return {person_id: standing.result for person_id, standing in standings(session, activity, person_ids).items()
            if standing.result is not None}


@dataclasses.dataclass(frozen=True)
class Standing:
    """Where one learner is with a check: their kept result, if any, and whether an attempt is open."""

    result: CurrentResult | None
    attempts_used: int
    in_progress: bool


def standings(
    session: Session, activity: Activity, person_ids: Iterable[int] | None = None
) -> dict[int, Standing]:
    """By person id, everyone (or the given people) who started an attempt; one query for any number.

    The one implementation behind :func:`current_result`, :func:`current_results`
    and the readiness facts (:mod:`.facts`).
    """
    settings = settings_of(activity)
    by_person: dict[int, list[ReadinessAttempt]] = defaultdict(list)
    for attempt in _attempts(session, activity.id, person_ids):
        by_person[attempt.person_id].append(attempt)
    found = {}
    for person_id, attempts in by_person.items():
        kept = kept_of(attempts, settings.keep)
        found[person_id] = Standing(
            result=_result(kept, len(attempts), settings) if kept is not None else None,
            attempts_used=len(attempts),
            in_progress=any(not attempt.is_submitted for attempt in attempts),
        )
    return found


def attempts_used(session: Session, activity_id: int, person_id: int) -> int:
    return session.scalar(
        select(func.count()).select_from(ReadinessAttempt).where(
            ReadinessAttempt.activity_id == activity_id, ReadinessAttempt.person_id == person_id)
    ) or 0


def attempts_left(settings: ReadinessSettings, used: int) -> int | None:
    """None when unlimited; never below 0 (staff may lower the maximum after attempts were made)."""
    return None if settings.max_attempts == 0 else max(0, settings.max_attempts - used)


def _result(attempt: ReadinessAttempt, used: int, settings: ReadinessSettings) -> CurrentResult:
    # kept_of keeps submitted attempts only, and submitting sets both.
    assert attempt.overall_index is not None and attempt.submitted_at is not None
    return CurrentResult(
        attempt_id=attempt.id,
        number=attempt.number,
        index=attempt.overall_index,
        band=Band(attempt.band),
        areas=dict(attempt.area_scores or {}),
        recommendations=list(attempt.recommendations or []),
        submitted_at=attempt.submitted_at,
        attempts_used=used,
        attempts_left=attempts_left(settings, used),
    )


def _attempts(session: Session, activity_id: int, person_ids: Iterable[int] | None) -> list[ReadinessAttempt]:
    # A result needs neither the attempt's activity and person rows nor its answers, self-report
    # and probe: leaving them out makes a cohort of 5,000 about twice as fast to read.
    query = (
        select(ReadinessAttempt)
        .options(lazyload(ReadinessAttempt.activity), lazyload(ReadinessAttempt.person),
                 defer(ReadinessAttempt.answers), defer(ReadinessAttempt.self_report), defer(ReadinessAttempt.probe))
        .where(ReadinessAttempt.activity_id == activity_id)
    )
    if person_ids is not None:
        query = query.where(ReadinessAttempt.person_id.in_(list(person_ids)))
    return list(session.scalars(query.order_by(ReadinessAttempt.person_id, ReadinessAttempt.number)))


class Outcome(NamedTuple):
    """One attempt as a cohort read needs it (the kept choice, its index and band): a plain row, not the
    stored attempt with its answers and recommendations: a course of 5,000 reads ten times faster."""

    person_id: int
    number: int
    is_submitted: bool
    overall_index: float | None
    band: str | None


class Kept(NamedTuple):
    """One learner's standing with a check as the readiness fact reads it."""

    #: The kept (counting) attempt, None before a submitted one.
    kept: Outcome | None
    in_progress: bool


def kept_outcomes(session: Session, activity: Activity, person_ids: Collection[int]) -> dict[int, Kept]:
    """By person id, of ``person_ids``, those who started an attempt: the kept one (:func:`kept_of`, as
    :func:`standings` chooses it) and whether one is open; one query of plain rows for any number."""
    keep = Keep(settings_of(activity).keep)
    wanted = set(person_ids)
    by_person: dict[int, list[Outcome]] = defaultdict(list)
    submitted = AttemptStatus.SUBMITTED.value
    attempt = ReadinessAttempt.__table__.c  # table columns: plain rows without the ORM's loading
    for person_id, number, status, index, band in session.execute(
            select(attempt.person_id, attempt.number, attempt.status, attempt.overall_index, attempt.band)
            .where(attempt.activity_id == activity.id, *learners_among(attempt.person_id, wanted))).all():
        if person_id in wanted:
            by_person[person_id].append(Outcome(person_id, number, status == submitted, index, band))
    found = {}
    for person_id, attempts in by_person.items():
        if len(attempts) == 1:  # most learners: kept if submitted, else open (what kept_of and any() say)
            only = attempts[0]
            found[person_id] = Kept(only, False) if only.is_submitted else Kept(None, True)
        else:
            found[person_id] = Kept(kept_of(attempts, keep), any(not a.is_submitted for a in attempts))
    return found
