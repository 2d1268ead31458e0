"""Tables of phase gating (all prefixed ``gating_``).

A :class:`Program` is the blended journey of one course: ordered
:class:`Phase` rows, each with :class:`Requirement` rows (optionally in a
:class:`RequirementGroup`, "at least N of these"). What a learner has done
comes from the other activities through the facts protocol; what is stored
here is only what gating itself owns: facilitators' :class:`Override` and
:class:`SignOff` decisions, each learner's last computed :class:`PhaseState`
(with the value last sent to the gradebook), and the :class:`AuditEntry`
trail, which is append-only: the ORM refuses to update or delete it.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, relationship

from ..db import Base, JsonObject, utcnow

DEFAULT_TIME_ZONE = "Asia/Jakarta"


def _in(column: str, values: type[enum.Enum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class PhaseKind(str, enum.Enum):
    """LAN's three blended Latsar components (Peraturan LAN No. 1 Tahun 2021, Pasal 7 ayat (1) huruf b)."""

    MANDIRI = "mandiri"  # self-study
    JARAK_JAUH = "jarak_jauh"  # distance, synchronous online
    KLASIKAL = "klasikal"  # in person
    OTHER = "other"


class State(str, enum.Enum):
    LOCKED = "locked"
    OPEN = "open"
    COMPLETE = "complete"
    OVERRIDDEN = "overridden"

    @property
    def passed(self) -> bool:
        """The phase counts as done: the next one may open, and its gradebook column reads 100."""
        return self in (State.COMPLETE, State.OVERRIDDEN)


class OverrideKind(str, enum.Enum):
    COMPLETE_PHASE = "complete_phase"
    WAIVE_REQUIREMENT = "waive_requirement"


class Program(Base):
    """The blended program of one course (of one platform)."""

    __tablename__ = "gating_program"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), unique=True)
    title: Mapped[str] = mapped_column(String(500), default="")
    #: IANA zone the windows are shown and entered in; stored times are UTC.
    time_zone: Mapped[str] = mapped_column(String(64), default=DEFAULT_TIME_ZONE)
    #: The template it was made from ("latsar_cpns"), or empty.
    template: Mapped[str] = mapped_column(String(40), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    phases: Mapped[list[Phase]] = relationship(
        back_populates="program", order_by="Phase.position", cascade="all, delete-orphan")


class Phase(Base):
    __tablename__ = "gating_phase"
    __table_args__ = (
        UniqueConstraint("program_id", "position"),
        CheckConstraint(_in("kind", PhaseKind), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("gating_program.id", ondelete="CASCADE"))
    #: 0, 1, 2, …: the order learners go through the phases.
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(20), default=PhaseKind.OTHER.value)
    title: Mapped[str] = mapped_column(String(200), default="")
    opens_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    closes_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)

    program: Mapped[Program] = relationship(back_populates="phases")
    requirements: Mapped[list[Requirement]] = relationship(
        back_populates="phase", order_by="Requirement.position", cascade="all, delete-orphan")
    groups: Mapped[list[RequirementGroup]] = relationship(
        back_populates="phase", order_by="RequirementGroup.id", cascade="all, delete-orphan")


class RequirementGroup(Base):
    """Requirements of which at least ``at_least`` must be met."""

    __tablename__ = "gating_requirement_group"
    __table_args__ = (CheckConstraint("at_least >= 1", name="at_least"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    phase_id: Mapped[int] = mapped_column(ForeignKey("gating_phase.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    at_least: Mapped[int] = mapped_column(default=1)

    phase: Mapped[Phase] = relationship(back_populates="groups")


class Requirement(Base):
    """One gate of a phase: a kind from :mod:`.requirements` and its validated parameters."""

    __tablename__ = "gating_requirement"

    id: Mapped[int] = mapped_column(primary_key=True)
    phase_id: Mapped[int] = mapped_column(ForeignKey("gating_phase.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("gating_requirement_group.id", ondelete="SET NULL"), nullable=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[JsonObject] = mapped_column(default=dict)
    title: Mapped[str] = mapped_column(String(200), default="")

    phase: Mapped[Phase] = relationship(back_populates="requirements")


class Override(Base):
    """A facilitator completed a phase, or waived one requirement, for one learner.

    Undoing sets ``undone_at``; the row stays, so the history is never lost
    (and the audit trail has both steps).
    """

    __tablename__ = "gating_override"
    __table_args__ = (
        Index("ix_gating_override_learner", "program_id", "learner_id"),
        CheckConstraint(_in("kind", OverrideKind), name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("gating_program.id", ondelete="CASCADE"))
    learner_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(30))
    phase_id: Mapped[int] = mapped_column(ForeignKey("gating_phase.id", ondelete="CASCADE"))
    requirement_id: Mapped[int | None] = mapped_column(
        ForeignKey("gating_requirement.id", ondelete="CASCADE"), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    undone_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    undone_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), nullable=True)
    undo_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class SignOff(Base):
    """A facilitator signed a sign-off requirement for a learner; ``revoked_at`` when taken back."""

    __tablename__ = "gating_sign_off"
    __table_args__ = (Index("ix_gating_sign_off_requirement", "requirement_id", "learner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    requirement_id: Mapped[int] = mapped_column(ForeignKey("gating_requirement.id", ondelete="CASCADE"))
    learner_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    signed_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), nullable=True)
    signed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")
    revoked_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), nullable=True)


class PhaseState(Base):
    """A learner's state of a phase as last computed, and the gate grade last queued for it.

    Stored so that a change can be seen (and sent to the gradebook only then),
    so that an edit that would take a completed phase away can be noticed, and
    so that the cohort grid reads states instead of computing them from every fact.
    """

    __tablename__ = "gating_phase_state"
    __table_args__ = (
        UniqueConstraint("phase_id", "learner_id"),
        CheckConstraint(_in("state", State), name="state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phase_id: Mapped[int] = mapped_column(ForeignKey("gating_phase.id", ondelete="CASCADE"))
    learner_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(20))
    #: 100 or 0 as last written to the grade outbox; None while nothing was ever sent.
    graded_value: Mapped[float | None] = mapped_column(nullable=True)
    #: Whether the phase's requirements were met (whatever the state): with the clock, this gives
    #: the state at any later time (:func:`.engine.standings`). None in rows stored before it was kept.
    requirements_met: Mapped[bool | None] = mapped_column(nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuditEntry(Base):
    """Who did what, when, why, and the state before and after. Append-only."""

    __tablename__ = "gating_audit"
    __table_args__ = (Index("ix_gating_audit_program", "program_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("gating_program.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), nullable=True)
    #: "override", "override_undone", "sign_off", "sign_off_revoked", "program_created", "phase_edited", …
    action: Mapped[str] = mapped_column(String(40))
    learner_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), nullable=True)
    phase_id: Mapped[int | None] = mapped_column(nullable=True)
    requirement_id: Mapped[int | None] = mapped_column(nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    before: Mapped[JsonObject | None] = mapped_column(nullable=True)
    after: Mapped[JsonObject | None] = mapped_column(nullable=True)


class AuditIsAppendOnly(RuntimeError):
    """Something tried to change or remove an audit entry."""


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_change(_mapper: Any, _connection: Any, target: AuditEntry) -> None:
    raise AuditIsAppendOnly(f"audit entry {target.id} cannot be changed or deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state: ORMExecuteState) -> None:
    """``session.execute(update(AuditEntry))`` bypasses the mapper events above; refuse it too."""
    if (state.is_update or state.is_delete) and any(
            m.class_ is AuditEntry for m in state.all_mappers):
        raise AuditIsAppendOnly("audit entries cannot be changed or deleted")
