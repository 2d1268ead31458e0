"""A learner's way through the check: start or resume, save as they go, submit.

Each function takes the caller's SQLAlchemy session and leaves committing to
it, so a result and its gradebook row are saved together or not at all.
Each refuses a broken rule with one class from :mod:`.exceptions`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hmac
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from .. import events
from ..core import Activity, Person
from ..db import utcnow
from ..grades import GradeOutbox
from .answers import clean_self_report, clean_skills, merge, missing
from .areas import Band
from .exceptions import (
    AnswersInvalid,
    AttemptIncomplete,
    AttemptsExhausted,
    CodeNotConfigured,
    CodeTriesExhausted,
    NoAttemptInProgress,
    SectionDisabled,
    TaskDisabled,
)
from .grading import grade_result
from .instrument import load_instrument
from .models import AttemptStatus, ReadinessAttempt
from .probe import ProbeResult, validate_probe
from .recommendations import Recommendation, recommend
from .results import attempts_left, attempts_used, kept_attempt, kept_of
from .scoring import Profile, score_attempt
from .settings import normalise_code, settings_of
from .storage import discard_upload, store_upload

#: Wrong codes allowed per attempt: enough for typos, too few to guess a 4+ character code.
MAX_CODE_TRIES = 10
MAX_CODE_INPUT = 200


@dataclasses.dataclass(frozen=True)
class SubmitOutcome:
    """What :func:`submit_attempt` did: the scored attempt, and the result that now counts."""

    attempt: ReadinessAttempt
    profile: Profile
    recommendations: list[Recommendation]
    #: The attempt the gradebook now holds (this one, or an earlier better one under "best").
    kept: ReadinessAttempt
    grade: GradeOutbox

    @property
    def is_kept(self) -> bool:
        return self.kept.id == self.attempt.id


def open_attempt(session: Session, activity: Activity, person: Person) -> ReadinessAttempt | None:
    """The learner's attempt in progress, if any."""
    return session.scalar(select(ReadinessAttempt).where(
        ReadinessAttempt.activity_id == activity.id,
        ReadinessAttempt.person_id == person.id,
        ReadinessAttempt.status == AttemptStatus.IN_PROGRESS.value,
    ))


def attempts_of(session: Session, activity: Activity, person: Person) -> list[ReadinessAttempt]:
    """All of a learner's attempts, oldest first (for their history page)."""
    return list(session.scalars(select(ReadinessAttempt).where(
        ReadinessAttempt.activity_id == activity.id, ReadinessAttempt.person_id == person.id,
    ).order_by(ReadinessAttempt.number)))


def start_or_resume_attempt(session: Session, activity: Activity, person: Person) -> ReadinessAttempt:
    """The open attempt, or a new one if attempts are left. Raises AttemptsExhausted.

    Resuming is always allowed: an attempt started before staff lowered the
    maximum may still be finished. A new attempt takes the instrument version
    the settings name now.

    Two simultaneous starts (a double click) cannot both succeed: the second
    fails on the one-open-attempt index with an IntegrityError; the caller
    retries the request, which then resumes.
    """
    settings = settings_of(activity)
    attempt = open_attempt(session, activity, person)
    if attempt is not None:
        return attempt
    used = attempts_used(session, activity.id, person.id)
    if attempts_left(settings, used) == 0:
        raise AttemptsExhausted(settings.max_attempts)
    last = session.scalar(select(func.max(ReadinessAttempt.number)).where(
        ReadinessAttempt.activity_id == activity.id, ReadinessAttempt.person_id == person.id)) or 0
    attempt = ReadinessAttempt(activity_id=activity.id, person_id=person.id, number=last + 1,
                               instrument_version=settings.instrument_version,
                               status=AttemptStatus.IN_PROGRESS.value, answers={}, self_report={})
    session.add(attempt)
    session.flush()
    return attempt


def save_section(
    session: Session, activity: Activity, person: Person, section: str, values: Mapping[str, Any]
) -> ReadinessAttempt:
    """Save some answers of ``device`` (the self-report) or ``skills``; None or "" clears one.

    Raises NoAttemptInProgress, SectionDisabled, AnswersInvalid.
    """
    settings = settings_of(activity)
    if section not in ("device", "skills"):
        raise AnswersInvalid("section", "answers are saved for the 'device' and 'skills' sections")
    if not settings.has_section(section):
        raise SectionDisabled(section)
    attempt = _require_open(session, activity, person)
    instrument = load_instrument(attempt.instrument_version)
    if section == "device":
        attempt.self_report = merge(attempt.self_report, clean_self_report(instrument, values))
    else:
        attempt.answers = merge(attempt.answers, clean_skills(instrument, values))
    session.flush()
    return attempt


def record_probe(
    session: Session, activity: Activity, person: Person, result: ProbeResult | Mapping[str, Any]
) -> ReadinessAttempt:
    """Keep the browser probe's result (a rerun replaces it).

    ``result`` is a :class:`ProbeResult` (from :func:`..probe.parse_probe`) or
    the decoded JSON, which is validated here. Raises ProbeInvalid,
    SectionDisabled, NoAttemptInProgress.
    """
    probe = result if isinstance(result, ProbeResult) else validate_probe(result)
    if not settings_of(activity).has_section("device"):
        raise SectionDisabled("device")
    attempt = _require_open(session, activity, person)
    attempt.probe = probe.to_dict()
    attempt.probed_at = utcnow()
    session.flush()
    return attempt


def record_upload(
    session: Session,
    activity: Activity,
    person: Person,
    base_dir: Path | str,
    filename: str,
    data: IO[bytes] | bytes,
) -> ReadinessAttempt:
    """Do the upload task: check and store the file, and mark the task done.

    Raises TaskDisabled, NoAttemptInProgress, UnsafeFilename,
    FileTypeNotAllowed, FileTooLarge, EmptyFile, FileContentMismatch. A
    second upload replaces the first in the attempt; the replaced file (and a
    file whose transaction was rolled back) is left for
    :func:`..housekeeping.sweep_orphan_uploads`, because deleting it before the
    commit would lose it if the commit failed.
    """
    settings = settings_of(activity)
    if "upload" not in settings.active_tasks:
        raise TaskDisabled("upload")
    attempt = _require_open(session, activity, person)
    stored = store_upload(base_dir, filename, data, max_bytes=settings.upload_max_bytes,
                          allowed_extensions=settings.upload_extensions)
    try:
        attempt.upload_stored_name = stored.stored_name
        attempt.upload_original_name = stored.original_name
        attempt.upload_size = stored.size
        attempt.upload_content_type = stored.content_type
        attempt.upload_sha256 = stored.sha256
        attempt.uploaded_at = utcnow()
        session.flush()
    except SQLAlchemyError:
        discard_upload(base_dir, stored.stored_name)
        raise
    return attempt


def check_code(session: Session, activity: Activity, person: Person, code: str) -> bool:
    """Whether ``code`` is the one staff placed in the course (case and spaces ignored).

    A right code marks the task done for the attempt; a wrong one counts
    towards :data:`MAX_CODE_TRIES`. Raises TaskDisabled, CodeNotConfigured,
    NoAttemptInProgress, CodeTriesExhausted, AnswersInvalid (not text).
    """
    settings = settings_of(activity)
    if not settings.has_section("lms") or "find_code" not in settings.lms_tasks:
        raise TaskDisabled("find_code")
    if not settings.find_code:
        raise CodeNotConfigured("staff have not set the code yet")
    if not isinstance(code, str):
        raise AnswersInvalid("code", "must be text")
    attempt = _require_open(session, activity, person)
    if attempt.code_found:
        return True
    if attempt.code_tries >= MAX_CODE_TRIES:
        raise CodeTriesExhausted(MAX_CODE_TRIES)
    given = normalise_code(code[:MAX_CODE_INPUT]).encode()
    wanted = normalise_code(settings.find_code).encode()
    if given and hmac.compare_digest(given, wanted):
        attempt.code_found = True
    else:
        attempt.code_tries += 1
    session.flush()
    return attempt.code_found


def missing_answers(session: Session, activity: Activity, person: Person) -> list[str]:
    """The questions still unanswered in the open attempt (for the page to point at)."""
    settings = settings_of(activity)
    attempt = _require_open(session, activity, person)
    return missing(load_instrument(attempt.instrument_version), settings,
                   answers=attempt.answers or {}, self_report=attempt.self_report or {})


def submit_attempt(session: Session, activity: Activity, person: Person, *,
                   now: dt.datetime | None = None) -> SubmitOutcome:
    """Score the open attempt, store its profile, and queue the counting result for the gradebook.

    The gradebook always receives the *kept* result (best or last): under
    "best" a worse new attempt re-sends the earlier score, which is harmless
    and repairs a gradebook edited by hand. Raises NoAttemptInProgress,
    AttemptIncomplete.
    """
    settings = settings_of(activity)
    attempt = _require_open(session, activity, person)
    instrument = load_instrument(attempt.instrument_version)
    answers, self_report = attempt.answers or {}, attempt.self_report or {}
    gaps = missing(instrument, settings, answers=answers, self_report=self_report)
    if gaps:
        raise AttemptIncomplete(gaps)

    probe = validate_probe(attempt.probe) if attempt.probe and settings.has_section("device") else None
    tasks = attempt.task_outcomes()
    profile = score_attempt(instrument, settings, answers=answers, self_report=self_report, probe=probe, tasks=tasks)
    advice = recommend(instrument, settings, profile, self_report=self_report, probe=probe, tasks=tasks)

    attempt.area_scores = dict(profile.areas)
    attempt.overall_index = profile.index
    attempt.band = profile.band.value
    attempt.recommendations = [r.to_dict() for r in advice]
    attempt.status = AttemptStatus.SUBMITTED.value
    attempt.submitted_at = now or utcnow()
    session.flush()

    kept = kept_attempt(session, activity, person.id)
    if kept is None:  # cannot be: the attempt just submitted is one to keep
        raise ValueError(f"no kept attempt after submitting attempt {attempt.id}")
    grade = grade_result(session, activity, person, *_score_of(kept))
    events.fact_changed(session, activity.course_id, [person.id])  # phase gating recomputes
    return SubmitOutcome(attempt=attempt, profile=profile, recommendations=advice, kept=kept, grade=grade)


def resync_grades(session: Session, activity: Activity) -> int:
    """Queue every learner's kept result again (after staff changed "best"/"last" or the maximum).

    Returns how many grades were queued.
    """
    settings = settings_of(activity)
    by_person: dict[int, list[ReadinessAttempt]] = {}
    for attempt in session.scalars(select(ReadinessAttempt).where(ReadinessAttempt.activity_id == activity.id)):
        by_person.setdefault(attempt.person_id, []).append(attempt)
    count = 0
    for attempts in by_person.values():
        kept = kept_of(attempts, settings.keep)
        if kept is not None:
            grade_result(session, activity, kept.person, *_score_of(kept))
            count += 1
    events.fact_changed(session, activity.course_id, by_person)  # the kept results may have changed
    return count


def _score_of(attempt: ReadinessAttempt) -> tuple[float, Band]:
    """A submitted attempt's index and band; submitting sets both."""
    if attempt.overall_index is None or attempt.band is None:
        raise ValueError(f"attempt {attempt.id} has no result")
    return attempt.overall_index, Band(attempt.band)


def _require_open(session: Session, activity: Activity, person: Person) -> ReadinessAttempt:
    attempt = open_attempt(session, activity, person)
    if attempt is None:
        raise NoAttemptInProgress("start or resume an attempt first")
    return attempt
