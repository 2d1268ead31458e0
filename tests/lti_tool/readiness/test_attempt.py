"""A learner takes the whole check over HTTP, and the index reaches the platform's gradebook."""

from __future__ import annotations

import re

from sqlalchemy import select

from activities.core import Activity
from activities.grades import GradeOutbox
from lti_tool import worker

from .helpers import (
    BUDI,
    answer_everything,
    attempts,
    instrument,
    link,
    post_form,
    set_up_readiness,
    start_attempt,
)


def test_a_full_attempt_reaches_the_gradebook_scaled_and_fully_graded(connected):
    activity_id = set_up_readiness(connected, find_code="PADU 2026")
    with connected.padu.session() as db:
        db.get(Activity, activity_id).score_maximum = 50.0
        db.commit()

    browser, intro = connected.launch(BUDI)
    assert intro.status_code == 200 and "/readiness/intro" in intro.url
    assert 'id="attempts-left" data-left="3"' in intro.text
    device = start_attempt(browser, intro)
    assert "/readiness/device" in device.url
    review = answer_everything(browser, device, code="padu2026")
    assert "/readiness/submit" in review.text

    result = post_form(browser, review, "/readiness/submit")
    assert result.status_code == 200 and "/readiness/result" in result.url
    [attempt] = attempts(connected, activity_id, BUDI)
    assert attempt.is_submitted and attempt.uploaded and attempt.code_found and attempt.probe["samples"] == 10
    assert attempt.band == "siap" and attempt.overall_index >= 75
    # The band is named in text, not only by colour, and every area has a bar and its number.
    assert 'class="badge badge-ok">Siap<' in result.text
    assert len(re.findall(r'class="fill w-\d+', result.text)) == 8
    assert "/ 100" in result.text

    assert worker.run_once(connected.padu.runtime)
    [score] = connected.lms.scores
    assert score["userId"] == BUDI
    assert score["gradingProgress"] == "FullyGraded" and score["activityProgress"] == "Completed"
    assert score["scoreMaximum"] == 50
    assert score["scoreGiven"] == round(attempt.overall_index * 50 / 100, 2)


def test_progress_is_saved_per_part_and_resumed_after_a_new_launch(connected):
    set_up_readiness(connected)
    browser, intro = connected.launch(BUDI)
    device = start_attempt(browser, intro)
    skills = post_form(browser, device, "/readiness/device", {"devices": ["smartphone"], "headset": "no"})
    assert "/skills/information" in skills.url

    # The connection drops; a new launch later resumes the same attempt with the answers kept.
    browser, intro = connected.launch(BUDI)
    assert 'id="attempt-now" data-number="1"' in intro.text and 'data-left="2"' in intro.text
    device = start_attempt(browser, intro)
    assert "/readiness/device" in device.url
    assert re.search(r'value="smartphone" checked', device.text)
    assert re.search(r'name="headset" id="headset-no" value="no" checked', device.text)
    assert len(attempts(connected, device_activity_id(connected))) == 1


def device_activity_id(connected):
    with connected.padu.session() as db:
        return db.scalars(select(Activity.id)).one()


def test_submitting_with_unanswered_questions_is_a_400_that_points_at_the_parts(connected):
    set_up_readiness(connected)
    browser, intro = connected.launch(BUDI)
    device = start_attempt(browser, intro)
    review = browser.session.get(link(device, "/readiness/review"))
    refused = post_form(browser, review, "/readiness/submit")
    assert refused.status_code == 400
    assert 'role="alert"' in refused.text
    assert "/skills/safety" in refused.text


def test_a_bad_answer_is_a_400_that_keeps_what_was_posted(connected):
    set_up_readiness(connected)
    browser, intro = connected.launch(BUDI)
    device = start_attempt(browser, intro)
    refused = post_form(browser, device, "/readiness/device",
                        {"devices": ["laptop", "none"], "headset": "yes", "power": "often"})
    assert refused.status_code == 400
    assert 'id="devices-error"' in refused.text and 'aria-describedby="devices-error"' in refused.text
    # Nothing the learner ticked is lost.
    assert re.search(r'value="often" checked', refused.text)
    assert re.search(r'value="laptop" checked', refused.text)


def test_a_wrong_code_is_counted_and_the_right_one_marks_the_task_done(connected):
    activity_id = set_up_readiness(connected, find_code="Kode-Latsar-7")
    browser, intro = connected.launch(BUDI)
    device = start_attempt(browser, intro)
    lms = browser.session.get(link(device, "/readiness/lms"))
    wrong = post_form(browser, lms, "/lms/code", {"code": "kode latsar 8"})
    assert wrong.status_code == 200
    assert 'id="code-error"' in wrong.text and 'value="kode latsar 8"' in wrong.text
    right = post_form(browser, wrong, "/lms/code", {"code": " kode-LATSAR-7 "})
    assert right.status_code == 200
    [attempt] = attempts(connected, activity_id, BUDI)
    assert attempt.code_found and attempt.code_tries == 1


def test_retake_under_keep_best_keeps_the_better_grade(connected):
    activity_id = set_up_readiness(connected, keep="best", max_attempts=2, sections=["skills"])
    browser, intro = connected.launch(BUDI)
    page = start_attempt(browser, intro)
    for area in instrument().areas:  # first time round: every answer right
        wrong = {area.self_rating.id: "5", **{item.id: item.answer for item in area.items}}
        page = post_form(browser, page, f"/skills/{area.id}", wrong)
    first = post_form(browser, page, "/readiness/submit")
    assert "/readiness/result" in first.url
    again = post_form(browser, first, "/readiness/start")
    for area in instrument().areas:
        worse = {area.self_rating.id: "1",
                 **{item.id: next(o.id for o in item.options if o.id != item.answer) for item in area.items}}
        again = post_form(browser, again, f"/skills/{area.id}", worse)
    second = post_form(browser, again, "/readiness/submit")
    assert second.status_code == 200
    assert 'id="kept-note" data-kept="1" data-latest="2"' in second.text  # the best one is shown, and why
    rows = attempts(connected, activity_id, BUDI)
    assert [a.number for a in rows] == [1, 2] and rows[0].overall_index > rows[1].overall_index
    worker.run_once(connected.padu.runtime)
    with connected.padu.session() as db:
        latest = db.scalars(select(GradeOutbox).order_by(GradeOutbox.id.desc())).first()
        assert latest.score_given == rows[0].overall_index
    # No attempts left: no button to start again.
    assert "/readiness/start" not in second.text
