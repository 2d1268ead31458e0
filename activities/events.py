""""A learner's facts changed": the one explicit call from the activities to whoever derives from them.

A readiness result kept, a coaching task accepted, a coaching session
logged: the service that stores it calls :func:`fact_changed` in the same
transaction, and every subscriber (phase gating recomputes its states and
gate grades) runs there too, so nothing derived is ever stale after a commit.
No framework: a list of callables, called in order; an exception propagates
and the caller's transaction rolls back with it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from sqlalchemy.orm import Session

from . import registry

#: What a subscriber returns is ignored (``gating.store.recompute`` returns the states it computed).
Subscriber = Callable[[Session, int, Collection[int]], object]

_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> Subscriber:
    """Called by a domain package at import; subscribing twice is a no-op."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)
    return subscriber


def fact_changed(session: Session, course_id: int, learner_ids: Collection[int]) -> None:
    """Tell every subscriber that these learners' facts in this course changed."""
    registry.known_kinds()  # every domain package imported, so every subscriber is listening
    ids = list(dict.fromkeys(learner_ids))
    if not ids:
        return
    for subscriber in list(_subscribers):
        subscriber(session, course_id, ids)
