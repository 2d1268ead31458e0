"""Every way a readiness action can be refused, one class each.

The web layer maps a class to a translated message (and :class:`ProbeInvalid`
to a 4xx JSON answer); the English text here is for logs and tests. All derive
from :class:`ReadinessError`, so a view can catch the family without catching
programming errors too.
"""

from __future__ import annotations

from .. import uploads


class ReadinessError(Exception):
    """A readiness action was refused by a rule of the domain."""


# -- configuration and content -----------------------------------------------


class SettingsInvalid(ReadinessError, ValueError):
    """Activity settings failed validation; ``field`` names the input.

    Also a ValueError: the activity registry's settings contract speaks of ValueError.
    """

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class UnknownInstrument(ReadinessError, ValueError):
    """No instrument of that version ships with Padu."""

    def __init__(self, version: str):
        super().__init__(f"no readiness instrument {version!r}")
        self.version = version


class InstrumentInvalid(ReadinessError, ValueError):
    """A shipped instrument file is broken; ``where`` is the path inside the JSON.

    Only a developer editing the instrument meets this; the tests load every
    shipped version, so it never reaches a learner.
    """

    def __init__(self, where: str, message: str):
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


class NotAReadinessCheck(ReadinessError):
    """The activity is not a readiness check."""


# -- attempts ----------------------------------------------------------------


class AttemptsExhausted(ReadinessError):
    """The learner has used every attempt the activity allows."""

    def __init__(self, max_attempts: int):
        super().__init__(f"all {max_attempts} attempts are used")
        self.max_attempts = max_attempts


class NoAttemptInProgress(ReadinessError):
    """There is no open attempt to save into or submit: start (or resume) one first."""


class AttemptIncomplete(ReadinessError):
    """Questions of an enabled section are still unanswered; ``missing`` lists their ids."""

    def __init__(self, missing: list[str]):
        super().__init__(f"unanswered: {', '.join(missing)}")
        self.missing = missing


class SectionDisabled(ReadinessError):
    """The activity does not include this section (or the section has no such part)."""

    def __init__(self, section: str):
        super().__init__(f"section {section!r} is not part of this check")
        self.section = section


class TaskDisabled(ReadinessError):
    """The LMS micro-task is not part of this check."""

    def __init__(self, task: str):
        super().__init__(f"task {task!r} is not part of this check")
        self.task = task


class AnswersInvalid(ReadinessError):
    """An answer names an unknown question or option, or has the wrong shape."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class CodeNotConfigured(ReadinessError):
    """Staff have not set the "find the code" value yet."""


class CodeTriesExhausted(ReadinessError):
    """Too many wrong codes in this attempt: guessing is not finding."""

    def __init__(self, limit: int):
        super().__init__(f"at most {limit} tries per attempt")
        self.limit = limit


# -- the probe ---------------------------------------------------------------


class ProbeInvalid(ReadinessError, ValueError):
    """The browser probe's result was refused; ``errors`` maps each bad field to why.

    The key ``"$"`` stands for the document as a whole (not JSON, too large,
    not an object).
    """

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = dict(errors)


# -- the upload task ---------------------------------------------------------
# The checks live in activities.uploads; these are its refusals as readiness
# errors (same fields and text), raised through uploads.refused_as.


class UnsafeFilename(ReadinessError, uploads.UnsafeFilename):
    """The file name carries a path, a drive, NUL or a reserved device name."""


class FileTypeNotAllowed(ReadinessError, uploads.FileTypeNotAllowed):
    """The extension is not one the check allows; ``allowed`` lists those it does."""


class FileContentMismatch(ReadinessError, uploads.FileContentMismatch):
    """The bytes do not look like the file type the name claims."""


class FileTooLarge(ReadinessError, uploads.FileTooLarge):
    """The file is larger than the check's limit."""


class EmptyFile(ReadinessError, uploads.EmptyFile):
    """The file has no bytes."""


#: Every refusal of activities.uploads, as the readiness class to raise instead.
UPLOAD_REFUSALS = (UnsafeFilename, FileTypeNotAllowed, FileContentMismatch, FileTooLarge, EmptyFile)
