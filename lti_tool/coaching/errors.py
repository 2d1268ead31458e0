"""What a person reads when the coaching domain refuses something.

The domain raises one class per broken rule with English text meant for logs;
here each class becomes a translated sentence that says what to do, the HTTP
status of the page, and the form field it belongs to (so the page can put the
message next to that field and tie it with ``aria-describedby``).
"""

from __future__ import annotations

from flask_babel import gettext as _

from activities.coaching import exceptions as ex

from ..web import Problem, answer, describe, table
from ..web.formatting import decimal, megabytes
from ..web.refusals import Table

_SESSION_FIELDS = {
    "held_on": lambda: _("Give the date the session took place (not a future date)."),
    "mode": lambda: _("Choose online or in person."),
    "notes": lambda: _("The notes are too long."),
    "agreed_actions": lambda: _("Write at most 20 agreed actions, one per line, each up to 500 characters."),
}

#: Class → (status, field, message). Looked up along the class's MRO, so a
#: subclass the domain adds later still gets its family's answer.
PROBLEMS: Table = table(
    answer(ex.NotACoachingTask, lambda e: Problem(404, _("This activity is not a coaching task."))),
    answer(ex.WrongActivity, lambda e: Problem(404, _("This submission belongs to another activity."))),
    answer(ex.StorageUnsafe, lambda e: Problem(
        503, _("Padu's file storage is not set up safely, so files cannot be handled. "
               "Tell your Moodle administrator."))),
    answer(ex.NotAFacilitator, lambda e: Problem(
        400, _("Only facilitators and teachers of this course can coach."), "coach")),
    answer(ex.NotALearner, lambda e: Problem(
        403, _("Only learners of this course can hand in evidence or be coached."))),
    answer(ex.NoCoaches, lambda e: Problem(400, _("Choose at least one coach to spread the learners over."), "coach")),
    answer(ex.NotYourCoachee, lambda e: Problem(
        403, _("This learner is not one of your coachees. Ask a teacher of the course to assign you."))),
    answer(ex.GroupsUnknown, lambda e: Problem(403, _(
        "This task is for some groups of the course, and Padu cannot see Moodle's groups yet: that needs the "
        "Moodle web-services token. Ask your Moodle administrator to give Padu a token (padu platform set-ws)."))),
    answer(ex.NotInAudience, lambda e: Problem(403, _("This task is for other groups of the course."))),
    answer(ex.EvidenceNotAllowed, lambda e: Problem(
        400, _("This task does not accept this kind of evidence."),
        {"reflection": "reflection", "link": "links", "file": "files"}.get(e.evidence_type))),
    answer(ex.EmptySubmission, lambda e: Problem(400, _("Add a reflection, a file or a link before you submit."))),
    answer(ex.TextTooLong, lambda e: Problem(
        400, _("The text is too long: at most %(limit)d characters.", limit=e.limit), e.field)),
    answer(ex.InvalidLink, lambda e: Problem(
        400, _("%(url)s is not a link Padu accepts. Give full web addresses starting with https:// or http://, "
               "one per line.", url=e.url[:200]), "links")),
    answer(ex.TooManyLinks, lambda e: Problem(400, _("Give at most %(limit)d links.", limit=e.limit), "links")),
    answer(ex.TooManyFiles, lambda e: Problem(400, _("Attach at most %(limit)d files.", limit=e.limit), "files")),
    answer(ex.ResubmissionNotAllowed, lambda e: Problem(
        409, _("Your work is waiting for your coach's review. You can submit again if they ask for a revision."))),
    answer(ex.AlreadyAccepted, lambda e: Problem(
        409, _("This task is already accepted; nothing more can be changed."))),
    answer(ex.UnsafeFilename, lambda e: Problem(
        400, _("The file name %(name)s cannot be used. Rename the file and choose it again.", name=e.filename[:200]),
        "files")),
    answer(ex.FileTypeNotAllowed, lambda e: Problem(
        415, _("%(name)s: this type of file is not accepted for this task.", name=e.filename[:200]), "files")),
    answer(ex.FileContentMismatch, lambda e: Problem(
        415, _("%(name)s is not really a %(type)s file. Save it again in that format, or choose another file.",
               name=e.filename[:200], type=e.extension.upper()), "files")),
    answer(ex.FileTooLarge, lambda e: Problem(
        413, _("%(name)s is larger than %(mb)s MB, the limit of this task.",
               name=e.filename[:200], mb=megabytes(e.limit)),
        "files")),
    answer(ex.EmptyFile, lambda e: Problem(400, _("%(name)s is empty.", name=e.filename[:200]), "files")),
    answer(ex.UploadQuotaReached, lambda e: Problem(
        413, _("Your files for this task may take at most %(quota)s MB together, and %(used)s MB from your earlier "
               "versions are already kept. Nothing was handed in: choose smaller or fewer files, or hand in without "
               "files.", quota=megabytes(e.quota), used=megabytes(e.used)),
        "files")),
    answer(ex.UnknownDecision, lambda e: Problem(400, _("Choose Accept or Ask for revision."), "decision")),
    # Said of both kinds of task: one with a rubric and one with a simple maximum score.
    answer(ex.ScoreRequired, lambda e: Problem(400, _("Give the work a score before you accept it."), "score")),
    answer(ex.ScoringModeMismatch, lambda e: Problem(
        409, _("The rubric of this task changed while you were reviewing. Reload the page and score again."), "score")),
    answer(ex.ScoreOutOfRange, lambda e: Problem(
        400, _("Give a score from 0 to %(maximum)s.", maximum=decimal(e.maximum)), "score")),
    answer(ex.SelectionIncomplete, lambda e: Problem(
        400, _("Choose a level for every criterion of the rubric."), "score")),
    answer(ex.SelectionUnknown, lambda e: Problem(
        409, _("The rubric of this task changed while you were reviewing. Reload the page and score again."), "score")),
    answer(ex.VersionSuperseded, lambda e: Problem(
        409, _("The learner handed in a newer version while you were reviewing. Review the newest version."))),
    answer(ex.UnknownVersion, lambda e: Problem(409, _("That version does not exist. Reload the page."))),
    answer(ex.FeedbackRequired, lambda e: Problem(
        400, _("Write feedback that says what the learner should revise."), "feedback")),
    answer(ex.NotWaitingForReview, lambda e: Problem(
        409, _("This work is back with the learner for revision; there is nothing to review yet."))),
    answer(ex.CoachingSessionInvalid, lambda e: Problem(
        400, _SESSION_FIELDS.get(e.field, lambda: _("Check this field."))(), e.field)),
    answer(ex.SettingsInvalid, lambda e: Problem(
        409, _("The settings of this task are not valid. A teacher of the course must correct them."))),
)

__all__ = ["PROBLEMS", "Problem", "describe"]
