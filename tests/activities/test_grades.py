"""The grade outbox: newest result wins, timestamps only grow, failures can be retried."""

import datetime as dt

from activities.core import Role
from activities.grades import (
    ActivityProgress,
    GradeOutbox,
    GradingProgress,
    OutboxStatus,
    record_grade,
    retry_failed,
    status_counts,
)


def _grade(db, activity, person, score):
    return record_grade(
        db, activity, person, score_given=score,
        activity_progress=ActivityProgress.COMPLETED, grading_progress=GradingProgress.FULLY_GRADED,
    )


def test_a_newer_result_supersedes_an_undelivered_one(db, make_activity, make_person):
    activity, budi = make_activity("readiness"), make_person("Budi")
    first = _grade(db, activity, budi, 40)
    second = _grade(db, activity, budi, 80)
    assert first.status == OutboxStatus.SUPERSEDED.value
    assert second.status == OutboxStatus.PENDING.value
    assert status_counts(db, activity.id)["pending"] == 1


def test_timestamps_grow_by_a_whole_second_within_one_second(db, make_activity, make_person):
    activity, budi = make_activity("readiness"), make_person("Budi")
    rows = [_grade(db, activity, budi, score) for score in (10, 20, 30)]
    stamps = [row.timestamp for row in rows]
    assert stamps[1] - stamps[0] >= dt.timedelta(seconds=1)
    assert stamps[2] - stamps[1] >= dt.timedelta(seconds=1)


def test_other_learners_are_not_superseded(db, make_activity, make_person):
    activity = make_activity("readiness")
    budi, dewi = make_person("Budi"), make_person("Dewi")
    _grade(db, activity, budi, 50)
    _grade(db, activity, dewi, 60)
    assert status_counts(db, activity.id)["pending"] == 2


def test_score_json_omits_score_when_not_graded(db, make_activity, make_person):
    activity, budi = make_activity("coaching"), make_person("Budi")
    row = record_grade(
        db, activity, budi, score_given=None,
        activity_progress=ActivityProgress.SUBMITTED, grading_progress=GradingProgress.PENDING_MANUAL,
    )
    body = row.as_score()
    assert "scoreGiven" not in body
    assert body["gradingProgress"] == "PendingManual"
    assert body["timestamp"].endswith("Z")


def test_retry_requeues_only_failures_without_a_newer_result(db, make_activity, make_person):
    activity = make_activity("readiness")
    budi, dewi = make_person("Budi"), make_person("Dewi", Role.LEARNER)
    failed_old = _grade(db, activity, budi, 10)
    failed_old.status = OutboxStatus.FAILED.value
    newer = _grade(db, activity, budi, 20)
    newer.status = OutboxStatus.DELIVERED.value
    failed_only = _grade(db, activity, dewi, 30)
    failed_only.status = OutboxStatus.FAILED.value
    db.flush()
    assert retry_failed(db, activity.id) == 1
    assert failed_only.status == OutboxStatus.PENDING.value
    assert failed_old.status == OutboxStatus.SUPERSEDED.value
    assert db.query(GradeOutbox).count() == 3
