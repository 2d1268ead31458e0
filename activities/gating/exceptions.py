"""What the gating services refuse, one class per broken rule; the web layer maps each to a 4xx message."""

from __future__ import annotations

from .requirements import RequirementInvalid as RequirementInvalid  # re-exported: a requirement's params are wrong


class GatingError(Exception):
    """Base of every refusal here."""


class NotAllowed(GatingError):
    """The person's role in the course does not allow this."""


class NotInProgram(GatingError):
    """A phase, requirement, override or learner that is not of this program's course."""


class ReasonRequired(GatingError):
    """Overrides, their undoing, and revoking a sign-off need a reason."""


class AlreadyDone(GatingError):
    """The same override is already in force, the sign-off already given, or the undo already done."""


class ProgramInvalid(GatingError):
    """A phase's fields are wrong; ``field`` names the one to fix."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class WouldLockOut(GatingError):
    """The edit would take a phase away from learners who already completed it: ask, then pass ``confirm=True``."""

    def __init__(self, learner_ids: list[int], phase_ids: list[int]):
        super().__init__(f"{len(learner_ids)} learner(s) would lose a completed phase")
        self.learner_ids = learner_ids
        self.phase_ids = phase_ids
