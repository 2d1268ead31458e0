"""A learner's journey through the Latsar template, driven by the other activities' services:
facts change, phases open in the same transaction, and the gate grades follow — only on change."""

import pytest
from sqlalchemy import select

from activities.core import Role, upsert_course, upsert_membership, upsert_person
from activities.gating import service
from activities.gating.exceptions import AlreadyDone, NotAllowed, NotInProgram, ReasonRequired
from activities.gating.models import PhaseState, State
from activities.gating.store import program_of, recompute
from activities.grades import GradeOutbox, OutboxStatus

from .conftest import NOW, accepted, ready, sessions


def stored(db, program, person):
    rows = {r.phase_id: r for r in db.scalars(select(PhaseState).where(PhaseState.learner_id == person.id))}
    return [rows[p.id].state if p.id in rows else None for p in program.phases]


def grades(db, column, person):
    return [(r.score_given, r.status) for r in db.scalars(
        select(GradeOutbox).where(GradeOutbox.activity_id == column.id, GradeOutbox.person_id == person.id)
        .order_by(GradeOutbox.id))]


def test_the_template_gives_every_roster_learner_stored_states_at_creation(db, program, people):
    assert [p.kind for p in program.phases] == ["mandiri", "jarak_jauh", "klasikal"]
    assert stored(db, program, people.budi) == ["open", "locked", "locked"]
    assert stored(db, program, people.staff) == [None, None, None]  # staff are not gated


def test_a_readiness_result_and_coaching_work_open_the_phases_in_turn(db, course, program, columns, people, check,
                                                                      task):
    budi = people.budi
    ready(db, check, budi)
    assert stored(db, program, budi) == ["complete", "open", "locked"]
    accepted(db, task, budi, people.coach)
    assert stored(db, program, budi) == ["complete", "open", "locked"]  # two sessions still needed
    sessions(db, course, people.coach, budi, times=2)
    assert stored(db, program, budi) == ["complete", "complete", "open"]
    # The gate columns of the passed phases read 100, once each; the third has nothing yet.
    assert grades(db, columns[0], budi) == [(100.0, OutboxStatus.PENDING.value)]
    assert grades(db, columns[1], budi) == [(100.0, OutboxStatus.PENDING.value)]
    assert grades(db, columns[2], budi) == []
    assert stored(db, program, people.dewi) == ["open", "locked", "locked"]


def test_a_readiness_result_below_the_band_does_not_open_distance_learning(db, program, people, check):
    from ..readiness.conftest import POOR_DEVICE
    from ..readiness.test_attempts import take

    take(db, check, people.budi, right=False, rating=1, device=POOR_DEVICE, tasks=False)
    journey = service_states(db, program, people.budi)
    assert [s.state for s in journey] == [State.OPEN, State.LOCKED, State.LOCKED]
    missing = journey[0].missing[0].check
    assert missing.progress.key == "gating.readiness_band" and missing.progress.done < missing.progress.needed
    assert missing.next_step is not None and missing.next_step.activity_id == check.id


def service_states(db, program, person):
    from activities.gating.store import plan_of, states_for

    return states_for(db, plan_of(program), [person.id], NOW)[person.id]


def test_an_override_sends_100_and_undoing_it_sends_0_and_restores_the_computed_state(db, program, columns, people):
    budi, first = people.budi, program.phases[0]
    override = service.override_phase(db, program, people.coach, Role.FACILITATOR, budi.id, first.id,
                                      "Lulus Latsar tahun lalu (RPL)", now=NOW)
    assert stored(db, program, budi) == ["overridden", "open", "locked"]
    assert grades(db, columns[0], budi) == [(100.0, "pending")]
    # Recomputing again (a fact of another activity changed) sends nothing new.
    recompute(db, program.course_id, [budi.id], NOW)
    recompute(db, program.course_id, None, NOW)
    assert grades(db, columns[0], budi) == [(100.0, "pending")]

    service.undo_override(db, program, people.coach, Role.FACILITATOR, override.id, "Salah peserta", now=NOW)
    assert stored(db, program, budi) == ["open", "locked", "locked"]
    assert grades(db, columns[0], budi) == [(100.0, "superseded"), (0.0, "pending")]
    assert override.undone_at is not None and override.undo_reason == "Salah peserta"  # history kept
    assert [o.id for o in service.overrides_for(db, program, budi.id)] == [override.id]


def test_a_waiver_and_a_sign_off_count_as_met(db, course, program, people, task):
    budi = people.budi
    sessions_requirement = program.phases[1].requirements[1]
    readiness_requirement = program.phases[0].requirements[0]
    service.waive_requirement(db, program, people.coach, Role.FACILITATOR, budi.id, readiness_requirement.id,
                              "Sudah terbukti mahir TIK", now=NOW)
    accepted(db, task, budi, people.coach)
    service.waive_requirement(db, program, people.staff, Role.STAFF, budi.id, sessions_requirement.id,
                              "Coach sakit", now=NOW)
    assert stored(db, program, budi) == ["complete", "complete", "open"]
    sign_off = program.phases[2].requirements[0]
    service.sign_off(db, program, people.coach, Role.FACILITATOR, budi.id, sign_off.id, now=NOW)
    assert stored(db, program, budi) == ["complete", "complete", "complete"]
    with pytest.raises(AlreadyDone):
        service.sign_off(db, program, people.coach, Role.FACILITATOR, budi.id, sign_off.id, now=NOW)
    with pytest.raises(ReasonRequired):
        service.revoke_sign_off(db, program, people.coach, Role.FACILITATOR, budi.id, sign_off.id, "  ", now=NOW)
    service.revoke_sign_off(db, program, people.coach, Role.FACILITATOR, budi.id, sign_off.id, "Keliru", now=NOW)
    assert stored(db, program, budi) == ["complete", "complete", "open"]


def test_who_may_decide_and_about_whom(db, platform, program, people):
    first = program.phases[0]
    with pytest.raises(NotAllowed):
        service.override_phase(db, program, people.dewi, Role.LEARNER, people.budi.id, first.id, "Saya mau")
    with pytest.raises(ReasonRequired):
        service.override_phase(db, program, people.coach, Role.FACILITATOR, people.budi.id, first.id, "   ")
    with pytest.raises(NotInProgram):  # a facilitator is not a learner to be gated
        service.override_phase(db, program, people.staff, Role.STAFF, people.coach.id, first.id, "Alasan")
    other_course = upsert_course(db, platform.id, "77", "LAIN", "Kursus lain")
    stranger = upsert_person(db, platform.id, "gita", name="Gita")
    upsert_membership(db, other_course, stranger, Role.LEARNER)
    with pytest.raises(NotInProgram):  # a learner of another course
        service.override_phase(db, program, people.staff, Role.STAFF, stranger.id, first.id, "Alasan")
    other_program_phase = 10**6
    with pytest.raises(NotInProgram):
        service.override_phase(db, program, people.staff, Role.STAFF, people.budi.id, other_program_phase, "Alasan")
    with pytest.raises(NotAllowed):
        service.add_phase(db, program, people.coach, Role.FACILITATOR, title="Ekstra", kind="other")


def test_a_second_create_attaches_to_the_course_s_program(db, course, program, people):
    assert service.create_program(db, course, people.staff, Role.STAFF) is program
    assert program_of(db, course.id).id == program.id


def test_a_phase_met_before_its_window_completes_at_the_opening_and_its_grade_follows(db, program, columns, people,
                                                                                      check):
    import datetime as dt

    from activities.gating.store import recompute_opened_windows

    second = program.phases[1]
    opens, closes = NOW + dt.timedelta(days=2), NOW + dt.timedelta(days=16)
    service.update_phase(db, program, people.staff, Role.STAFF, second.id, opens_at=opens, closes_at=closes, now=NOW)
    ready(db, check, people.budi)
    for requirement in second.requirements:  # met before the window opens
        service.waive_requirement(db, program, people.coach, Role.FACILITATOR, people.budi.id, requirement.id,
                                  "Pindahan dari angkatan sebelumnya", now=NOW)
    journey = service.journey(db, program, people.budi.id, NOW)
    assert journey[1].state is State.LOCKED and journey[1].phase.opens_at == opens
    assert service.next_deadline(journey, NOW) is None  # the current phase is not open yet
    assert grades(db, columns[1], people.budi) == []
    assert recompute_opened_windows(db, since=NOW, now=NOW + dt.timedelta(days=1)) == []
    assert recompute_opened_windows(db, since=NOW, now=opens) == [program.course_id]
    assert stored(db, program, people.budi) == ["complete", "complete", "open"]
    assert grades(db, columns[1], people.budi) == [(100.0, "pending")]
    dewi = service.journey(db, program, people.dewi.id, opens)
    assert service.next_deadline(dewi, opens) is None  # Dewi is in Mandiri, which has no close
    service.update_phase(db, program, people.staff, Role.STAFF, program.phases[0].id, closes_at=closes, now=opens)
    assert service.next_deadline(service.journey(db, program, people.dewi.id, opens), opens) == closes


def test_staff_trying_an_activity_out_are_not_gated(db, program, people, check):
    ready(db, check, people.staff)
    assert stored(db, program, people.staff) == [None, None, None]


def test_a_removed_readiness_check_leaves_its_requirement_unmet_and_the_course_working(db, course, program, people,
                                                                                       check, task):
    db.delete(check)
    db.flush()
    accepted(db, task, people.budi, people.coach)  # a fact change in the course still works
    journey = service.journey(db, program, people.budi.id, NOW)
    assert journey[0].state is State.OPEN
    assert journey[0].missing[0].check.progress.key == "gating.unavailable"


def test_a_gating_activity_names_a_phase_of_its_own_course(db, platform, program, people):
    from activities import registry
    from activities.gating.exceptions import ProgramInvalid
    from activities.gating.settings import check_phase, validate_settings

    assert validate_settings(registry.get("gating").default_settings()) == {"phase_id": None}
    assert validate_settings({"phase_id": program.phases[1].id}) == {"phase_id": program.phases[1].id}
    for bad in ({"phase_id": "2"}, {"phase_id": True}, {"phase_id": 0}, {"other": 1}, []):
        with pytest.raises(ProgramInvalid):
            validate_settings(bad)
    check_phase(db, program.course_id, program.phases[1].id)
    other_course = upsert_course(db, platform.id, "88", "LAIN", "Kursus lain")
    with pytest.raises(ProgramInvalid):
        check_phase(db, other_course.id, program.phases[1].id)


def test_a_state_row_another_transaction_inserted_first_is_updated_not_a_failure(db, program, people):
    from activities.gating.store import _insert_states

    first = program.phases[0]
    db.query(PhaseState).filter_by(learner_id=people.budi.id).delete()
    row = {"phase_id": first.id, "learner_id": people.budi.id, "state": "open", "graded_value": None,
           "updated_at": NOW}
    _insert_states(db, [row])
    _insert_states(db, [{**row, "state": "overridden", "graded_value": 100.0}])  # the second writer
    db.expire_all()
    assert stored(db, program, people.budi)[0] == "overridden"
