"""The cohort: grid, funnel, at-risk and CSV; one learner or the whole cohort gives the same states;
the number of statements does not grow with the cohort."""

import datetime as dt
import random

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from activities.coaching.models import Review, Submission, SubmissionVersion
from activities.core import Role
from activities.course.models import CoachingSession
from activities.gating import cohort, service
from activities.gating.models import Override, OverrideKind, SignOff, State
from activities.gating.store import plan_of, recompute, states_for
from activities.grades import GradeOutbox
from activities.readiness.models import ReadinessAttempt

from ..statements import counted_statements
from .conftest import NOW, ready, roster_only

DAY = dt.timedelta(days=1)


def test_the_grid_lists_every_roster_learner_even_those_who_never_launched(db, platform, course, program, people,
                                                                          check):
    ready(db, check, people.budi)
    siti = roster_only(db, platform, course, "Siti")
    grid = cohort.grid(db, program, NOW)
    rows = {row.name: row for row in grid.rows}
    assert set(rows) == {"Budi", "Dewi", "Siti"}
    assert rows["Siti"].launched is False and rows["Budi"].launched is True
    assert [s.state for s in rows["Budi"].phases] == [State.COMPLETE, State.OPEN, State.LOCKED]
    assert [s.state for s in rows["Siti"].phases] == [State.OPEN, State.LOCKED, State.LOCKED]
    assert rows["Siti"].learner_id == siti.id
    assert [(f.reached, f.passed) for f in cohort.funnel(grid)] == [(3, 1), (1, 0), (0, 0)]


def test_at_risk_lists_learners_past_a_close_and_those_missing_work_due_within_seven_days(db, program, people,
                                                                                        check):
    first, second = program.phases[0], program.phases[1]
    service.update_phase(db, program, people.staff, Role.STAFF, first.id, opens_at=NOW - 20 * DAY,
                         closes_at=NOW - DAY, now=NOW)
    service.update_phase(db, program, people.staff, Role.STAFF, second.id, opens_at=NOW - DAY,
                         closes_at=NOW + 3 * DAY, now=NOW)
    ready(db, check, people.budi)  # Budi moved on to Jarak Jauh, which closes in 3 days
    found = {(a.row.name, a.phase.phase.id, a.risk) for a in cohort.at_risk(cohort.grid(db, program, NOW))}
    assert found == {("Dewi", first.id, cohort.Risk.PAST_CLOSE), ("Budi", second.id, cohort.Risk.DEADLINE_SOON)}
    # Ten days before Jarak Jauh closes nobody is due soon.
    service.update_phase(db, program, people.staff, Role.STAFF, second.id, closes_at=NOW + 10 * DAY, now=NOW)
    assert {a.row.name for a in cohort.at_risk(cohort.grid(db, program, NOW))} == {"Dewi"}


def test_the_csv_has_a_row_per_learner_and_defuses_formulas(db, platform, course, program, people):
    roster_only(db, platform, course, "=HYPERLINK(\"x\")")
    text = cohort.grid_csv(cohort.grid(db, program, NOW))
    lines = text.strip().split("\r\n")
    assert lines[0] == '"name","email","launched","Pembelajaran Mandiri","Pembelajaran Jarak Jauh",' \
                       '"Pembelajaran Klasikal"'
    assert len(lines) == 4
    assert any(line.startswith('"\'=HYPERLINK') for line in lines)


def _cohort(db, course, people, check, task, size, seed=7):
    """``size`` learners with mixed readiness results, accepted tasks, sessions, sign-offs and overrides,
    written directly (fast) rather than through the services."""
    from activities.core import upsert_membership, upsert_person

    program = service.program_for(db, course.id)
    rnd = random.Random(seed)
    sign_off = program.phases[2].requirements[0]
    learners = []
    for n in range(size):
        person = upsert_person(db, course.platform_id, f"p{n}", name=f"Peserta {n}")
        upsert_membership(db, course, person, Role.LEARNER)
        learners.append(person)
        if rnd.random() < 0.7:
            db.add(ReadinessAttempt(activity_id=check.id, person_id=person.id, number=1, instrument_version="v1",
                                    status="submitted", submitted_at=NOW - dt.timedelta(days=1),
                                    overall_index=rnd.choice([40.0, 65.0, 90.0]),
                                    band=rnd.choice(["belum_siap", "siap_dengan_pendampingan", "siap"])))
        if rnd.random() < 0.5:
            accepted = rnd.random() < 0.7
            version = SubmissionVersion(number=1)
            if accepted:
                version.reviews = [Review(reviewer_id=people.coach.id, decision="accept", score=80.0,
                                          score_maximum=100.0)]
            db.add(Submission(activity_id=task.id, learner_id=person.id,
                              status="accepted" if accepted else "submitted", versions=[version]))
        for _ in range(rnd.choice([0, 1, 2, 3])):
            db.add(CoachingSession(course_id=course.id, coach_id=people.coach.id, learner_id=person.id,
                                   held_on=dt.date(2026, 3, 9), mode="online"))
        if rnd.random() < 0.2:
            db.add(SignOff(requirement_id=sign_off.id, learner_id=person.id, signed_by=people.coach.id))
        if rnd.random() < 0.1:
            db.add(Override(program_id=program.id, learner_id=person.id, kind=OverrideKind.COMPLETE_PHASE.value,
                            phase_id=rnd.choice(program.phases).id, reason="RPL", created_by=people.coach.id))
    db.flush()
    return program, learners


def test_states_are_the_same_for_one_learner_as_for_the_whole_cohort(db, course, program, people, check, task):
    _, learners = _cohort(db, course, people, check, task, 40)
    plan = plan_of(program)
    everyone = states_for(db, plan, [p.id for p in learners], NOW)
    assert {s.state for states in everyone.values() for s in states} == set(State)

    @settings(max_examples=40, deadline=None)
    @given(st.lists(st.sampled_from(learners), min_size=1, max_size=6, unique=True))
    def any_part_of_the_cohort(part):
        assert states_for(db, plan, [p.id for p in part], NOW) == {p.id: everyone[p.id] for p in part}

    any_part_of_the_cohort()


def test_the_number_of_statements_does_not_grow_with_the_cohort(db, engine, course, program, people, check, task,
                                                                columns):
    _, learners = _cohort(db, course, people, check, task, 150)
    db.commit()
    ids, course_id = [p.id for p in learners], course.id

    def statements(learner_ids):
        db.expire_all()
        with counted_statements(engine) as seen:
            recompute(db, course_id, learner_ids, NOW)
        db.rollback()
        return len(seen)

    # Per program, not per learner: the plan, each provider, overrides, stored states, columns,
    # then per gate column that changes three outbox statements, and the bulk state writes.
    few = statements(ids[:40])
    assert statements(ids) == few <= 25
    assert statements(None) == few


def test_the_outbox_is_written_only_when_a_column_s_value_changes(db, course, program, people, check, task, columns):
    _, learners = _cohort(db, course, people, check, task, 60)
    recompute(db, course.id, None, NOW)
    first = db.scalar(select(GradeOutbox.id).order_by(GradeOutbox.id.desc()).limit(1)) or 0
    passed = sum(1 for rows in states_for(db, plan_of(program), [p.id for p in learners], NOW).values()
                 for s in rows if s.state.passed)
    assert db.scalar(select(GradeOutbox.id).where(GradeOutbox.score_given == 100.0).limit(1)) is not None
    assert len(list(db.scalars(select(GradeOutbox.id)))) == passed
    recompute(db, course.id, None, NOW)
    recompute(db, course.id, [p.id for p in learners[:5]], NOW)
    assert (db.scalar(select(GradeOutbox.id).order_by(GradeOutbox.id.desc()).limit(1)) or 0) == first


def test_in_a_real_cohort_overriding_then_undoing_restores_each_learner_s_states_and_grades(
        db, course, program, people, check, task, columns):
    _, learners = _cohort(db, course, people, check, task, 30)
    recompute(db, course.id, None, NOW)
    plan = plan_of(program)

    def outbox_values(person):
        return [(r.activity_id, r.score_given) for r in db.scalars(
            select(GradeOutbox).where(GradeOutbox.person_id == person.id, GradeOutbox.status == "pending"))]

    @settings(max_examples=25, deadline=None)
    @given(st.sampled_from(learners), st.sampled_from(range(3)))
    def override_and_undo(person, position):
        phase = program.phases[position]
        before = states_for(db, plan, [person.id], NOW)[person.id]
        if before[position].state is State.OVERRIDDEN:
            return
        graded_before = dict(outbox_values(person))
        override = service.override_phase(db, program, people.coach, Role.FACILITATOR, person.id, phase.id,
                                          "Coba", now=NOW)
        during = states_for(db, plan, [person.id], NOW)[person.id]
        for earlier, later in zip(during, during[1:]):  # never in phase N+1 unless N is passed
            if later.state in (State.OPEN, State.COMPLETE):
                assert earlier.state.passed
        service.undo_override(db, program, people.coach, Role.FACILITATOR, override.id, "Batal", now=NOW)
        assert states_for(db, plan, [person.id], NOW)[person.id] == before
        # A column keeps the value it had; one first sent during the override reads 0 again.
        after = dict(outbox_values(person))
        assert after == {**{activity_id: 0.0 for activity_id in after}, **graded_before}

    override_and_undo()
