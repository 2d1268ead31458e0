"""What a person reads when the readiness domain refuses something.

The domain raises one class per broken rule with English text meant for logs;
here each class becomes a translated sentence that says what to do, the HTTP
status of the page, and the form field it belongs to (so the page can put the
message next to that field and tie it with ``aria-describedby``).
"""

from __future__ import annotations

from flask_babel import gettext as _

from activities.readiness import exceptions as ex

from ..web import Problem, answer, describe, table
from ..web.formatting import megabytes
from ..web.refusals import Table


def _types(allowed: tuple[str, ...]) -> str:
    return ", ".join(ext.upper() for ext in allowed)


#: Class → Problem. Looked up along the class's MRO, so a subclass the domain
#: adds later still gets its family's answer.
PROBLEMS: Table = table(
    answer(ex.NotAReadinessCheck, lambda e: Problem(404, _("This activity is not a readiness check."))),
    answer(ex.SettingsInvalid, lambda e: Problem(
        409, _("The settings of this check are not valid. A teacher of the course must correct them."))),
    answer(ex.UnknownInstrument, lambda e: Problem(
        409, _("The questions of this check are not available. A teacher of the course must correct its settings."))),
    answer(ex.InstrumentInvalid, lambda e: Problem(
        409, _("The questions of this check are not available. Tell your Moodle administrator."))),
    answer(ex.AttemptsExhausted, lambda e: Problem(
        409, _("You have used all %(n)d attempts of this check. Your result stays.", n=e.max_attempts))),
    answer(ex.NoAttemptInProgress, lambda e: Problem(
        409, _("There is no attempt in progress. Start the check from its first page."))),
    answer(ex.AttemptIncomplete, lambda e: Problem(
        400, _("Some questions are not answered yet. Go back to the parts marked below and answer them."))),
    answer(ex.SectionDisabled, lambda e: Problem(404, _("This part is not included in this check."))),
    answer(ex.TaskDisabled, lambda e: Problem(404, _("This task is not included in this check."))),
    answer(ex.AnswersInvalid, lambda e: Problem(
        400, _("An answer could not be used. Choose one of the options shown."), e.field)),
    answer(ex.CodeNotConfigured, lambda e: Problem(
        409, _("The teacher has not placed the code yet. You can skip this task."), "code")),
    answer(ex.CodeTriesExhausted, lambda e: Problem(
        429, _("You have tried %(n)d codes in this attempt. Look for the code in the course before trying again.",
               n=e.limit), "code")),
    answer(ex.ProbeInvalid, lambda e: Problem(400, _("The connection check sent a result Padu cannot use."))),
    answer(ex.UnsafeFilename, lambda e: Problem(
        400, _("The file name %(name)s cannot be used. Rename the file and choose it again.", name=e.filename[:120]),
        "file")),
    answer(ex.FileTypeNotAllowed, lambda e: Problem(
        415, _("This type of file is not accepted. Choose a %(types)s file.", types=_types(e.allowed)), "file")),
    answer(ex.FileContentMismatch, lambda e: Problem(
        415, _("%(name)s is not really a %(type)s file. Save it again in that format, or choose another file.",
               name=e.filename[:120], type=e.extension.upper()), "file")),
    answer(ex.FileTooLarge, lambda e: Problem(
        413, _("%(name)s is larger than %(mb)s MB. Choose a smaller file.", name=e.filename[:120],
               mb=megabytes(e.limit)), "file")),
    answer(ex.EmptyFile, lambda e: Problem(
        400, _("%(name)s is empty. Choose another file.", name=e.filename[:120]), "file")),
)

__all__ = ["PROBLEMS", "Problem", "describe"]
