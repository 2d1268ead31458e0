"""At most once: the shape the Moodle outboxes share (the messages, the calendar events).

A row is done at most once: ``attempted_at`` is committed before the call that may do
it and ``sent_at`` after. A row found attempted but not sent (its worker died mid-call,
or Moodle did not answer) is never tried again, because Moodle may have done it; a call
that certainly did not reach Moodle clears ``attempted_at``, so the job's retry may try again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Protocol

from sqlalchemy.orm import Session

import moodle_client as mc
from activities.db import utcnow
from activities.jobs import JobError, enqueue

from . import connection
from .sync import reason_of
from .token import TokenUnreadable


class Row(Protocol):
    attempted_at: dt.datetime | None
    sent_at: dt.datetime | None


@dataclasses.dataclass(frozen=True)
class Deed:
    """What a row does in Moodle, in the words of the reasons: "created this calendar event", "create it"."""

    done: str
    redo: str


class Queued(Protocol):
    id: int
    platform_id: int


def enqueue_each(session: Session, kind: str, field: str, rows: Sequence[Queued]) -> int:
    """Queue one ``kind`` job per new row (payload ``{field: row.id}``, one pending per row), in
    the caller's transaction; how many."""
    for row in rows:
        enqueue(session, kind, {field: row.id}, platform_id=row.platform_id, dedup_key=f"{kind}:{row.id}")
    return len(rows)


def due(row: Row, deed: Deed) -> bool:
    """Whether the row is still to do (False: done already); :class:`JobError` when an earlier try may have
    done it."""
    if row.sent_at is not None:
        return False
    if row.attempted_at is not None:
        raise JobError(f"an earlier try may have {deed.done} (it was interrupted), so Padu does not {deed.redo} "
                       "again", retryable=False)
    return True


def client(session: Session, secret_key: str, platform_id: int, http, timeout: float) -> mc.MoodleClient:
    """The platform's Moodle client; :class:`JobError` when it has no token or one Padu cannot read."""
    try:
        moodle = connection.client_for(session, secret_key, platform_id, http, timeout)
    except TokenUnreadable as error:
        raise JobError(str(error), retryable=False) from None
    if moodle is None:
        raise JobError("this platform has no web-services token (padu platform set-ws)", retryable=False)
    return moodle


@contextlib.contextmanager
def attempt(session: Session, row: Row, deed: Deed, *, refused_clears: bool) -> Iterator[None]:
    """Commit ``attempted_at``, then run the block's call. Moodle not answering after it may have
    acted is a :class:`JobError` never retried; a call that never reached it clears ``attempted_at``
    (and ``refused_clears``: one Moodle refused) and raises Padu's reason."""
    row.attempted_at = utcnow()
    session.commit()
    try:
        yield
    except mc.TransportError as error:
        if error.maybe_processed:
            raise JobError(f"Moodle may have {deed.done} but did not answer, so Padu does not {deed.redo} again",
                           retryable=False) from None
        not_attempted(session, row)
        raise reason_of(error) from None
    except mc.MoodleError as error:
        if refused_clears:
            not_attempted(session, row)
        raise reason_of(error) from None


def not_attempted(session: Session, row: Row) -> None:
    """Certainly not done: the row may be tried again."""
    row.attempted_at = None
    session.commit()
