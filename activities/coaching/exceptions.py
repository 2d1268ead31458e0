"""Every way a coaching action can be refused, one class each.

The web layer maps a class to a translated message; the English text here is
for logs and tests. All derive from :class:`CoachingError`, so a view can
catch the family without catching programming errors too.

The refusals of course-level coaching (assigning a coach, logging a coaching
session) and the family itself are defined in :mod:`activities.course.exceptions`
and re-exported here, so the coaching task's pages map every refusal in one table.
"""

from __future__ import annotations

from .. import uploads
from ..course.exceptions import (  # "X as X": re-exported (PEP 484)
    CoachingError as CoachingError,
)
from ..course.exceptions import (
    CoachingSessionInvalid as CoachingSessionInvalid,
)
from ..course.exceptions import (
    NoCoaches as NoCoaches,
)
from ..course.exceptions import (
    NotAFacilitator as NotAFacilitator,
)
from ..course.exceptions import (
    NotALearner as NotALearner,
)
from ..course.exceptions import (
    NotYourCoachee as NotYourCoachee,
)

# -- configuration -----------------------------------------------------------


class SettingsInvalid(CoachingError, ValueError):
    """Task settings (or a rubric) failed validation; ``field`` names the input.

    Also a ValueError: the activity registry's settings contract speaks of ValueError.
    """

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotACoachingTask(CoachingError):
    """The activity is not a coaching task."""


class WrongActivity(CoachingError):
    """The submission belongs to another activity than the one given."""


class StorageUnsafe(CoachingError):
    """The evidence folder lies inside a folder the web server serves."""


# -- submissions -------------------------------------------------------------


class NotInAudience(CoachingError):
    """The task is for some groups only, and the learner is in none of them."""


class GroupsUnknown(NotInAudience):
    """The task is for some groups only, and Padu has never read the course's groups from
    Moodle (the platform has no web-services token, or no sync has run yet)."""


class EvidenceNotAllowed(CoachingError):
    """The task does not accept this type of evidence."""

    def __init__(self, evidence_type: str):
        super().__init__(f"evidence of type {evidence_type!r} is not allowed for this task")
        self.evidence_type = evidence_type


class EmptySubmission(CoachingError):
    """A submission must carry at least one piece of evidence."""


class TextTooLong(CoachingError):
    def __init__(self, field: str, limit: int):
        super().__init__(f"{field} is longer than {limit} characters")
        self.field = field
        self.limit = limit


class InvalidLink(CoachingError):
    """Links must be absolute http(s) URLs with a host and no credentials."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"{url!r}: {reason}")
        self.url = url
        self.reason = reason


class TooManyLinks(CoachingError):
    def __init__(self, limit: int):
        super().__init__(f"at most {limit} links")
        self.limit = limit


class TooManyFiles(CoachingError):
    def __init__(self, limit: int):
        super().__init__(f"at most {limit} files")
        self.limit = limit


class UploadQuotaReached(CoachingError):
    """The learner's files of this task would pass the task's total (``quota`` bytes);
    ``used`` bytes of earlier versions are kept already."""

    def __init__(self, quota: int, used: int):
        super().__init__(f"files of this task may take {quota} bytes together; {used} are kept already")
        self.quota = quota
        self.used = used


class ResubmissionNotAllowed(CoachingError):
    """A resubmission waits for a revision request; this one is still under review."""


class AlreadyAccepted(CoachingError):
    """The submission is accepted: nothing more can be submitted or reviewed."""


# -- uploads -----------------------------------------------------------------
# The checks live in activities.uploads; these are its refusals as coaching
# errors (same fields and text), raised through uploads.refused_as.


class UnsafeFilename(CoachingError, uploads.UnsafeFilename):
    """The file name carries a path, a drive, NUL or a reserved device name."""


class FileTypeNotAllowed(CoachingError, uploads.FileTypeNotAllowed):
    """The extension is not one the task allows (or not one Padu can check)."""

    def __init__(self, filename: str, extension: str):
        # The constructor coaching had before the shared module (the web layer's tests build every
        # refusal from its signature); a refusal from activities.uploads still carries ``allowed``.
        super().__init__(filename, extension)


class FileContentMismatch(CoachingError, uploads.FileContentMismatch):
    """The bytes do not look like the file type the name claims."""


class FileTooLarge(CoachingError, uploads.FileTooLarge):
    """The file is larger than the task's limit."""


class EmptyFile(CoachingError, uploads.EmptyFile):
    """The file has no bytes."""


#: Every refusal of activities.uploads, as the coaching class to raise instead.
UPLOAD_REFUSALS = (UnsafeFilename, FileTypeNotAllowed, FileContentMismatch, FileTooLarge, EmptyFile)


# -- review ------------------------------------------------------------------


class UnknownDecision(CoachingError):
    """A review decides ``accept`` or ``revise``."""


class ScoreRequired(CoachingError):
    """Acceptance needs a score: a complete rubric selection, or a score for a simple rubric."""


class ScoringModeMismatch(CoachingError):
    """A rubric selection given for a simple maximum, or a bare score for a criteria rubric."""


class ScoreOutOfRange(CoachingError):
    def __init__(self, score: float, maximum: float):
        super().__init__(f"score {score} is not between 0 and {maximum}")
        self.score = score
        self.maximum = maximum


class SelectionIncomplete(CoachingError):
    """Every criterion of the rubric needs a level."""

    def __init__(self, missing: list[str]):
        super().__init__(f"no level chosen for: {', '.join(missing)}")
        self.missing = missing


class SelectionUnknown(CoachingError):
    """The selection names a criterion or level the rubric does not have."""

    def __init__(self, criterion_id: str, level_id: str | None = None):
        what = f"criterion {criterion_id!r}" if level_id is None else f"level {level_id!r} of {criterion_id!r}"
        super().__init__(f"unknown {what}")
        self.criterion_id = criterion_id
        self.level_id = level_id


class VersionSuperseded(CoachingError):
    """The learner submitted a newer version since the reviewer opened this one."""


class UnknownVersion(CoachingError):
    """The submission has no version with that number."""


class FeedbackRequired(CoachingError):
    """Asking for a revision needs feedback that says what to revise."""


class NotWaitingForReview(CoachingError):
    """The submission waits for the learner (a revision was asked), not for a review."""
