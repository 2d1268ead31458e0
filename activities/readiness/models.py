"""Tables of the readiness check (all prefixed ``readiness_``).

One row per attempt. An attempt is ``in_progress`` while the learner answers
(each section is saved as they go, so a dropped connection loses nothing)
and ``submitted`` once scored; a submitted attempt is never changed again,
so a profile can always be explained by the answers beside it. Which
submitted attempt *counts* (best or last) is decided when asked, from the
activity's settings, so a change of that setting is honoured everywhere at once.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core import Activity, Person
from ..db import Base, JsonArray, JsonObject, utcnow


class AttemptStatus(str, enum.Enum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


_OPEN = text("status = 'in_progress'")


class ReadinessAttempt(Base):
    __tablename__ = "readiness_attempt"
    __table_args__ = (
        UniqueConstraint("activity_id", "person_id", "number"),
        # At most one open attempt per learner: a double click on "start" must not make two.
        Index("ix_readiness_attempt_open", "activity_id", "person_id", unique=True,
              sqlite_where=_OPEN, postgresql_where=_OPEN),
        Index("ix_readiness_attempt_cohort", "activity_id", "status"),
        CheckConstraint("status IN ('in_progress', 'submitted')", name="status"),
        CheckConstraint("overall_index IS NULL OR (overall_index >= 0 AND overall_index <= 100)",
                        name="index_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    #: 1, 2, … per learner and activity.
    number: Mapped[int]
    #: The instrument the attempt was taken with; answers only mean something against it.
    instrument_version: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20), default=AttemptStatus.IN_PROGRESS.value)
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)

    #: Skills section: ``{"<area>.self": 1–5, "<area>.<item>": "<option id>"}``.
    answers: Mapped[JsonObject] = mapped_column(default=dict)
    #: Device and connection section: ``{"<item>": "<option id>" | ["<option id>", …]}``.
    self_report: Mapped[JsonObject] = mapped_column(default=dict)
    #: The validated probe result (:class:`..probe.ProbeResult` as a dict), if the browser ran it.
    probe: Mapped[JsonObject | None] = mapped_column(nullable=True)
    probed_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)

    #: The upload task's file: random stored name, the learner's cleaned name, checked type.
    upload_stored_name: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    upload_original_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    upload_size: Mapped[int | None] = mapped_column(nullable=True)
    upload_content_type: Mapped[str | None] = mapped_column(String(120), nullable=True)
    upload_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    uploaded_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)

    code_found: Mapped[bool] = mapped_column(default=False)
    #: Wrong codes tried in this attempt (a limit stops guessing).
    code_tries: Mapped[int] = mapped_column(default=0)

    #: Set on submission: ``{area: score | null}``, the index 0–100, the band, the advice.
    area_scores: Mapped[JsonObject | None] = mapped_column(nullable=True)
    overall_index: Mapped[float | None] = mapped_column(nullable=True)
    band: Mapped[str | None] = mapped_column(String(40), nullable=True)
    recommendations: Mapped[JsonArray | None] = mapped_column(nullable=True)

    activity: Mapped[Activity] = relationship(lazy="joined", innerjoin=True)
    person: Mapped[Person] = relationship(lazy="joined", innerjoin=True)

    @property
    def state(self) -> AttemptStatus:
        return AttemptStatus(self.status)

    @property
    def is_submitted(self) -> bool:
        return self.status == AttemptStatus.SUBMITTED.value

    @property
    def uploaded(self) -> bool:
        return self.upload_stored_name is not None

    def task_outcomes(self) -> dict[str, bool]:
        """What the micro-tasks came to, as scoring reads them."""
        return {"upload": self.uploaded, "find_code": bool(self.code_found)}
