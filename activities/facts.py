"""Facts: what one activity knows about many learners, in one shape.

Phase gating, attendance, the course dashboard and the Moodle sync all ask the
activities the same question — "where does each of these learners stand?" —
and ask it for a whole cohort at once. Each activity answers through a
:class:`FactProvider`, so those readers depend on this module only, never on
an activity's own functions, and a new activity type joins them by adding a
provider to its entry in :mod:`activities.registry`.

A provider answers for a course and many learners with a fixed, small number
of SQL statements, however many learners are asked about: a cohort view of
200 learners must not run 200 queries.

Plain data only: the domain has no Flask and no Babel, so a fact carries
numbers and short machine keys, and the web layer words them and makes the
links.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
from collections.abc import Collection, Hashable, Mapping
from typing import Protocol, runtime_checkable

from sqlalchemy import ColumnElement
from sqlalchemy.orm import QueryableAttribute, Session

#: A batch read for more learners than this reads the course's rows and keeps those asked for:
#: binding thousands of ids (a whole cohort) costs more than reading the few rows of the others.
MANY_LEARNERS = 500


class Status(str, enum.Enum):
    """How far a learner has come with what the provider measures."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"


@dataclasses.dataclass(frozen=True, slots=True)
class Progress:
    """Progress such as "1 of 2", as numbers: ``done`` of ``needed``, counting what ``key`` names.

    ``key`` is a short stable text key (``"readiness.submitted"``,
    ``"coaching.tasks_accepted"``, …) the web layer turns into words.
    """

    done: int
    needed: int
    key: str

    @property
    def complete(self) -> bool:
        return self.done >= self.needed


class Step(str, enum.Enum):
    """What a learner should do next; the web layer makes the link and the words."""

    START = "start"  # open the activity and begin
    CONTINUE = "continue"  # an attempt is open: finish it
    SUBMIT = "submit"  # hand in work not handed in yet
    REVISE = "revise"  # the coach asked for a revision
    WAIT_FOR_REVIEW = "wait_for_review"  # nothing to do but wait for the coach
    MEET_COACH = "meet_coach"  # a coaching session is still to be held


@dataclasses.dataclass(frozen=True, slots=True)
class NextStep:
    step: Step
    #: The activity the step happens in, when there is one (a coaching session has none).
    activity_id: int | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Fact:
    """One learner's standing as one provider sees it.

    Frozen, so learners in the same place may share one: a provider answering
    for a cohort of thousands builds each distinct fact once (:func:`counted`
    does), which keeps a course-wide read from allocating (and the garbage
    collector from walking) tens of thousands of equal objects.

    ``value`` is the measured thing (an index, a count, a yes/no) or None when
    there is nothing to measure yet; ``band`` a named level where the activity
    has one (a readiness band). ``next_step`` is None when nothing is left to do.
    """

    status: Status
    value: float | int | bool | None
    progress: Progress
    next_step: NextStep | None = None
    band: str | None = None


@runtime_checkable
class FactProvider(Protocol):
    """Answers for a course and many learners at once.

    ``facts`` returns one :class:`Fact` for *every* id in ``learner_ids``
    (learners with no data get a ``not_started`` fact), in a number of SQL
    statements that does not grow with the number of learners. ``key`` names
    what is measured, e.g. ``"readiness.result"``.
    """

    @property
    def key(self) -> str: ...  # read-only: providers are frozen dataclasses

    def facts(self, session: Session, course_id: int, learner_ids: Collection[int]) -> Mapping[int, Fact]: ...


@runtime_checkable
class SharedRead(Protocol):
    """A provider whose answer is cut from one read that other providers share.

    Phase gating asks several providers of one kind at once (coaching tasks:
    all of them, chosen ones, with a minimum score …); each runs the same
    query with other filters. Such a provider also offers its answer in two
    halves: ``read`` (the statements; the same for every provider with the
    same ``read_key``) and ``facts_from`` (plain Python over what was read),
    so a reader asking many of them reads once
    (:class:`activities.gating.requirements.Evaluation`). Its ``facts`` is
    ``facts_from(read(...))``: one implementation either way.
    """

    @property
    def read_key(self) -> Hashable: ...

    def read(self, session: Session, course_id: int, learner_ids: Collection[int]) -> object: ...

    def facts_from(self, read: object, learner_ids: Collection[int]) -> Mapping[int, Fact]: ...


def learners_among(column: QueryableAttribute[int] | ColumnElement[int], learner_ids: Collection[int]) -> list[ColumnElement[bool]]:
    """The condition keeping ``column`` to ``learner_ids``, for a query that already keeps to one course
    (or one program's rows): none when they are many (:data:`MANY_LEARNERS`), and the caller keeps only
    the learners asked for."""
    return [] if len(learner_ids) > MANY_LEARNERS else [column.in_(list(learner_ids))]


def counted(key: str, done: int, needed: int, *, next_step: NextStep | None, started: bool) -> Fact:
    """The fact of something counted towards a target: status from the count, value the count.

    ``started`` says whether the learner did anything at all (a submission
    waiting for review is started though nothing is counted yet).
    """
    return _counted(key, done, needed, next_step, started)


@functools.lru_cache(maxsize=4096)
def _counted(key: str, done: int, needed: int, next_step: NextStep | None, started: bool) -> Fact:
    """:func:`counted`, one shared fact per distinct answer (facts are frozen)."""
    if done >= needed:
        status, next_step = Status.DONE, None
    elif started or done > 0:
        status = Status.IN_PROGRESS
    else:
        status = Status.NOT_STARTED
    return Fact(status=status, value=done, progress=Progress(done=done, needed=needed, key=key), next_step=next_step)
