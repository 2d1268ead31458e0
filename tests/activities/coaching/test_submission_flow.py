"""The submission state machine and the gradebook rows each step produces.

Decided rules (see activities/coaching/submissions.py):
- a learner may submit again while the first version waits for its first review
  (to fix a wrong upload); it replaces what the coach will review, status stays ``submitted``;
- once a review was given, submitting is possible only after a revision was asked;
  a resubmission then waits for review and cannot be replaced (ResubmissionNotAllowed);
- an accepted submission is final.
"""

import datetime as dt

import pytest
from sqlalchemy import select

from activities.coaching.exceptions import (
    AlreadyAccepted,
    EmptySubmission,
    EvidenceNotAllowed,
    FeedbackRequired,
    NotACoachingTask,
    NotALearner,
    NotInAudience,
    NotWaitingForReview,
    ResubmissionNotAllowed,
    ScoreRequired,
    SelectionIncomplete,
    TooManyFiles,
    UnknownDecision,
    VersionSuperseded,
    WrongActivity,
)
from activities.coaching.models import SubmissionStatus
from activities.coaching.service import accepted_count, reviews_of, submit
from activities.coaching.service import review as review_
from activities.core import Role
from activities.grades import GradeOutbox

from .conftest import FULL_MARKS, RUBRIC, pdf

UTC = dt.UTC


def review(db, task, submission, reviewer, role=Role.FACILITATOR, **kwargs):
    kwargs.setdefault("version_number", submission.current_version)
    kwargs.setdefault("feedback", "<p>Perbaiki rencana aksi.</p>")
    return review_(db, task, submission, reviewer, role, **kwargs)


def outbox(db, task, learner):
    rows = db.scalars(select(GradeOutbox).where(GradeOutbox.activity_id == task.id,
                                                GradeOutbox.person_id == learner.id).order_by(GradeOutbox.id))
    return [(r.activity_progress, r.grading_progress, r.score_given) for r in rows]


def test_a_first_submission_waits_for_review_and_tells_the_gradebook(db, task, coached, store):
    sub = submit(db, task, coached.budi, reflection="<p>Refleksi saya</p>", links=["https://x.id/a"],
                 files=[pdf()], store=store)
    assert sub.state is SubmissionStatus.SUBMITTED
    assert sub.current_version == 1
    version = sub.latest
    assert version.reflection == "<p>Refleksi saya</p>"
    assert version.links == ["https://x.id/a"]
    assert [f.original_name for f in version.files] == ["laporan.pdf"]
    assert outbox(db, task, coached.budi) == [("Submitted", "PendingManual", None)]


def test_acceptance_needs_a_score(db, task, coached):
    sub = submit(db, task, coached.budi, reflection="Refleksi")
    with pytest.raises(ScoreRequired):
        review(db, task, sub, coached.coach, decision="accept")
    with pytest.raises(SelectionIncomplete):
        review(db, task, sub, coached.coach, decision="accept", selection={"analysis": "good"})
    assert sub.state is SubmissionStatus.SUBMITTED
    assert outbox(db, task, coached.budi) == [("Submitted", "PendingManual", None)]


def test_acceptance_writes_the_scaled_rubric_score_fully_graded(db, task, coached):
    sub = submit(db, task, coached.budi, reflection="Refleksi")
    result = review(db, task, sub, coached.coach, decision="accept",
                    selection={"analysis": "good", "action": "good"}, feedback="<p>Bagus!</p>")
    assert (result.points, result.score, result.score_maximum) == (8, 80, 100)
    assert sub.state is SubmissionStatus.ACCEPTED and sub.accepted_at is not None
    assert outbox(db, task, coached.budi)[-1] == ("Completed", "FullyGraded", 80)
    row = db.scalars(select(GradeOutbox).order_by(GradeOutbox.id.desc())).first()
    assert row.comment == "Bagus!"
    assert accepted_count(db, task.course_id, coached.budi.id) == 1


def test_a_simple_maximum_task_is_scored_with_a_number(db, make_activity, coached):
    task = make_activity("coaching", {"rubric": {"type": "simple", "maximum": 20}}, score_maximum=50)
    sub = submit(db, task, coached.budi, reflection="Refleksi")
    result = review(db, task, sub, coached.coach, decision="accept", score=15)
    assert result.score == 37.5
    assert outbox(db, task, coached.budi)[-1] == ("Completed", "FullyGraded", 37.5)


def test_a_revision_request_hands_the_task_back_in_progress(db, task, coached):
    sub = submit(db, task, coached.budi, reflection="Refleksi")
    review(db, task, sub, coached.coach, decision="revise")
    assert sub.state is SubmissionStatus.REVISION_REQUESTED
    assert outbox(db, task, coached.budi)[-1] == ("InProgress", "PendingManual", None)
    row = db.scalars(select(GradeOutbox).order_by(GradeOutbox.id.desc())).first()
    assert row.comment == "Perbaiki rencana aksi."


def test_long_feedback_stays_out_of_the_gradebook_comment(db, task, coached):
    sub = submit(db, task, coached.budi, reflection="Refleksi")
    review(db, task, sub, coached.coach, decision="revise", feedback="<p>" + "panjang " * 200 + "</p>")
    assert db.scalars(select(GradeOutbox).order_by(GradeOutbox.id.desc())).first().comment is None


def test_a_revision_request_needs_feedback(db, task, coached):
    sub = submit(db, task, coached.budi, reflection="Refleksi")
    with pytest.raises(FeedbackRequired):
        review(db, task, sub, coached.coach, decision="revise", feedback="<p> </p>")


def test_a_resubmission_reopens_review_and_keeps_every_version(db, task, coached):
    sub = submit(db, task, coached.budi, reflection="Versi satu")
    review(db, task, sub, coached.coach, decision="revise")
    again = submit(db, task, coached.budi, reflection="Versi dua")
    assert again is sub
    assert sub.state is SubmissionStatus.RESUBMITTED
    assert [(v.number, v.reflection) for v in sub.versions] == [(1, "Versi satu"), (2, "Versi dua")]
    assert [r.version.number for r in reviews_of(db, sub)] == [1]
    review(db, task, sub, coached.coach, decision="accept", selection=FULL_MARKS)
    assert sub.state is SubmissionStatus.ACCEPTED


def test_the_outbox_gets_each_step_in_order(db, task, coached):
    sub = submit(db, task, coached.budi, reflection="Versi satu")
    review(db, task, sub, coached.coach, decision="revise")
    submit(db, task, coached.budi, reflection="Versi dua")
    review(db, task, sub, coached.coach, decision="accept", selection=FULL_MARKS)
    assert outbox(db, task, coached.budi) == [
        ("Submitted", "PendingManual", None),
        ("InProgress", "PendingManual", None),
        ("Submitted", "PendingManual", None),
        ("Completed", "FullyGraded", 100),
    ]
    rows = db.scalars(select(GradeOutbox).order_by(GradeOutbox.id)).all()
    assert [r.status for r in rows] == ["superseded", "superseded", "superseded", "pending"]
    stamps = [r.timestamp for r in rows]
    assert stamps == sorted(stamps) and len(set(stamps)) == 4


def test_before_any_review_a_learner_may_replace_their_submission(db, task, coached):
    sub = submit(db, task, coached.budi, reflection="Salah unggah")
    submit(db, task, coached.budi, reflection="Yang benar")
    assert sub.state is SubmissionStatus.SUBMITTED
    assert sub.current_version == 2 and len(sub.versions) == 2


def test_a_resubmission_waiting_for_review_cannot_be_replaced(db, task, coached):
    sub = submit(db, task, coached.budi, reflection="Versi satu")
    review(db, task, sub, coached.coach, decision="revise")
    submit(db, task, coached.budi, reflection="Versi dua")
    with pytest.raises(ResubmissionNotAllowed):
        submit(db, task, coached.budi, reflection="Versi tiga")
    assert sub.current_version == 2


def test_nothing_can_be_submitted_or_reviewed_after_acceptance(db, task, coached):
    sub = submit(db, task, coached.budi, reflection="Refleksi")
    review(db, task, sub, coached.coach, decision="accept", selection=FULL_MARKS)
    with pytest.raises(AlreadyAccepted):
        submit(db, task, coached.budi, reflection="Lagi")
    with pytest.raises(AlreadyAccepted):
        review(db, task, sub, coached.coach, decision="accept", selection=FULL_MARKS)


def test_a_superseded_version_cannot_be_reviewed(db, task, coached):
    """The coach opened version 1; meanwhile the learner replaced it."""
    sub = submit(db, task, coached.budi, reflection="Versi satu")
    submit(db, task, coached.budi, reflection="Versi dua")
    with pytest.raises(VersionSuperseded):
        review(db, task, sub, coached.coach, decision="accept", selection=FULL_MARKS, version_number=1)
    assert sub.state is SubmissionStatus.SUBMITTED


def test_a_version_waiting_for_the_learner_cannot_be_reviewed_again(db, task, coached):
    sub = submit(db, task, coached.budi, reflection="Refleksi")
    review(db, task, sub, coached.coach, decision="revise")
    with pytest.raises(NotWaitingForReview):
        review(db, task, sub, coached.coach, decision="accept", selection=FULL_MARKS)


def test_unknown_decisions_are_refused(db, task, coached):
    sub = submit(db, task, coached.budi, reflection="Refleksi")
    with pytest.raises(UnknownDecision):
        review(db, task, sub, coached.coach, decision="maybe", selection=FULL_MARKS)


def test_evidence_must_be_of_an_allowed_type(db, make_activity, coached, store):
    reflection_only = make_activity("coaching", {"evidence_types": ["reflection"], "rubric": RUBRIC})
    with pytest.raises(EvidenceNotAllowed) as excinfo:
        submit(db, reflection_only, coached.budi, links=["https://x.id"])
    assert excinfo.value.evidence_type == "link"
    with pytest.raises(EvidenceNotAllowed):
        submit(db, reflection_only, coached.budi, files=[pdf()], store=store)
    files_only = make_activity("coaching", {"evidence_types": ["file"]})
    with pytest.raises(EvidenceNotAllowed):
        submit(db, files_only, coached.budi, reflection="<p>Teks</p>")


def test_a_submission_needs_some_evidence(db, task, coached):
    with pytest.raises(EmptySubmission):
        submit(db, task, coached.budi, reflection="<p><br></p>", links=["", "  "])


def test_a_refused_upload_leaves_neither_rows_nor_files(db, task, coached, store):
    with pytest.raises(TooManyFiles):
        submit(db, task, coached.budi, files=[pdf(f"{i}.pdf") for i in range(6)], store=store)
    bad = pdf("kedua.pdf", b"<html>")
    from activities.coaching.exceptions import FileContentMismatch
    with pytest.raises(FileContentMismatch):
        submit(db, task, coached.budi, files=[pdf("pertama.pdf"), bad], store=store)
    assert not store.base_dir.exists() or list(store.base_dir.iterdir()) == []
    assert outbox(db, task, coached.budi) == []


def test_reflections_are_sanitized(db, task, coached):
    sub = submit(db, task, coached.budi, reflection='<p onmouseover="x()">Saya<script>steal()</script></p>')
    assert sub.latest.reflection == "<p>Saya</p>"


def test_only_learners_submit(db, task, coached):
    with pytest.raises(NotALearner):
        submit(db, task, coached.coach, reflection="Refleksi")


def test_late_submissions_are_flagged_by_the_first_version(db, make_activity, coached):
    due = dt.datetime(2026, 3, 1, 10, tzinfo=UTC)
    task = make_activity("coaching", {"due_at": due.isoformat()})
    on_time = submit(db, task, coached.budi, reflection="a", now=due - dt.timedelta(minutes=1))
    late = submit(db, task, coached.dewi, reflection="a", now=due + dt.timedelta(minutes=1))
    assert (on_time.is_late, late.is_late) == (False, True)


def test_group_tasks_are_for_their_groups_only(db, make_activity, coached):
    task = make_activity("coaching", {"audience": {"groups": ["Angkatan I"]}})
    with pytest.raises(NotInAudience):
        submit(db, task, coached.budi, reflection="a", learner_groups=["Angkatan II"])
    with pytest.raises(NotInAudience):
        submit(db, task, coached.budi, reflection="a")
    assert submit(db, task, coached.budi, reflection="a", learner_groups=["Angkatan I"]).current_version == 1


def test_other_activity_kinds_and_mismatched_submissions_are_refused(db, make_activity, task, coached):
    readiness = make_activity("readiness")
    with pytest.raises(NotACoachingTask):
        submit(db, readiness, coached.budi, reflection="a")
    other = make_activity("coaching")
    sub = submit(db, task, coached.budi, reflection="a")
    with pytest.raises(WrongActivity):
        review(db, other, sub, coached.coach, decision="accept", selection=FULL_MARKS)
