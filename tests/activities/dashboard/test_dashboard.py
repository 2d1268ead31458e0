"""The course dashboard's domain: each at-risk rule fires on the right learner and no other; the learner
table, the funnel from stored phase states, the workload, the grade sync; coachees first; the CSV;
a fixed number of statements whatever the roster."""

from __future__ import annotations

import datetime as dt

import pytest

from activities.coaching.models import Review, Submission, SubmissionVersion
from activities.core import Role
from activities.course.models import CoachingSession
from activities.dashboard import service
from activities.gating.models import Phase, PhaseState, Program, Requirement
from activities.grades import ActivityProgress, GradeOutbox, GradingProgress, OutboxStatus, record_grade
from activities.meetings.models import Attendance as MeetingAttendance
from activities.meetings.models import Meeting

from ..statements import counted_statements
from .conftest import DAY, NOW, result, roster_only

Reason = service.Reason


@pytest.fixture
def program(db, course):
    """Mandiri (closed yesterday), then Jarak Jauh (open until next week)."""
    program = Program(course_id=course.id, title="Latsar", phases=[
        Phase(position=0, kind="mandiri", title="Mandiri", opens_at=NOW - 20 * DAY, closes_at=NOW - DAY,
              requirements=[Requirement(kind="sign_off", params={})]),
        Phase(position=1, kind="jarak_jauh", title="Jarak Jauh", opens_at=NOW - DAY, closes_at=NOW + 7 * DAY,
              requirements=[Requirement(kind="sign_off", params={})]),
    ])
    db.add(program)
    db.flush()
    return program


def states(db, program, person, *values):
    """Stored states as a recompute leaves them (with whether the requirements were met): the dashboard
    reads them through the gating cohort grid, which adds the clock."""
    for phase, value in zip(program.phases, values, strict=True):
        db.add(PhaseState(phase_id=phase.id, learner_id=person.id, state=value,
                          requirements_met=value == "complete"))
    db.flush()


def waiting(db, task, person, since, status="submitted"):
    submission = Submission(activity_id=task.id, learner_id=person.id, status=status, last_submitted_at=since,
                            first_submitted_at=since)
    db.add(submission)
    db.flush()
    version = SubmissionVersion(submission_id=submission.id, number=1, submitted_at=since)
    db.add(version)
    db.flush()
    return version


@pytest.fixture
def scene(db, platform, course, people, check, task, program):
    """Each learner in one situation: Ani stuck past Mandiri's close, Budi's work overdue for review,
    Citra's grade refused by Moodle, Dewi *Belum siap*, Eka (roster only) without a readiness result,
    Fajar fine (under the attendance requirement when that provider exists)."""
    eka = roster_only(db, platform, course, "Eka")
    fajar = roster_only(db, platform, course, "Fajar")
    for person in (people.ani, people.budi, people.citra, fajar):
        result(db, check, person, "siap")
    result(db, check, people.dewi, "belum_siap")
    states(db, program, people.ani, "open", "locked")
    for person in (people.budi, people.citra, people.dewi, eka, fajar):
        states(db, program, person, "complete", "open")
    waiting(db, task, people.budi, NOW - 5 * DAY)  # past the 3-day review target
    waiting(db, task, people.dewi, NOW - DAY)  # waiting, within the target
    reviewed = waiting(db, task, people.ani, NOW - 3 * DAY, status="accepted")
    db.add(Review(version_id=reviewed.id, reviewer_id=people.other_coach.id, decision="accept",
                  created_at=NOW - DAY))
    db.add(CoachingSession(course_id=course.id, coach_id=people.other_coach.id, learner_id=people.ani.id,
                           held_on=dt.date(2026, 3, 9), mode="online"))
    grade = record_grade(db, check, people.citra, score_given=80, activity_progress=ActivityProgress.COMPLETED,
                         grading_progress=GradingProgress.FULLY_GRADED)
    grade.status = OutboxStatus.FAILED.value
    delivered = record_grade(db, check, people.budi, score_given=90, activity_progress=ActivityProgress.COMPLETED,
                             grading_progress=GradingProgress.FULLY_GRADED)
    delivered.status = OutboxStatus.DELIVERED.value
    db.flush()
    people.eka, people.fajar = eka, fajar
    return people


@pytest.fixture
def attendance(db, course, scene, program):
    """Real meetings and marks: Jarak Jauh asks for 75 % of its meetings, excused counting. Two of its
    meetings are over, one is next week (not counted yet). Fajar came to one of the two (50 %); Citra
    came to one and was excused from the other (100 %: excused counts); Budi, Dewi and Eka came to both;
    Ani is still in Mandiri and came to none (Jarak Jauh is not hers yet)."""
    jarak_jauh = program.phases[1]
    db.add(Requirement(phase_id=jarak_jauh.id, kind="attendance",
                       params={"phase_id": jarak_jauh.id, "percent": 75, "excused_counts": True}))
    held = [Meeting(course_id=course.id, phase_id=jarak_jauh.id, title=f"Pertemuan {n}", link="https://x.test/m",
                    starts_at=NOW - hours, ends_at=NOW - hours + dt.timedelta(hours=2))
            for n, hours in ((1, dt.timedelta(hours=20)), (2, dt.timedelta(hours=4)))]
    coming = Meeting(course_id=course.id, phase_id=jarak_jauh.id, title="Pertemuan 3", link="https://x.test/m",
                     starts_at=NOW + 6 * DAY, ends_at=NOW + 6 * DAY + dt.timedelta(hours=2))
    db.add_all([*held, coming])
    db.flush()
    marks = {scene.fajar: ("present", "absent"), scene.citra: ("present", "excused"),
             scene.budi: ("present", "late"), scene.dewi: ("present", "present"), scene.eka: ("late", "present")}
    for person, statuses in marks.items():
        for meeting, status in zip(held, statuses, strict=True):
            db.add(MeetingAttendance(meeting_id=meeting.id, learner_id=person.id, status=status, how="grid",
                                     recorded_by=scene.coach.id))
    db.flush()
    db.expire_all()
    return held


def found(board):
    return {(risk.name, risk.reason) for risk in board.risks}


def test_each_rule_fires_on_its_learner_and_no_other(db, course, scene, check, task, program):
    board = service.dashboard(db, course.id, NOW)
    assert found(board) == {("Ani", Reason.PAST_CLOSE), ("Budi", Reason.REVIEW_OVERDUE),
                            ("Citra", Reason.GRADE_FAILED), ("Dewi", Reason.NOT_READY),
                            ("Eka", Reason.READINESS_NOT_TAKEN)}
    # Ranked: the most urgent reason first.
    assert [risk.reason for risk in board.risks] == [Reason.PAST_CLOSE, Reason.REVIEW_OVERDUE, Reason.GRADE_FAILED,
                                                     Reason.NOT_READY, Reason.READINESS_NOT_TAKEN]
    places = {risk.reason: risk.place for risk in board.risks}
    assert places[Reason.REVIEW_OVERDUE] == service.Place("coaching", task.id)
    assert places[Reason.GRADE_FAILED] == service.Place("grades", check.id)
    assert places[Reason.NOT_READY] == service.Place("readiness", check.id)
    assert board.risks[0].phase_title == "Mandiri"


def test_attendance_under_the_requirement_fires_on_the_right_learner(db, course, scene, attendance, make_activity):
    board = service.dashboard(db, course.id, NOW)
    assert board.course.has_attendance
    assert {name for name, reason in found(board) if reason is Reason.ATTENDANCE_LOW} == {"Fajar"}
    rows = {row.name: row for row in board.rows}
    # The column: the course's meetings so far, excused counting.
    assert rows["Fajar"].attendance == 50.0 and rows["Citra"].attendance == 100.0
    assert rows["Fajar"].attendance_met is False and rows["Citra"].attendance_met is True
    # Ani is in Mandiri: Jarak Jauh's requirement is not hers yet.
    assert rows["Ani"].attendance_met is None
    # Without a gating activity there is nowhere to act; with one, the learner's record under it.
    assert next(r for r in board.risks if r.reason is Reason.ATTENDANCE_LOW).place is None
    gate = make_activity("gating", {}, title="Alur Latsar")
    board = service.dashboard(db, course.id, NOW)
    assert next(r for r in board.risks if r.reason is Reason.ATTENDANCE_LOW).place == service.Place("attendance",
                                                                                                    gate.id)


def test_attendance_counts_excused_as_the_requirement_says(db, course, scene, attendance, program):
    requirement = next(r for r in program.phases[1].requirements if r.kind == "attendance")
    requirement.params = {**requirement.params, "excused_counts": False}
    db.flush()
    board = service.dashboard(db, course.id, NOW)
    assert {name for name, reason in found(board) if reason is Reason.ATTENDANCE_LOW} == {"Citra", "Fajar"}


def test_a_passed_phase_or_meetings_yet_to_come_raise_no_attendance_risk(db, course, scene, attendance, program):
    fajar = db.query(PhaseState).filter_by(learner_id=scene.fajar.id, phase_id=program.phases[1].id).one()
    fajar.state, fajar.requirements_met = "overridden", False
    db.flush()
    assert not any(r.reason is Reason.ATTENDANCE_LOW for r in service.dashboard(db, course.id, NOW).risks)
    # Before the first meeting ended nobody's attendance is counted.
    early = service.dashboard(db, course.id, NOW - DAY + dt.timedelta(hours=1))
    assert not any(r.reason is Reason.ATTENDANCE_LOW for r in early.risks)


def test_the_readiness_rules_wait_until_a_week_before_the_course_starts(db, course, scene, program):
    program.phases[0].opens_at = NOW + 10 * DAY
    program.phases[0].closes_at = NOW + 20 * DAY
    program.phases[1].opens_at = program.phases[1].closes_at = None
    db.flush()
    board = service.dashboard(db, course.id, NOW)
    assert {reason for _, reason in found(board)} == {Reason.REVIEW_OVERDUE, Reason.GRADE_FAILED}
    board = service.dashboard(db, course.id, NOW + 3 * DAY)
    assert {(name, reason) for name, reason in found(board)} >= {("Dewi", Reason.NOT_READY),
                                                                 ("Eka", Reason.READINESS_NOT_TAKEN)}


def test_the_learner_table_has_every_roster_learner_with_each_column(db, course, scene, program):
    board = service.dashboard(db, course.id, NOW)
    rows = {row.name: row for row in board.rows}
    assert list(rows) == ["Ani", "Budi", "Citra", "Dewi", "Eka", "Fajar"]
    assert rows["Eka"].launched is False and rows["Eka"].last_activity is None
    assert rows["Budi"].launched is True and rows["Budi"].last_activity is not None
    assert (rows["Ani"].phase.title, rows["Ani"].phase_state.value) == ("Mandiri", "open")
    assert (rows["Budi"].phase.title, rows["Budi"].phase_state.value) == ("Jarak Jauh", "open")
    assert rows["Dewi"].readiness_band == "belum_siap" and rows["Eka"].readiness_band is None
    assert rows["Ani"].coaching == "done" and rows["Budi"].coaching == "waiting_review"
    assert rows["Eka"].coaching == "not_submitted"
    assert [(step.phase.title, step.reached, step.passed) for step in board.funnel] == [
        ("Mandiri", 6, 5), ("Jarak Jauh", 5, 0)]


def test_the_workload_of_each_coach(db, course, scene):
    board = service.dashboard(db, course.id, NOW)
    loads = {load.name: load for load in board.workload}
    assert set(loads) == {"Rahmat", "Wulan"}
    assert (loads["Rahmat"].coachees, loads["Rahmat"].open_reviews, loads["Rahmat"].overdue_reviews) == (2, 2, 1)
    assert (loads["Wulan"].coachees, loads["Wulan"].open_reviews, loads["Wulan"].reviews) == (2, 0, 1)
    assert loads["Wulan"].average_review_hours == pytest.approx(48.0)
    assert loads["Wulan"].sessions_held == 1 and loads["Rahmat"].sessions_held == 0


def test_grade_sync_counts_the_course_and_sends_the_failed_again(db, course, scene, check):
    board = service.dashboard(db, course.id, NOW)
    assert (board.grades.delivered, board.grades.waiting, board.grades.failed) == (1, 0, 1)
    assert service.send_failed_again(db, course.id) == 1
    assert db.query(GradeOutbox).filter_by(person_id=scene.citra.id).one().status == OutboxStatus.PENDING.value
    assert Reason.GRADE_FAILED not in {risk.reason for risk in service.dashboard(db, course.id, NOW).risks}


def test_a_coach_sees_their_coachees_first_and_may_widen_to_everyone(db, course, scene):
    board = service.dashboard(db, course.id, NOW)
    mine = service.view(board, scene.coach.id)
    assert mine.mine_only and [row.name for row in mine.rows] == ["Budi", "Dewi"]
    assert {risk.name for risk in mine.risks} == {"Budi", "Dewi"}
    everyone = service.view(board, scene.coach.id, everyone=True)
    assert [row.name for row in everyone.rows] == ["Budi", "Dewi", "Ani", "Citra", "Eka", "Fajar"]
    assert [risk.name for risk in everyone.risks][:2] == ["Budi", "Dewi"]
    staff = service.view(board, scene.staff.id)
    assert not staff.coaches and len(staff.rows) == 6
    assert [row.name for row in service.view(board, scene.staff.id, at_risk_only=True).rows] == [
        "Ani", "Budi", "Citra", "Dewi", "Eka"]
    assert [row.name for row in service.view(board, scene.staff.id, query=" CIT ").rows] == ["Citra"]


def test_only_staff_and_facilitators_of_the_course_may_view(db, platform, course, scene, make_person):
    assert service.may_view(db, course.id, scene.staff.id, Role.STAFF)
    assert service.may_view(db, course.id, scene.coach.id, Role.FACILITATOR)
    assert not service.may_view(db, course.id, scene.budi.id, Role.LEARNER)
    # A learner here who is staff somewhere else: the course's membership decides.
    assert not service.may_view(db, course.id, scene.budi.id, Role.STAFF)


def test_the_csv_has_a_row_per_learner_and_defuses_formulas(db, platform, course, scene):
    roster_only(db, platform, course, "=cmd")
    board = service.dashboard(db, course.id, NOW)
    lines = service.learners_csv(board, board.rows).strip().split("\r\n")
    assert lines[0].startswith('"name","email","launched","last_activity","phase"')
    assert len(lines) == 8
    assert any(line.startswith('"\'=cmd"') for line in lines)
    assert any(line.startswith('"Ani"') and '"Mandiri","open","siap","done"' in line and "past_close" in line
               for line in lines)


def test_the_statements_do_not_grow_with_the_roster(db, engine, platform, course, scene, attendance, program):
    service.dashboard(db, course.id, NOW)  # the program and course loaded once, as in both counts below
    with counted_statements(engine) as few:
        service.dashboard(db, course.id, NOW)
    for n in range(30):
        person = roster_only(db, platform, course, f"Peserta {n}")
        states(db, program, person, "complete", "open")  # as the recompute of a roster refresh leaves them
        db.add(CoachingSession(course_id=course.id, coach_id=scene.coach.id, learner_id=person.id,
                               held_on=dt.date(2026, 3, 9), mode="online"))
    db.flush()
    with counted_statements(engine) as many:
        board = service.dashboard(db, course.id, NOW)
    assert len(board.rows) == 36
    assert len(many) == len(few)
