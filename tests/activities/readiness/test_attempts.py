"""A learner's attempts: start or resume, save as they go, submit; the grade goes to the outbox with the result."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from activities.grades import GradeOutbox
from activities.readiness.areas import Band
from activities.readiness.exceptions import (
    AnswersInvalid,
    AttemptIncomplete,
    AttemptsExhausted,
    CodeNotConfigured,
    CodeTriesExhausted,
    NoAttemptInProgress,
    NotAReadinessCheck,
    ProbeInvalid,
    SectionDisabled,
    TaskDisabled,
)
from activities.readiness.grading import grade_result
from activities.readiness.models import ReadinessAttempt
from activities.readiness.service import (
    MAX_CODE_TRIES,
    attempts_of,
    check_code,
    current_result,
    missing_answers,
    record_probe,
    record_upload,
    resync_grades,
    save_section,
    start_or_resume_attempt,
    submit_attempt,
)

from .conftest import CODE, GOOD_DEVICE, PDF, POOR_DEVICE, probe_result, skills_answers


def take(db, check, person, *, right=True, rating=4, device=GOOD_DEVICE, tasks=True, upload_dir=None):
    """One whole attempt, submitted."""
    start_or_resume_attempt(db, check, person)
    save_section(db, check, person, "device", device)
    save_section(db, check, person, "skills", skills_answers(right=right, rating=rating))
    if tasks:
        check_code(db, check, person, CODE)
    return submit_attempt(db, check, person)


def outbox(db, check, person):
    return list(db.scalars(select(GradeOutbox).where(GradeOutbox.activity_id == check.id,
                                                     GradeOutbox.person_id == person.id).order_by(GradeOutbox.id)))


# -- starting and saving -----------------------------------------------------


def test_starting_twice_resumes_the_same_attempt(db, check, budi):
    first = start_or_resume_attempt(db, check, budi)
    assert start_or_resume_attempt(db, check, budi).id == first.id
    assert first.number == 1 and first.instrument_version == "v1" and first.state.value == "in_progress"


def test_answers_are_saved_as_the_learner_goes_and_a_blank_clears_one(db, check, budi):
    start_or_resume_attempt(db, check, budi)
    save_section(db, check, budi, "device", {"devices": "laptop", "headset": "yes"})
    save_section(db, check, budi, "skills", {"safety.self": "3", "safety.phishing": "d"})
    attempt = save_section(db, check, budi, "device", {"headset": "", "power": "often"})
    assert attempt.self_report == {"devices": ["laptop"], "power": "often"}
    assert attempt.answers == {"safety.self": 3, "safety.phishing": "d"}
    db.expire_all()
    assert db.get(ReadinessAttempt, attempt.id).self_report == {"devices": ["laptop"], "power": "often"}


def test_multiple_choices_are_kept_in_the_instrument_s_order(db, check, budi):
    start_or_resume_attempt(db, check, budi)
    attempt = save_section(db, check, budi, "device", {"devices": ["smartphone", "laptop", "laptop"]})
    assert attempt.self_report["devices"] == ["laptop", "smartphone"]


@pytest.mark.parametrize("section, values, field", [
    ("device", {"shoe_size": "42"}, "shoe_size"),
    ("device", {"power": "solar"}, "power"),
    ("device", {"devices": ["none", "laptop"]}, "devices"),
    ("device", {"devices": {"laptop": True}}, "devices"),
    ("device", {"headset": ["yes"]}, "headset"),
    ("skills", {"safety.self": 6}, "safety.self"),
    ("skills", {"safety.self": "4.5"}, "safety.self"),
    ("skills", {"safety.self": True}, "safety.self"),
    ("skills", {"safety.phishing": "e"}, "safety.phishing"),
    ("skills", {"safety.phishing": "x" * 500}, "safety.phishing"),
    ("skills", {"devices": ["laptop"]}, "devices"),
    ("lms", {"find_code": CODE}, "section"),
], ids=lambda v: v if isinstance(v, str) else None)
def test_answers_that_are_not_questions_or_options_of_the_instrument_are_refused(db, check, budi, section, values,
                                                                                  field):
    start_or_resume_attempt(db, check, budi)
    with pytest.raises(AnswersInvalid) as caught:
        save_section(db, check, budi, section, values)
    assert caught.value.field == field


def test_a_section_left_out_of_the_check_cannot_be_answered(db, make_check, budi):
    check = make_check(sections=["skills", "lms"])
    start_or_resume_attempt(db, check, budi)
    with pytest.raises(SectionDisabled):
        save_section(db, check, budi, "device", GOOD_DEVICE)
    with pytest.raises(SectionDisabled):
        record_probe(db, check, budi, probe_result())


def test_nothing_is_saved_without_an_open_attempt(db, check, budi):
    with pytest.raises(NoAttemptInProgress):
        save_section(db, check, budi, "device", GOOD_DEVICE)
    with pytest.raises(NoAttemptInProgress):
        submit_attempt(db, check, budi)


def test_another_kind_of_activity_is_refused(db, make_activity, budi):
    with pytest.raises(NotAReadinessCheck):
        start_or_resume_attempt(db, make_activity("coaching"), budi)


# -- the probe ---------------------------------------------------------------


def test_the_probe_result_is_stored_and_a_rerun_replaces_it(db, check, budi):
    start_or_resume_attempt(db, check, budi)
    record_probe(db, check, budi, probe_result(download_kbps=900))
    attempt = record_probe(db, check, budi, probe_result(download_kbps=4000))
    assert attempt.probe["download_kbps"] == 4000.0 and attempt.probed_at is not None


def test_an_invalid_probe_result_is_refused_and_nothing_is_stored(db, check, budi):
    attempt = start_or_resume_attempt(db, check, budi)
    with pytest.raises(ProbeInvalid) as caught:
        record_probe(db, check, budi, probe_result(latency_ms=-3))
    assert "latency_ms" in caught.value.errors
    assert attempt.probe is None


# -- find the code -----------------------------------------------------------


def test_the_code_is_found_whatever_its_case_and_spacing(db, check, budi):
    start_or_resume_attempt(db, check, budi)
    assert check_code(db, check, budi, "PADU2026") is False
    assert check_code(db, check, budi, "  padu - 2026\n") is True
    assert check_code(db, check, budi, "anything after finding it") is True
    [attempt] = attempts_of(db, check, budi)
    assert attempt.code_found and attempt.code_tries == 1


def test_guessing_the_code_stops_after_the_allowed_tries(db, check, budi):
    start_or_resume_attempt(db, check, budi)
    for n in range(MAX_CODE_TRIES):
        assert check_code(db, check, budi, f"TEBAK{n}") is False
    with pytest.raises(CodeTriesExhausted):
        check_code(db, check, budi, CODE)


def test_the_code_cannot_be_checked_before_staff_set_it_or_when_the_task_is_left_out(db, make_check, budi):
    unset = make_check(find_code="")
    start_or_resume_attempt(db, unset, budi)
    with pytest.raises(CodeNotConfigured):
        check_code(db, unset, budi, "PADU")
    upload_only = make_check(lms_tasks=["upload"])
    with pytest.raises(TaskDisabled):
        check_code(db, upload_only, budi, CODE)


def test_the_code_must_be_text(db, check, budi):
    start_or_resume_attempt(db, check, budi)
    with pytest.raises(AnswersInvalid):
        check_code(db, check, budi, ["PADU-2026"])


# -- the upload task ---------------------------------------------------------


def test_an_upload_marks_the_task_done_with_the_file_s_checked_details(db, check, budi, upload_dir):
    start_or_resume_attempt(db, check, budi)
    attempt = record_upload(db, check, budi, upload_dir, "Foto KTP.pdf", PDF)
    assert attempt.uploaded and attempt.upload_original_name == "Foto KTP.pdf"
    assert attempt.upload_size == len(PDF) and attempt.upload_content_type == "application/pdf"
    assert (upload_dir / attempt.upload_stored_name).read_bytes() == PDF
    assert attempt.task_outcomes() == {"upload": True, "find_code": False}


def test_the_upload_task_left_out_of_the_check_is_refused(db, make_check, budi, upload_dir):
    check = make_check(lms_tasks=["find_code"])
    start_or_resume_attempt(db, check, budi)
    with pytest.raises(TaskDisabled):
        record_upload(db, check, budi, upload_dir, "a.pdf", PDF)


# -- submitting --------------------------------------------------------------


def test_submitting_with_unanswered_questions_names_them(db, check, budi):
    start_or_resume_attempt(db, check, budi)
    save_section(db, check, budi, "device", {**GOOD_DEVICE, "power": None})
    answers = skills_answers()
    del answers["safety.otp"], answers["content.self"]
    save_section(db, check, budi, "skills", answers)
    assert missing_answers(db, check, budi) == ["power", "content.self", "safety.otp"]
    with pytest.raises(AttemptIncomplete) as caught:
        submit_attempt(db, check, budi)
    assert caught.value.missing == ["power", "content.self", "safety.otp"]


def test_the_probe_and_the_tasks_are_not_required_to_submit(db, check, budi):
    result = take(db, check, budi, tasks=False)
    assert result.profile.areas["lms"] == 0
    assert [r.id for r in result.recommendations] == ["lms_orientation"]


def test_submitting_stores_the_profile_and_queues_a_fully_graded_scaled_score(db, make_check, budi, upload_dir):
    check = make_check(score_maximum=10)
    start_or_resume_attempt(db, check, budi)
    record_upload(db, check, budi, upload_dir, "bukti.pdf", PDF)
    record_probe(db, check, budi, probe_result())
    result = take(db, check, budi, rating=5)

    attempt = result.attempt
    assert attempt.is_submitted and attempt.submitted_at is not None
    assert attempt.overall_index == 100.0 and attempt.band == Band.READY.value
    assert attempt.area_scores["lms"] == 100.0 and attempt.recommendations == []
    assert result.is_kept

    [row] = outbox(db, check, budi)
    assert row is result.grade
    assert row.status == "pending"
    assert (row.activity_progress, row.grading_progress) == ("Completed", "FullyGraded")
    assert (row.score_given, row.score_maximum) == (10.0, 10.0)
    assert row.comment == "Kesiapan digital: Siap (100/100)"
    # The language of the teacher who set the activity up, not of the learner or the server.
    check.locale = "en"
    assert grade_result(db, check, budi, 100.0, Band.READY).comment == "Digital readiness: Ready (100/100)"


def test_the_result_and_its_grade_are_saved_together_or_not_at_all(db, check, budi):
    start_or_resume_attempt(db, check, budi)
    save_section(db, check, budi, "device", GOOD_DEVICE)
    save_section(db, check, budi, "skills", skills_answers())
    db.commit()
    submit_attempt(db, check, budi)
    db.rollback()
    assert attempts_of(db, check, budi)[0].status == "in_progress"
    assert outbox(db, check, budi) == []


def test_a_submitted_attempt_is_closed(db, check, budi):
    take(db, check, budi)
    with pytest.raises(NoAttemptInProgress):
        save_section(db, check, budi, "skills", {"safety.self": 1})
    assert start_or_resume_attempt(db, check, budi).number == 2


# -- attempts: how many, and which one counts ---------------------------------


def test_no_attempt_starts_once_all_are_used(db, make_check, budi):
    check = make_check(max_attempts=2)
    take(db, check, budi)
    take(db, check, budi)
    with pytest.raises(AttemptsExhausted) as caught:
        start_or_resume_attempt(db, check, budi)
    assert caught.value.max_attempts == 2
    assert current_result(db, check.id, budi.id).attempts_left == 0


def test_zero_means_unlimited_attempts(db, make_check, budi):
    check = make_check(max_attempts=0)
    for _ in range(5):
        take(db, check, budi)
    assert current_result(db, check.id, budi.id).attempts_left is None
    assert current_result(db, check.id, budi.id).number == 5


def test_an_open_attempt_may_be_finished_after_staff_lowered_the_maximum(db, make_check, budi):
    check = make_check(max_attempts=3)
    take(db, check, budi)
    start_or_resume_attempt(db, check, budi)
    check.settings = {**check.settings, "max_attempts": 1}
    assert start_or_resume_attempt(db, check, budi).number == 2
    save_section(db, check, budi, "device", GOOD_DEVICE)
    save_section(db, check, budi, "skills", skills_answers())
    assert submit_attempt(db, check, budi).attempt.number == 2


def test_keeping_the_best_sends_the_best_result_even_after_a_worse_attempt(db, make_check, budi):
    check = make_check(keep="best", score_maximum=50)
    good = take(db, check, budi, rating=5)
    worse = take(db, check, budi, right=False, rating=1, device=POOR_DEVICE, tasks=False)
    assert worse.attempt.overall_index < good.attempt.overall_index
    assert not worse.is_kept and worse.kept.id == good.attempt.id

    rows = outbox(db, check, budi)
    assert [r.status for r in rows] == ["superseded", "pending"]
    assert rows[-1].score_given == pytest.approx(good.attempt.overall_index / 2)
    assert rows[-1].timestamp > rows[0].timestamp
    result = current_result(db, check.id, budi.id)
    assert (result.attempt_id, result.band, result.attempts_used) == (good.attempt.id, Band.READY, 2)


def test_keeping_the_last_sends_the_latest_result_even_when_it_is_worse(db, make_check, budi):
    check = make_check(keep="last")
    take(db, check, budi, rating=5)
    worse = take(db, check, budi, right=False, rating=1, device=POOR_DEVICE, tasks=False)
    assert worse.is_kept
    assert outbox(db, check, budi)[-1].score_given == worse.attempt.overall_index
    result = current_result(db, check.id, budi.id)
    assert result.attempt_id == worse.attempt.id and result.band is Band.NOT_READY
    assert not result.reached(Band.READY_WITH_SUPPORT) and result.reached("belum_siap")


def test_changing_best_or_last_applies_at_once_and_grades_can_be_resent(db, make_check, budi, make_person):
    check = make_check(keep="last")
    good = take(db, check, budi, rating=5)
    take(db, check, budi, right=False, rating=1, tasks=False)
    check.settings = {**check.settings, "keep": "best"}
    assert current_result(db, check.id, budi.id).attempt_id == good.attempt.id
    make_person("Dewi")  # no attempt: nothing to send
    assert resync_grades(db, check) == 1
    assert outbox(db, check, budi)[-1].score_given == good.attempt.overall_index


def test_there_is_no_current_result_before_a_submission(db, check, budi):
    assert current_result(db, check.id, budi.id) is None
    start_or_resume_attempt(db, check, budi)
    assert current_result(db, check.id, budi.id) is None


def test_the_current_result_of_a_missing_activity_is_refused(db, budi):
    with pytest.raises(NotAReadinessCheck):
        current_result(db, 9999, budi.id)


def test_only_one_attempt_is_open_per_learner(db, check, budi):
    start_or_resume_attempt(db, check, budi)
    open_rows = db.scalar(select(func.count()).select_from(ReadinessAttempt).where(
        ReadinessAttempt.person_id == budi.id, ReadinessAttempt.status == "in_progress"))
    assert open_rows == 1
    db.add(ReadinessAttempt(activity_id=check.id, person_id=budi.id, number=2, instrument_version="v1",
                            status="in_progress", answers={}, self_report={}))
    with pytest.raises(IntegrityError):
        db.flush()
