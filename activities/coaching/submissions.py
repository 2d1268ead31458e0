"""Submitting evidence: the learner's side of the submission state machine.

A learner may submit when they have not yet, when their coach asked for a
revision, or while the first version still waits for its first review (to
replace a mistaken upload before anyone looked). Once a review has been given
and the learner resubmitted, that version waits for its review: submitting
again is refused, so a coach never reviews a version that changes under them.
An accepted submission is final.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..core import Activity, Person, Role
from ..db import utcnow
from ..uploads import is_upload_file
from . import KIND
from .access import role_in_course
from .exceptions import (
    AlreadyAccepted,
    EmptySubmission,
    EvidenceNotAllowed,
    NotACoachingTask,
    NotALearner,
    NotInAudience,
    ResubmissionNotAllowed,
    TextTooLong,
    TooManyFiles,
    TooManyLinks,
)
from .files import EvidenceStore, StoredFile, Upload
from .grading import grade_submitted
from .models import EvidenceFile, Review, Submission, SubmissionStatus, SubmissionVersion
from .sanitize import clean_html, validate_link
from .settings import CoachingSettings, EvidenceType, validate_settings

MAX_REFLECTION = 20_000
MAX_LINKS = 10


def settings_of(activity: Activity) -> CoachingSettings:
    """The validated settings of a coaching task; raises NotACoachingTask for another kind."""
    if activity.kind != KIND:
        raise NotACoachingTask(f"activity {activity.id} is a {activity.kind or 'unconfigured'} activity")
    return validate_settings(activity.settings or {})


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
    if not settings.audience.includes(learner_groups):
        raise NotInAudience("this task is for other groups")

    submission = submission_for(session, activity.id, learner.id, lock=True)
    if submission is not None:
        _check_may_resubmit(session, submission)

    reflection_html, clean_links = _check_evidence(settings, reflection, links, files)
    if files and store is None:
        raise ValueError("files given without an evidence store")

    stored = _store_files(store, files, settings) if files else []
    try:
        submission = _add_version(session, activity, learner, submission, settings, now,
                                  reflection_html, clean_links, stored)
        grade_submitted(session, activity, learner)
    except BaseException:
        # The rows will not exist, so neither should their bytes.
        for item in stored:
            store.discard(item.stored_name)
        raise
    return submission


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


def _store_files(store: EvidenceStore, files: Sequence[Upload], settings: CoachingSettings) -> list[StoredFile]:
    stored: list[StoredFile] = []
    try:
        for upload in files:
            stored.append(store.save(upload, max_bytes=settings.file_limits.max_bytes,
                                     allowed_extensions=settings.file_limits.allowed_extensions))
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


def sweep_orphan_files(session: Session, store: EvidenceStore, older_than: dt.timedelta = dt.timedelta(days=1)) -> int:
    """Delete stored files no row refers to (a transaction rolled back after they were written).

    Only files older than ``older_than`` go, so that a submission being saved
    right now keeps its files. Returns how many were removed.
    """
    if not store.base_dir.is_dir():
        return 0
    known = set(session.scalars(select(EvidenceFile.stored_name)))
    cutoff = (utcnow() - older_than).timestamp()
    removed = 0
    for path in store.base_dir.iterdir():
        is_ours = is_upload_file(path.name)
        if is_ours and path.name not in known and path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed
