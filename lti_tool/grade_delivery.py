"""The AGS score job: sends one grade outbox row to its platform's gradebook.

The worker (:mod:`lti_tool.worker`) claims, leases, counts and retries the row
like every job (:mod:`activities.jobs`); this module only knows what sending a
grade means. Moodle answers 409 to a score whose timestamp is not newer than the
one it holds, so nothing is applied twice, and never out of order, because
timestamps only grow per learner and column. A 409 means one of two things:

* the row was sent before (a retry, or a worker that died after sending) and no
  newer grade of the learner and column has been delivered since: Moodle holds
  *this very score*. The row is delivered, labelled "already in the gradebook"
  (:data:`activities.grades.ALREADY_IN_GRADEBOOK`);
* otherwise the gradebook holds a newer result: the row is superseded.

Rows leave prepared in groups (:func:`prepare_scores`: each of another learner × column;
their columns found, their stamps fixed in one query and one commit), then each POST goes
out on a thread that touches no database (:func:`post`), and the worker settles the outcomes
(:func:`outcome`) of many rows in a few statements (:func:`activities.jobs.settle_many`).
A stream (:mod:`lti_tool.grade_stream`) does so continuously; :func:`send_scores` does it for
one wave; :func:`send_score` for one row.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from activities import registry
from activities.core import Activity
from activities.db import utcnow
from activities.grades import (
    ALREADY_IN_GRADEBOOK,
    GRADES,
    GradeOutbox,
    OutboxStatus,
    delivered_after,
    stamp_for_sending,
)
from activities.jobs import JobError, lock_free

from .lti1p3.exceptions import ServiceError
from .lti1p3.service_http import belongs_to
from .models import Platform
from .runtime import Runtime

log = logging.getLogger(__name__)

#: Shown to staff when a launch's AGS claim names another site than the platform's.
FOREIGN_GRADEBOOK = ("the launch named a gradebook address outside the platform's own site; "
                     "Padu does not send grades there")
NO_GRADEBOOK = "the platform gave no gradebook endpoint (AGS) for this activity"
NO_PLATFORM = "the course's platform is no longer registered in Padu"
#: Score POSTs one worker process has on their way at once, across its lanes.
SENDING_THREADS = 64

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _sending_pool() -> ThreadPoolExecutor:
    """One pool per process, started once: no thread start per wave."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(SENDING_THREADS, thread_name_prefix="score-send")
        return _pool


def _lineitem_url(runtime: Runtime, session: Session, platform: Platform, activity: Activity) -> str | None:
    for url in (activity.lineitem_url, activity.lineitems_url):
        if url and not belongs_to(platform, url):
            log.warning("activity %s: the launch's AGS endpoint is not on platform %s's site; not used",
                        activity.id, platform.id)
            raise ServiceError(FOREIGN_GRADEBOOK, retryable=False)
    return _find_lineitem_url(runtime, session, platform, activity)


def _find_lineitem_url(runtime: Runtime, session: Session, platform: Platform, activity: Activity) -> str | None:
    if activity.lineitem_url:
        return activity.lineitem_url
    if not activity.lineitems_url:
        return None
    url = runtime.ags.find_or_create_lineitem(
        platform, activity.lineitems_url, resource_link_id=activity.resource_link_id,
        resource_id=activity.key, tag=registry.line_item_tag(activity.kind),
        label=activity.title or activity.kind, score_maximum=activity.score_maximum,
    )
    session.execute(update(Activity).where(Activity.id == activity.id).values(lineitem_url=url))
    session.commit()
    return url


def _target(runtime: Runtime, session: Session, activity: Activity) -> tuple[Platform, str]:
    """Where an activity's scores go: its platform and line item (found or made once)."""
    platform = session.get(Platform, activity.course.platform_id)
    if platform is None:  # unregistered since the grade was queued
        raise JobError(NO_PLATFORM, retryable=False)
    try:
        url = _lineitem_url(runtime, session, platform, activity)
    except ServiceError as error:
        raise JobError(error.reason, retryable=error.retryable, retry_after=error.retry_after) from error
    if url is None:
        raise JobError(NO_GRADEBOOK, retryable=False)
    return platform, url


#: What a wave's row ended in: the values it settles with, a JobError, or an error inside Padu.
Outcome = dict | JobError | Exception


@dataclasses.dataclass(frozen=True)
class Post:
    """One score ready to leave: its row, where it goes, and whether it was sent before."""

    row: GradeOutbox
    platform: Platform
    url: str
    user_id: str
    score: dict[str, Any]
    resend: bool


def prepare_scores(runtime: Runtime, session: Session, rows: list[GradeOutbox]) -> tuple[dict[int, Outcome], list[Post]]:
    """Find each activity's column and stamp the rows (one query, one commit); touches no network
    but a column lookup. Returns the outcomes of rows that cannot go (no gradebook, …) and the
    posts of the others, ready for :func:`post` on any thread."""
    outcomes: dict[int, Outcome] = {}
    targets: dict[int, tuple[Platform, str] | JobError] = {}
    ready: list[tuple[GradeOutbox, Platform, str]] = []
    for row in rows:
        activity = row.activity
        if activity.id not in targets:
            try:
                targets[activity.id] = _target(runtime, session, activity)
            except JobError as error:
                targets[activity.id] = error
        target = targets[activity.id]
        if isinstance(target, JobError):
            outcomes[row.id] = target
        else:
            ready.append((row, *target))
    stamped = _stamp(session, [row for row, _platform, _url in ready])
    posts = [Post(row, platform, url, row.person.sub, row.as_score(), resend=row.id not in stamped)
             for row, platform, url in ready]
    return outcomes, posts


def post(runtime: Runtime, score: Post) -> BaseException | None:
    """POST one prepared score (no database); returns the error instead of raising it."""
    try:
        runtime.ags.post_score(score.platform, score.url, score.user_id, score.score)
    except Exception as error:  # handed back to the worker: a ServiceError, or an error inside Padu
        return error
    return None


def outcome(session: Session, score: Post, error: BaseException | None) -> Outcome:
    """What a posted score settles with (reads the outbox only for a 409)."""
    return _outcome(session, score.row, resend=score.resend, error=error)


def send_scores(runtime: Runtime, session: Session, rows: list[GradeOutbox]) -> dict[int, Outcome]:
    """The AGS-score job for a wave of rows (each of another learner × column), their attempts
    already counted: find each activity's column, stamp, commit, POST side by side.

    Returns each row's outcome; nothing here settles a row."""
    outcomes, posts = prepare_scores(runtime, session, rows)
    sent = _sending_pool().map(functools.partial(post, runtime), posts)
    for score, error in zip(posts, sent, strict=True):
        outcomes[score.row.id] = outcome(session, score, error)
    return outcomes


def _stamp(session: Session, rows: list[GradeOutbox]) -> set[int]:
    """Stamp and commit (before any score leaves; no transaction held while the platform answers).

    Rows another transaction holds (one superseding them) are stamped one by one after the
    others: a bulk write must not wait for a row lock (see :mod:`activities.jobs`)."""
    by_id = {row.id: row for row in rows}
    locked, busy = lock_free(session, GRADES, list(by_id))
    stamped = stamp_for_sending(session, [by_id[row_id] for row_id in locked])
    session.commit()
    for row_id in busy:
        stamped |= stamp_for_sending(session, [by_id[row_id]])
        session.commit()
    return stamped


def _outcome(session: Session, row: GradeOutbox, *, resend: bool, error: BaseException | None) -> Outcome:
    if error is None:
        return {"status": OutboxStatus.DELIVERED.value, "last_error": None, "delivered_at": utcnow()}
    if not isinstance(error, ServiceError):
        return error if isinstance(error, Exception) else RuntimeError(repr(error))
    if error.status == 409:
        # Moodle: "Refusing score with an earlier timestamp" — it holds this very score (a
        # re-send) or a newer one.
        if resend and not delivered_after(session, row):
            return {"status": OutboxStatus.DELIVERED.value, "last_error": ALREADY_IN_GRADEBOOK,
                    "delivered_at": utcnow()}
        return {"status": OutboxStatus.SUPERSEDED.value,
                "last_error": "the gradebook already holds a newer result", "delivered_at": utcnow()}
    return JobError(error.reason, retryable=error.retryable, retry_after=error.retry_after)


def send_score(runtime: Runtime, session: Session, row: GradeOutbox) -> dict:
    """The AGS-score job's handler for one row: POST its score (LTI AGS 2.0 §3.4).

    Returns the values the row settles with; raises :class:`JobError` with
    Padu's reason (``ServiceError`` reasons are Padu's words, never the
    platform's answer) when the send failed.
    """
    platform, url = _target(runtime, session, row.activity)
    resend = not stamp_for_sending(session, [row])
    user_id, score = row.person.sub, row.as_score()
    session.commit()  # no transaction (nor pooled connection) held while the platform answers
    try:
        runtime.ags.post_score(platform, url, user_id, score)
    except ServiceError as error:
        outcome = _outcome(session, row, resend=resend, error=error)
        if not isinstance(outcome, dict):  # a JobError with Padu's reason
            raise outcome from error
        return outcome
    return {"status": OutboxStatus.DELIVERED.value, "last_error": None, "delivered_at": utcnow()}
