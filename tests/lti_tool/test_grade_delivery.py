"""Grades reach the platform's gradebook through the outbox, whatever the platform does.

The platform here answers like Moodle 4.5 (token.php, score POSTs with 409 for
stale timestamps and 400 for learners who are not gradable) and lets a test
inject 500s, 429s and expired tokens.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from activities.core import Activity, Person
from activities.db import utcnow
from activities.grades import GRADES, ActivityProgress, GradeOutbox, GradingProgress, OutboxStatus, record_grade
from lti_tool import worker


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    """Retries are due at once, so a test runs the worker again instead of sleeping."""
    monkeypatch.setattr(worker, "backoff", lambda attempts: 0.0)


def _activity_after_launch(connected, user_id="4"):
    connected.launch(user_id)
    with connected.padu.session() as db:
        activity = db.scalars(select(Activity)).one()
        activity.kind = activity.kind or "readiness"
        db.commit()
        return activity.id


def grade(connected, activity_id, sub, score, *, progress=ActivityProgress.COMPLETED,
          grading=GradingProgress.FULLY_GRADED):
    with connected.padu.session() as db:
        activity = db.get(Activity, activity_id)
        person = db.scalars(select(Person).where(Person.sub == sub)).one()
        row = record_grade(db, activity, person, score_given=score, activity_progress=progress, grading_progress=grading)
        db.commit()
        return row.id


def drain(connected, rounds=10):
    for _ in range(rounds):
        if not worker.run_once(connected.padu.runtime):
            return


def outbox(connected, row_id):
    with connected.padu.session() as db:
        return db.get(GradeOutbox, row_id)


def test_a_grade_arrives_with_the_moodle_content_type_and_progress(connected):
    activity_id = _activity_after_launch(connected)
    row_id = grade(connected, activity_id, "4", 80)
    drain(connected)
    assert outbox(connected, row_id).status == OutboxStatus.DELIVERED.value
    [score] = connected.lms.scores
    assert score["userId"] == "4"
    assert score["scoreGiven"] == 80 and score["scoreMaximum"] == 100
    assert score["gradingProgress"] == "FullyGraded" and score["activityProgress"] == "Completed"


def test_server_errors_and_429_are_retried_until_delivered(connected):
    activity_id = _activity_after_launch(connected)
    connected.lms.inject("scores", 500, 503, (429, {"Retry-After": "0"}, ""))
    row_id = grade(connected, activity_id, "4", 70)
    drain(connected)
    row = outbox(connected, row_id)
    assert row.status == OutboxStatus.DELIVERED.value
    assert row.attempts == 4
    assert [s["scoreGiven"] for s in connected.lms.scores] == [70]


def test_retry_after_is_honoured(connected):
    activity_id = _activity_after_launch(connected)
    connected.lms.inject("scores", (429, {"Retry-After": "120"}, ""))
    row_id = grade(connected, activity_id, "4", 70)
    drain(connected)
    row = outbox(connected, row_id)
    assert row.status == OutboxStatus.PENDING.value
    waited = (row.next_attempt_at - row.created_at).total_seconds()
    assert 110 <= waited <= 130


def test_an_expired_token_is_refreshed_once(connected):
    activity_id = _activity_after_launch(connected)
    first = grade(connected, activity_id, "4", 10)
    drain(connected)
    tokens_before = len(connected.lms.token_requests)
    connected.lms.expire_access_tokens()
    second = grade(connected, activity_id, "4", 20)
    drain(connected)
    assert outbox(connected, first).status == outbox(connected, second).status == OutboxStatus.DELIVERED.value
    assert len(connected.lms.token_requests) == tokens_before + 1


def test_one_token_request_per_token_lifetime(connected):
    activity_id = _activity_after_launch(connected)
    connected.launch("5")
    for sub, score in (("4", 10), ("5", 20), ("4", 30)):
        grade(connected, activity_id, sub, score)
        drain(connected)
    assert len(connected.lms.token_requests) == 1


def test_a_learner_who_is_not_gradable_ends_failed_with_the_reason(connected):
    activity_id = _activity_after_launch(connected, user_id="2")  # the admin, not enrolled
    row_id = grade(connected, activity_id, "2", 50)
    drain(connected)
    row = outbox(connected, row_id)
    assert row.status == OutboxStatus.FAILED.value
    assert "400" in row.last_error
    assert row.attempts == 1


def test_a_resent_score_the_gradebook_already_stored_is_already_in_the_gradebook(connected):
    """Moodle answers 409 to a re-send of the very score it stored: that grade *is* in the
    gradebook — delivered, labelled so, not "superseded"."""
    activity_id = _activity_after_launch(connected)
    row_id = grade(connected, activity_id, "4", 60)
    drain(connected)
    with connected.padu.session() as db:  # the worker died after Moodle stored it: send it again
        db.get(GradeOutbox, row_id).status = OutboxStatus.PENDING.value
        db.commit()
    drain(connected)
    row = outbox(connected, row_id)
    assert (row.status, row.already_in_gradebook) == (OutboxStatus.DELIVERED.value, True)
    assert [s["scoreGiven"] for s in connected.lms.scores] == [60]
    browser, landing = connected.launch("3")  # the teacher's grade page says so, in Indonesian first
    token = re.search(r"[?&]s=([^&\"]+)", landing.url).group(1)
    page = browser.session.get(f"{connected.padu.url}/a/{activity_id}/grades", params={"s": token})
    assert "Sudah ada di buku nilai" in page.text.split("<tbody>")[1]


def test_a_first_send_refused_409_because_the_gradebook_holds_a_newer_score_is_superseded(connected):
    activity_id = _activity_after_launch(connected)
    row_id = grade(connected, activity_id, "4", 60)
    with connected.padu.session() as db:  # something newer is in the gradebook already
        row = db.get(GradeOutbox, row_id)
        connected.lms.results[(1, "4")] = {"timestamp": (row.timestamp.replace(year=row.timestamp.year + 1))
                                           .isoformat(), "saved_at": 0, "scoreGiven": 99}
    drain(connected)
    row = outbox(connected, row_id)
    assert (row.status, row.already_in_gradebook) == (OutboxStatus.SUPERSEDED.value, False)
    assert row.last_error == "the gradebook already holds a newer result"


def test_two_results_within_one_second_both_arrive_in_order(connected):
    activity_id = _activity_after_launch(connected)
    first = grade(connected, activity_id, "4", 30)
    drain(connected)
    second = grade(connected, activity_id, "4", 90)
    drain(connected)
    assert outbox(connected, first).status == outbox(connected, second).status == OutboxStatus.DELIVERED.value
    assert [s["scoreGiven"] for s in connected.lms.scores] == [30, 90]


def test_the_column_is_found_or_created_when_the_launch_had_no_lineitem(connected):
    connected.lms.add_resource_link(course_id="2", resource_link_id="9", title="No column yet", lineitem=False)
    connected.launch("4", resource_link_id="9")
    with connected.padu.session() as db:
        activity = db.scalars(select(Activity).where(Activity.resource_link_id == "9")).one()
        assert activity.lineitem_url is None and activity.lineitems_url
        activity.kind = "readiness"
        db.commit()
        activity_id = activity.id
    grade(connected, activity_id, "4", 40)
    drain(connected)
    with connected.padu.session() as db:
        created = db.get(Activity, activity_id).lineitem_url
    assert created
    assert connected.lms.scores[-1]["scoreGiven"] == 40
    grade(connected, activity_id, "4", 45)  # the second grade reuses the column
    drain(connected)
    with connected.padu.session() as db:
        assert db.get(Activity, activity_id).lineitem_url == created


def test_a_result_recorded_before_the_previous_one_was_saved_still_wins(connected):
    """Moodle refuses a timestamp older than its save of the previous score; Padu
    stamps a score when it sends it, so the newer result is not lost."""
    activity_id = _activity_after_launch(connected)
    first = grade(connected, activity_id, "4", 30)
    with connected.padu.session() as db:  # claimed by a worker that is still sending it …
        worker.claim(db, "slow-worker")
    second_recorded = outbox(connected, grade(connected, activity_id, "4", 90)).timestamp
    import time as _time

    _time.sleep(1.1)
    with connected.padu.session() as db:  # … and Moodle saves the first one now, after the second was recorded
        db.get(GradeOutbox, first).status = OutboxStatus.PENDING.value
        db.commit()
        worker.run_job(connected.padu.runtime, db, GRADES, first, "slow-worker")
    drain(connected)
    assert [s["scoreGiven"] for s in connected.lms.scores] == [30, 90]
    assert outbox(connected, first).timestamp < outbox(connected, first + 1).timestamp
    assert second_recorded <= outbox(connected, first + 1).timestamp


def test_the_column_is_found_through_pages_of_moodles_malformed_link_header(connected):
    connected.lms.lineitems_page_size = 1
    for n in range(3):  # other columns come first
        connected.lms.add_resource_link(course_id="2", resource_link_id=f"other{n}", title=f"Other {n}")
    connected.lms.add_resource_link(course_id="2", resource_link_id="9", title="No column in the launch", lineitem=False)
    connected.launch("4", resource_link_id="9")
    with connected.padu.session() as db:
        activity = db.scalars(select(Activity).where(Activity.resource_link_id == "9")).one()
        activity.kind = "readiness"
        db.commit()
        activity_id, key = activity.id, activity.key
    # The column exists already, last of four pages: Padu must page to it, not create a fifth.
    with connected.lms._lock:
        item_id = connected.lms._create_lineitem("2", "Existing", 100, resource_id=key, tag="readiness")
    grade(connected, activity_id, "4", 40)
    drain(connected)
    with connected.padu.session() as db:
        assert db.get(Activity, activity_id).lineitem_url == connected.lms.lineitem_url("2", item_id, 1)
    assert connected.lms.scores[-1]["lineitem"] == item_id
    assert connected.lms.request_counts["lineitems"] >= 4


def test_a_first_server_error_is_retried_within_half_a_second_the_next_ones_later(connected, monkeypatch):
    """Most 500s are one-offs: a grade does not wait seconds for the first retry; later retries
    back off as before (a long outage is still waited out for hours)."""
    from activities import jobs

    monkeypatch.setattr(worker, "backoff", jobs.backoff)
    activity_id = _activity_after_launch(connected)
    connected.lms.inject("scores", 500, 500)
    row_id = grade(connected, activity_id, "4", 70)
    waits = []  # (at least, at most): the wait is set between the two readings of the clock
    for _ in range(2):
        with connected.padu.session() as db:  # due now (the test does not sleep out the backoff)
            db.get(GradeOutbox, row_id).next_attempt_at = db.get(GradeOutbox, row_id).created_at
            db.commit()
        before = utcnow()
        worker.run_once(connected.padu.runtime)
        after = utcnow()
        due = outbox(connected, row_id).next_attempt_at
        waits.append(((due - after).total_seconds(), (due - before).total_seconds()))
    assert waits[0][0] <= 0.5 and waits[0][1] >= 0.25, waits
    assert waits[1][0] <= 4.0 and waits[1][1] >= 2.0, waits  # the whole backoff after the second try
