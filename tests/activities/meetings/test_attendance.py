"""Attendance through the services: check-in with the rotating code and its refusals, the facilitator's
marks (audited, learners cannot), the requirement kind opening the next phase with its gate grade in the
same transaction, and the course fact for many learners in a constant number of statements."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from activities import registry
from activities.core import Role
from activities.gating import service as gating
from activities.gating.models import AuditEntry, PhaseState
from activities.grades import GradeOutbox
from activities.meetings import codes, service
from activities.meetings.exceptions import (
    AlreadyRecorded,
    Cancelled,
    CheckInClosed,
    MeetingInvalid,
    NotAllowed,
    NotExpected,
    TooManyTries,
    WrongCode,
)
from activities.meetings.facts import Tally, attended
from activities.meetings.requirement import check

from ..statements import counted_statements
from .conftest import END, START, plan

DURING = START + dt.timedelta(minutes=5)


def code_at(meeting, now):
    return codes.current_code(meeting.secret, now)


def check_in(db, program, meeting, person, typed, tries, now=DURING, role=Role.LEARNER):
    return service.check_in(db, program, meeting, person, role, typed, tries=tries, now=now)


def test_a_learner_checks_in_with_the_shown_code_once(db, program, people, meeting, tries):
    record = check_in(db, program, meeting, people.budi, code_at(meeting, DURING), tries)
    assert (record.status, record.how, record.recorded_by) == ("present", "check_in", people.budi.id)
    with pytest.raises(AlreadyRecorded):  # the same (still valid) code again
        check_in(db, program, meeting, people.budi, code_at(meeting, DURING), tries)
    assert service.checked_in(db, meeting) == 1


def test_a_check_in_after_the_late_threshold_is_late(db, program, people, meeting, tries):
    later = START + dt.timedelta(minutes=25)
    assert check_in(db, program, meeting, people.budi, code_at(meeting, later), tries, now=later).status == "late"


def test_wrong_expired_and_out_of_window_codes_are_refused(db, program, people, meeting, tries):
    with pytest.raises(WrongCode):
        check_in(db, program, meeting, people.budi, "AAAAAA", tries)
    old = code_at(meeting, DURING - dt.timedelta(minutes=2))
    with pytest.raises(WrongCode):
        check_in(db, program, meeting, people.budi, old, tries)
    too_early = START - dt.timedelta(minutes=16)
    with pytest.raises(CheckInClosed):
        check_in(db, program, meeting, people.budi, code_at(meeting, too_early), tries, now=too_early)
    after = END + dt.timedelta(minutes=16)
    with pytest.raises(CheckInClosed):
        check_in(db, program, meeting, people.budi, code_at(meeting, after), tries, now=after)
    assert service.checked_in(db, meeting) == 0


def test_tries_are_limited_per_learner_even_with_the_right_code_afterwards(db, program, people, meeting, tries):
    for _ in range(5):
        with pytest.raises(WrongCode):
            check_in(db, program, meeting, people.budi, "AAAAAA", tries)
    with pytest.raises(TooManyTries) as refused:
        check_in(db, program, meeting, people.budi, code_at(meeting, DURING), tries)
    assert 0 < refused.value.retry_after <= 600
    # Dewi's tries are her own.
    assert check_in(db, program, meeting, people.dewi, code_at(meeting, DURING), tries).status == "present"


def test_only_learners_check_in_and_only_for_meetings_that_are_for_them(db, program, people, tries):
    group = plan(db, program, people, learners=[people.dewi], title="Kelompok Dewi")
    with pytest.raises(NotAllowed):
        check_in(db, program, group, people.coach, code_at(group, DURING), tries, role=Role.FACILITATOR)
    with pytest.raises(NotExpected):
        check_in(db, program, group, people.budi, code_at(group, DURING), tries)


def test_a_learner_cannot_mark_attendance_a_facilitator_can_and_it_is_audited(db, program, people, meeting):
    with pytest.raises(NotAllowed):
        service.mark(db, program, meeting, people.budi, Role.LEARNER, people.budi.id, "present")
    service.mark(db, program, meeting, people.coach, Role.FACILITATOR, people.budi.id, "excused", note="Sakit")
    service.mark(db, program, meeting, people.coach, Role.FACILITATOR, people.budi.id, "present")
    entries = [(e.action, e.before, e.after["status"], e.reason) for e in db.scalars(
        select(AuditEntry).where(AuditEntry.learner_id == people.budi.id).order_by(AuditEntry.id))]
    assert entries == [("attendance_marked", None, "excused", "Sakit"),
                       ("attendance_marked", {"status": "excused", "how": "grid"}, "present", "Pertemuan 1")]
    with pytest.raises(MeetingInvalid):
        service.mark(db, program, meeting, people.coach, Role.FACILITATOR, people.budi.id, "hadir")


def test_all_present_marks_everyone_without_a_mark_and_keeps_the_marks_made(db, program, people, meeting):
    service.mark(db, program, meeting, people.coach, Role.FACILITATOR, people.budi.id, "excused")
    assert service.mark_all_present(db, program, meeting, people.coach, Role.FACILITATOR, now=DURING) == 1
    assert {p.display_name: r.status for p, r in service.roster(db, program, meeting)} == {
        "Budi": "excused", "Dewi": "present"}


def test_a_meeting_needs_a_safe_link_a_phase_of_the_program_and_an_end_after_its_start(db, program, people):
    base = dict(phase_id=program.phases[0].id, title="P", kind="online", link="https://meet.example/x",
                starts_at=START, ends_at=END)
    for field, change in (("link", {"link": "javascript:alert(1)"}), ("ends_at", {"ends_at": START}),
                          ("phase_id", {"phase_id": 10**9}), ("title", {"title": " "}),
                          ("place", {"kind": "in_person", "place": ""}), ("kind", {"kind": "hybrid"}),
                          ("facilitator_ids", {"facilitator_ids": [people.budi.id]})):
        with pytest.raises(MeetingInvalid) as refused:
            service.save_meeting(db, program, people.coach, Role.FACILITATOR, **{**base, **change})
        assert refused.value.field == field
    with pytest.raises(NotAllowed):
        service.save_meeting(db, program, people.budi, Role.LEARNER, **base)
    long = service.save_meeting(db, program, people.coach, Role.FACILITATOR, **{**base, "ends_at": START +
                                                                             dt.timedelta(hours=4)})
    assert service.too_long(long) and not service.too_long(plan(db, program, people))


def test_the_attendance_requirement_opens_the_next_phase_and_queues_its_gate_grade(db, program, columns, people,
                                                                                   meeting, tries):
    mandiri = program.phases[0]
    readiness = mandiri.requirements[0]
    gating.add_requirement(db, program, people.staff, Role.STAFF, mandiri.id, "attendance",
                           {"phase_id": mandiri.id, "percent": 100}, title="Hadir di pertemuan")
    gating.remove_requirement(db, program, people.staff, Role.STAFF, readiness.id)
    second = plan(db, program, people, start=START + dt.timedelta(days=1), end=END + dt.timedelta(days=1))

    def states():
        return {r.phase_id: r.state for r in db.scalars(select(PhaseState).where(
            PhaseState.learner_id == people.budi.id))}

    check_in(db, program, meeting, people.budi, code_at(meeting, DURING), tries)
    assert states()[mandiri.id] == "open"  # one of two meetings: 50 %
    service.mark(db, program, second, people.coach, Role.FACILITATOR, people.budi.id, "excused")
    assert states()[mandiri.id] == "complete"  # excused counts by default
    grades = [g.score_given for g in db.scalars(select(GradeOutbox).where(
        GradeOutbox.activity_id == columns[0].id, GradeOutbox.person_id == people.budi.id))]
    assert grades == [100.0]


def test_excused_does_not_count_when_the_requirement_says_so(db, program, people, meeting):
    mandiri = program.phases[0]
    requirement = gating.add_requirement(db, program, people.staff, Role.STAFF, mandiri.id, "attendance",
                                         {"phase_id": mandiri.id, "percent": 100, "excused_counts": False})
    service.mark(db, program, meeting, people.coach, Role.FACILITATOR, people.budi.id, "excused")
    statuses = gating.journey(db, program, people.budi.id)
    found = next(r for r in statuses[0].requirements if r.requirement.id == requirement.id)
    assert not found.met and (found.check.progress.done, found.check.progress.needed) == (0, 1)


def test_without_meetings_the_requirement_is_not_met(db, program, people):
    mandiri = program.phases[0]
    with pytest.raises(gating.RequirementParamsInvalid):
        gating.add_requirement(db, program, people.staff, Role.STAFF, mandiri.id, "attendance", {"percent": 80})
    requirement = gating.add_requirement(db, program, people.staff, Role.STAFF, mandiri.id, "attendance",
                                         {"phase_id": mandiri.id, "percent": 0})
    found = next(r for r in gating.journey(db, program, people.budi.id)[0].requirements
                 if r.requirement.id == requirement.id)
    assert not found.met and found.check.progress.key == "meetings.none_scheduled"


def test_cancelling_a_meeting_stops_its_marks_counting_and_recomputes_in_the_same_transaction(
        db, program, people, meeting, tries):
    mandiri = program.phases[0]
    gating.add_requirement(db, program, people.staff, Role.STAFF, mandiri.id, "attendance",
                           {"phase_id": mandiri.id, "percent": 100}, title="Hadir di pertemuan")
    gating.remove_requirement(db, program, people.staff, Role.STAFF, mandiri.requirements[0].id)
    second = plan(db, program, people, start=START + dt.timedelta(days=1), end=END + dt.timedelta(days=1),
                  title="Pertemuan 2")
    check_in(db, program, meeting, people.budi, code_at(meeting, DURING), tries)
    service.mark(db, program, second, people.coach, Role.FACILITATOR, people.budi.id, "absent")
    service.mark(db, program, second, people.coach, Role.FACILITATOR, people.dewi.id, "present")
    after = END + dt.timedelta(days=2)

    def mandiri_state(person):
        return db.scalar(select(PhaseState.state).where(PhaseState.learner_id == person.id,
                                                        PhaseState.phase_id == mandiri.id))

    assert mandiri_state(people.budi) == "open"  # one of two
    with pytest.raises(NotAllowed):
        service.cancel_meeting(db, program, second, people.budi, Role.LEARNER)
    service.cancel_meeting(db, program, second, people.coach, Role.FACILITATOR, reason="Libur nasional", now=after)
    # Budi's absence no longer counts: the one meeting left was attended, and Mandiri completes at once.
    assert mandiri_state(people.budi) == "complete"
    tallies = service.course_tallies(db, program, [people.budi.id, people.dewi.id], now=after)
    assert tallies[people.budi.id] == Tally(1, 1, 1) and tallies[people.dewi.id] == Tally(0, 1, 1)
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "meeting_cancelled")).one()
    assert (entry.actor_id, entry.reason, entry.before["cancelled_at"]) == (people.coach.id, "Libur nasional", None)
    assert entry.after["cancelled_at"] == after.isoformat()
    # Learners still see it, as cancelled, and nothing can be recorded at it any more.
    items = service.learner_meetings(db, program, people.dewi.id, now=second.starts_at)
    cancelled = next(i for i in items if i.meeting.id == second.id)
    assert cancelled.meeting.cancelled and cancelled.when is not service.When.NOW
    with pytest.raises(Cancelled):
        check_in(db, program, second, people.dewi, code_at(second, second.starts_at), tries, now=second.starts_at)
    with pytest.raises(Cancelled):
        service.mark(db, program, second, people.coach, Role.FACILITATOR, people.dewi.id, "late")
    with pytest.raises(Cancelled):
        service.cancel_meeting(db, program, second, people.coach, Role.FACILITATOR)
    assert not service.live(second, second.starts_at).open


MARKS = st.sampled_from([None, "present", "late", "excused", "absent"])


@given(st.lists(MARKS, max_size=12), st.integers(min_value=0, max_value=1000), st.booleans())
def test_the_requirement_is_met_exactly_when_enough_of_the_meetings_were_attended(marks, tenths, excused_counts):
    at_least = tenths / 10
    done = sum(attended(m, excused_counts) for m in marks)
    result = check(Tally(done, len(marks), len(marks)), at_least)
    if not marks:
        assert not result.met
    else:
        assert result.met == (done * 1000 >= tenths * len(marks))
        assert result.progress.done == done and result.progress.needed <= len(marks)


def test_the_course_fact_answers_the_percent_so_far_in_a_constant_number_of_statements(db, engine, program, people,
                                                                                       make_person):
    past = plan(db, program, people)
    plan(db, program, people, start=START + dt.timedelta(days=30), end=END + dt.timedelta(days=30))  # still to come
    service.mark(db, program, past, people.coach, Role.FACILITATOR, people.budi.id, "late")
    service.mark(db, program, past, people.coach, Role.FACILITATOR, people.dewi.id, "absent")
    provider = registry.course_facts()["attendance"](now=START + dt.timedelta(days=1))
    facts = provider.facts(db, program.course_id, [people.budi.id, people.dewi.id])
    assert (facts[people.budi.id].value, facts[people.dewi.id].value) == (100.0, 0.0)
    assert facts[people.budi.id].progress.done == 1 and facts[people.budi.id].progress.needed == 1
    more = [make_person(f"Peserta {i}").id for i in range(30)]
    db.flush()

    def statements(ids):
        with counted_statements(engine) as seen:
            provider.facts(db, program.course_id, ids)
        return len(seen)

    assert statements(more) == statements(more[:2]) == 2
    assert provider.facts(db, program.course_id, more[:1])[more[0]].value == 0.0  # the past meeting was missed
    before = registry.course_facts()["attendance"](now=START - dt.timedelta(days=1))
    assert before.facts(db, program.course_id, more[:1])[more[0]].value is None  # nothing to count yet
