"""Submitting evidence: the learner's side of the submission state machine.

A learner may submit when they have not yet, when their coach asked for a
revision, or while the first version still waits for its first review (to
replace a mistaken upload before anyone looked). Once a review has been given
and the learner resubmitted, that version waits for its review: submitting
again is refused, so a coach never reviews a version that changes under them.
An accepted submission is final.

Every version's files count towards the task's quota for the learner until
the sweep removes them (:mod:`.housekeeping`), so replacing work again and
again cannot fill the disk: a hand-in whose files would pass it is refused
before anything is stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core import Activity, Person, Role
from ..course.access import role_in_course
from ..db import utcnow
from .exceptions import (
    AlreadyAccepted,
    CoachingError,
    EmptySubmission,
    EvidenceNotAllowed,
    FileTooLarge,
    GroupsUnknown,
    NotALearner,
    NotInAudience,
    ResubmissionNotAllowed,
    TextTooLong,
    TooManyFiles,
    TooManyLinks,
    UploadQuotaReached,
)
from .files import EvidenceStore, StoredFile, Upload
from .grading import grade_submitted
from .models import EvidenceFile, Review, Submission, SubmissionStatus, SubmissionVersion
from .sanitize import clean_html, validate_link
from .settings import CoachingSettings, EvidenceType, settings_of

MAX_REFLECTION = 20_000
MAX_LINKS = 10


def submission_for(session: Session, activity_id: int, learner_id: int, *, lock: bool = False) -> Submission | None:
    """The learner's submission of a task, if any; ``lock`` holds it for this transaction
    (PostgreSQL) so that a submit and a review of the same work happen one after the other."""
    query = select(Submission).where(Submission.activity_id == activity_id, Submission.learner_id == learner_id)
    if lock:
        query = query.with_for_update(of=Submission)
    return session.scalar(query)


def submit(
    session: Session,
    activity: Activity,
    learner: Person,
    reflection: str | None = None,
    links: Sequence[str] = (),
    files: Sequence[Upload] = (),
    *,
    store: EvidenceStore | None = None,
    learner_groups: Iterable[str] | None = None,
    now: dt.datetime | None = None,
) -> Submission:
    """Hand in a new version of the learner's evidence and tell the gradebook it awaits grading.

    ``learner_groups`` (the learner's group names) is needed when the task is
    for some groups only. Files go to ``store``; they are checked and written
    only after everything else passed, and removed again if this call fails.
    """
    settings = settings_of(activity)
    now = now or utcnow()
    if role_in_course(session, activity.course_id, learner.id) is not Role.LEARNER:
        raise NotALearner(f"{learner.display_name} is not a learner of this course")
    if learner_groups is None and not settings.audience.everyone:
        raise GroupsUnknown("this task is for some groups, and the course's groups are not known")
    if not settings.audience.includes(learner_groups):
        raise NotInAudience("this task is for other groups")

    submission = submission_for(session, activity.id, learner.id, lock=True)
    if submission is not None:
        _check_may_resubmit(session, submission)

    reflection_html, clean_links = _check_evidence(settings, reflection, links, files)
    if files and store is None:
        raise ValueError("files given without an evidence store")

    used = kept_file_bytes(session, submission) if submission is not None else 0
    stored = _store_files(store, files, settings, used) if files and store is not None else []
    try:
        submission = _add_version(session, activity, learner, submission, settings, now,
                                  reflection_html, clean_links, stored)
        grade_submitted(session, activity, learner)
    except BaseException:
        # The rows will not exist, so neither should their bytes.
        if store is not None:  # without a store nothing was stored
            for item in stored:
                store.discard(item.stored_name)
        raise
    return submission


def may_submit(session: Session, submission: Submission | None) -> bool:
    """Whether the learner may hand in (again) now: the rule :func:`submit` enforces, asked
    before the learner tries so the page offers the form only then."""
    if submission is None:
        return True
    try:
        _check_may_resubmit(session, submission)
    except CoachingError:
        return False
    return True


def _check_may_resubmit(session: Session, submission: Submission) -> None:
    status = submission.state
    if status is SubmissionStatus.ACCEPTED:
        raise AlreadyAccepted("this task is already accepted")
    if status is SubmissionStatus.REVISION_REQUESTED:
        return
    if status is SubmissionStatus.SUBMITTED and not _has_reviews(session, submission):
        return
    raise ResubmissionNotAllowed("your submission is waiting for review")


def _has_reviews(session: Session, submission: Submission) -> bool:
    return bool(
        session.scalar(
            select(func.count(Review.id))
            .join(SubmissionVersion, Review.version_id == SubmissionVersion.id)
            .where(SubmissionVersion.submission_id == submission.id)
        )
    )


def _check_evidence(
    settings: CoachingSettings, reflection: str | None, links: Sequence[str], files: Sequence[Upload]
) -> tuple[str, list[str]]:
    reflection_html = clean_html(reflection)
    if reflection_html and not settings.allows(EvidenceType.REFLECTION):
        raise EvidenceNotAllowed(EvidenceType.REFLECTION.value)
    if len(reflection_html) > MAX_REFLECTION:
        raise TextTooLong("reflection", MAX_REFLECTION)

    typed_links = [link for link in links if link and link.strip()]
    if typed_links and not settings.allows(EvidenceType.LINK):
        raise EvidenceNotAllowed(EvidenceType.LINK.value)
    if len(typed_links) > MAX_LINKS:
        raise TooManyLinks(MAX_LINKS)
    clean_links = list(dict.fromkeys(validate_link(link) for link in typed_links))

    if files and not settings.allows(EvidenceType.FILE):
        raise EvidenceNotAllowed(EvidenceType.FILE.value)
    if len(files) > settings.file_limits.max_files:
        raise TooManyFiles(settings.file_limits.max_files)

    if not (reflection_html or clean_links or files):
        raise EmptySubmission("add a reflection, a file or a link")
    return reflection_html, clean_links


def kept_file_bytes(session: Session, submission: Submission) -> int:
    """The bytes of the submission's files still on disk (every version's, until swept):
    what counts towards the task's quota."""
    return session.scalar(
        select(func.coalesce(func.sum(EvidenceFile.size), 0))
        .join(SubmissionVersion, EvidenceFile.version_id == SubmissionVersion.id)
        .where(SubmissionVersion.submission_id == submission.id, EvidenceFile.removed_at.is_(None))
    ) or 0


def _store_files(store: EvidenceStore, files: Sequence[Upload], settings: CoachingSettings,
                 used: int) -> list[StoredFile]:
    """Store the files, each within the task's file limit and all within what is left of the quota.

    A file is cut off as soon as it passes the room left (the stream is never
    read further), and then the refusal is about the quota, not the file.
    """
    limits = settings.file_limits
    stored: list[StoredFile] = []
    try:
        for upload in files:
            room = limits.quota_bytes - used - sum(item.size for item in stored)
            if room <= 0:
                raise UploadQuotaReached(limits.quota_bytes, used)
            cap = min(limits.max_bytes, room)
            try:
                stored.append(store.save(upload, max_bytes=cap, allowed_extensions=limits.allowed_extensions))
            except FileTooLarge:
                if cap < limits.max_bytes:
                    raise UploadQuotaReached(limits.quota_bytes, used) from None
                raise
    except BaseException:
        for item in stored:
            store.discard(item.stored_name)
        raise
    return stored


def _add_version(
    session: Session,
    activity: Activity,
    learner: Person,
    submission: Submission | None,
    settings: CoachingSettings,
    now: dt.datetime,
    reflection_html: str,
    links: list[str],
    stored: list[StoredFile],
) -> Submission:
    if submission is None:
        submission = Submission(
            activity_id=activity.id, learner_id=learner.id, status=SubmissionStatus.SUBMITTED.value,
            current_version=1, first_submitted_at=now, last_submitted_at=now,
            is_late=settings.due_at is not None and now > settings.due_at,
        )
        session.add(submission)
        number = 1
    else:
        number = submission.current_version + 1
        if submission.state is SubmissionStatus.REVISION_REQUESTED:
            submission.status = SubmissionStatus.RESUBMITTED.value
        submission.current_version = number
        submission.last_submitted_at = now
    version = SubmissionVersion(number=number, reflection=reflection_html, links=links, submitted_at=now)
    version.files = [
        EvidenceFile(stored_name=item.stored_name, original_name=item.original_name, size=item.size,
                     content_type=item.content_type, sha256=item.sha256, created_at=now)
        for item in stored
    ]
    submission.versions.append(version)
    session.flush()
    return submission


def accepted_count(session: Session, course_id: int, learner_id: int) -> int:
    """How many coaching tasks of the course the learner has had accepted (for phase gating)."""
    from .facts import accepted_counts  # the batch is the one implementation

    return accepted_counts(session, course_id, [learner_id])[learner_id]


def evidence_file(session: Session, submission: Submission, file_id: int) -> EvidenceFile | None:
    """A file of one of the submission's versions (the caller checks can_view_submission first)."""
    return session.scalar(
        select(EvidenceFile)
        .join(SubmissionVersion, EvidenceFile.version_id == SubmissionVersion.id)
        .where(SubmissionVersion.submission_id == submission.id, EvidenceFile.id == file_id)
    )
