"""Daily housekeeping: the tables and folders that would otherwise only grow.

Security review, findings 7 and 19. Once a day, by whichever worker gets
there first:

* expired launch sessions are deleted — they hold the platform's AGS and
  NRPS claims and the session data (the CSRF secret), and are of no use once
  expired (:func:`lti_tool.sessions.load_launch` refuses them);
* used nonces are deleted once past ``expires_at``, which is set to outlive
  any id_token and any login state that could carry them
  (``launch.NONCE_MEMORY``; a login state is signed, not stored, so an
  anonymous ``/lti/login`` leaves nothing behind, :mod:`lti_tool.lti1p3.oidc`);
* finished jobs (done or failed, :mod:`activities.jobs`) are deleted
  ``FINISHED_JOBS_KEPT`` after they finished: a roster refresh leaves one a
  course every ``roster_cache_seconds`` while staff work (the grade outbox is
  the gradebook's history and is kept);
* uploads are swept: files no record names, and the files of superseded,
  unreviewed coaching versions beyond the newest
  ``Settings.keep_superseded_versions`` (:mod:`activities.coaching.housekeeping`).

Every minute, also by whichever worker gets there first, phase gating
stores what changed without an event (:func:`run_gating`): a window opened,
an activity placed, learners new on the roster — so a gate grade reaches
Moodle at a window's opening without anyone opening Padu.

"At most once a day" is kept in the database (:class:`HousekeepingRun`), so
many workers on many hosts run it once between them: a worker claims the day
with an UPDATE that only matches while the last run is a day old, which only
one transaction can win. Every step is idempotent anyway, so a run that dies
half-way is simply completed the next day. The worker calls
:func:`run_in_worker` on every poll; that costs one primary-key read.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import String, delete, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column

from activities.db import Base, rowcount, utcnow
from activities.jobs import Job, JobStatus
from config import Settings

from .models import LaunchSession, UsedNonce

if TYPE_CHECKING:
    from .runtime import Runtime

log = logging.getLogger(__name__)

INTERVAL = dt.timedelta(days=1)
#: How long a finished job stays for an operator to look at.
FINISHED_JOBS_KEPT = dt.timedelta(days=30)
DAILY = "daily"
GATING = "gating"
GATING_INTERVAL = dt.timedelta(minutes=1)


class HousekeepingRun(Base):
    """When a housekeeping job last started, by name (one row per job)."""

    __tablename__ = "housekeeping_run"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    last_run_at: Mapped[dt.datetime]


# -- the steps ------------------------------------------------------------------


def purge_expired(session: Session, now: dt.datetime) -> dict[str, int]:
    """Delete expired launch sessions, used nonces and old finished jobs; commits.
    Returns counts."""
    counts = {
        "launch_sessions": rowcount(session.execute(delete(LaunchSession).where(LaunchSession.expires_at < now))),
        "nonces": rowcount(session.execute(delete(UsedNonce).where(UsedNonce.expires_at < now))),
        "jobs": rowcount(session.execute(delete(Job).where(Job.status != JobStatus.PENDING.value,
                                                            Job.finished_at < now - FINISHED_JOBS_KEPT))),
    }
    session.commit()
    return counts


def sweep_uploads(session: Session, settings: Settings, now: dt.datetime | None = None) -> dict[str, int]:
    """Both activities' upload sweeps (what ``padu uploads sweep`` runs); commits. Returns counts."""
    from activities.coaching.service import EvidenceStore, sweep_orphan_files, sweep_superseded_files
    from activities.readiness.service import sweep_orphan_uploads

    now = now or utcnow()
    store = EvidenceStore(settings.uploads_dir / "coaching")
    counts = {
        "coaching_superseded": sweep_superseded_files(session, store, keep=settings.keep_superseded_versions,
                                                      now=now),
        "coaching_orphans": sweep_orphan_files(session, store, now=now),
        "readiness_orphans": sweep_orphan_uploads(session, settings.uploads_dir / "readiness", now=now),
    }
    session.commit()
    return counts


def run(session: Session, settings: Settings, now: dt.datetime) -> dict[str, int]:
    """Every step, each on its own: a failing disk must not keep the sessions from being purged."""
    counts: dict[str, int] = {}
    for step in (lambda: purge_expired(session, now), lambda: sweep_uploads(session, settings, now)):
        try:
            counts.update(step())
        except (SQLAlchemyError, OSError):
            session.rollback()
            log.exception("housekeeping: a step failed; the others still run, and it is tried again tomorrow")
    return counts


# -- once a day -----------------------------------------------------------------


def claim(session: Session, now: dt.datetime, name: str = DAILY, interval: dt.timedelta = INTERVAL) -> bool:
    """Whether this caller is the one to run ``name`` now (and it is recorded as started)."""
    row = session.get(HousekeepingRun, name)
    if row is None:
        session.add(HousekeepingRun(name=name, last_run_at=now))
        try:
            session.commit()
        except IntegrityError:
            session.rollback()  # another worker made the row first: it runs today
            return False
        return True
    if row.last_run_at > now - interval:
        session.rollback()  # end the read transaction: a worker's session lives on
        return False
    won = rowcount(session.execute(
        update(HousekeepingRun)
        .where(HousekeepingRun.name == name, HousekeepingRun.last_run_at <= now - interval)
        .values(last_run_at=now)
    )) == 1
    session.commit()
    return won


def run_due(runtime: Runtime, now: dt.datetime | None = None) -> dict[str, int] | None:
    """Run the daily housekeeping if a day has passed since any worker last did.
    Returns the counts of what was removed, or None when it was not due."""
    now = now or utcnow()
    with runtime.session_factory() as session:
        if not claim(session, now):
            return None
        counts = run(session, runtime.settings, now)
    log.info("housekeeping: %s", ", ".join(f"{name} {count}" for name, count in counts.items()) or "nothing to do")
    return counts


def run_claimed(runtime: Runtime, name: str, interval: dt.timedelta, step: Callable[[Session, dt.datetime], int],
                failure: str, now: dt.datetime | None = None) -> int | None:
    """``step(session, now)`` at most once per ``interval`` across all workers (:func:`claim`), then
    committed; returns what it counted, or None when it was not due or failed. Never raises: it
    runs inside the worker loop, which must go on; ``failure`` is logged and the next poll tries again.
    """
    now = now or utcnow()
    try:
        with runtime.session_factory() as session:
            if not claim(session, now, name=name, interval=interval):
                return None
            count = step(session, now)
            session.commit()
            return count
    except Exception:  # noqa: BLE001 (runs inside the worker loop, which must go on)
        log.exception(failure)
        return None


def run_gating(runtime: Runtime, now: dt.datetime | None = None) -> list[int] | None:
    """Phase gating's periodic step (:func:`activities.gating.store.recompute_due`) over what changed
    since the last run (everything, the first time), if a minute has passed; returns the courses
    recomputed, or None when it was not due or another worker did it.

    The recompute and the record of the run commit together, and the record is
    only written if it still holds the run this one started from: a run that
    fails is simply done again by the next poll, and of two workers at once one
    commits and the other rolls back.
    """
    from activities.gating.store import recompute_due

    now = now or utcnow()
    with runtime.session_factory() as session:
        row = session.get(HousekeepingRun, GATING)
        if row is not None and row.last_run_at > now - GATING_INTERVAL:
            session.rollback()  # end the read transaction
            return None
        since = row.last_run_at if row is not None else None
        courses = recompute_due(session, since, now)
        if row is None:
            session.add(HousekeepingRun(name=GATING, last_run_at=now))
        elif rowcount(session.execute(update(HousekeepingRun).where(HousekeepingRun.name == GATING,
                                                                   HousekeepingRun.last_run_at == since)
                                      .values(last_run_at=now))) != 1:
            session.rollback()  # another worker ran it meanwhile
            return None
        try:
            session.commit()
        except IntegrityError:
            session.rollback()  # another worker made the row first
            return None
    if courses:
        log.info("phase gating: stored states recomputed in courses %s", ", ".join(map(str, courses)))
    return courses


def run_in_worker(runtime: Runtime, now: dt.datetime | None = None) -> None:
    """:func:`run_due` and :func:`run_gating` for a worker loop: whatever goes wrong is logged, never raised.

    This is the job's outermost boundary, so it catches everything: the
    grade worker that calls it must go on delivering grades.
    """
    try:
        run_due(runtime, now)
    except Exception:  # noqa: BLE001 (a worker's per-job boundary)
        # Failing before the day was claimed (the database is away), a later poll tries again;
        # failing after, the next day does: every step is idempotent.
        log.exception("housekeeping failed; the worker goes on")
    try:
        run_gating(runtime, now)
    except Exception:  # noqa: BLE001 (a worker's per-job boundary)
        log.exception("phase gating's periodic recompute failed; the next poll tries again")
