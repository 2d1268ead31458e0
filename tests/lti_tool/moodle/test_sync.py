"""The course sync against a Moodle site answering in the recorded shapes: a native completion
flips a requirement and the gate grade is queued; nothing changes when nothing changed; a slow or
refusing Moodle backs off; a platform without a token says so plainly."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from activities.core import Activity, Role
from activities.gating import service
from activities.gating.models import PhaseState
from activities.grades import GradeOutbox
from activities.jobs import Job, JobError, JobStatus
from activities.moodle import store
from activities.moodle.models import ActivityFact, CourseSync, Module
from activities.moodle.requirements import COMPLETION_KEY
from lti_tool.moodle import sync
from lti_tool.worker import run_once

PAGE_CMID = 6  # "Materi Fase 1 - Orientasi", manual completion
LTI_CMID = 2  # "Acceptance LTI activity (manual reg)", graded


def _sync(db, settings, http, course):
    return sync.run_once(db, settings.secret_key, http, settings.http_timeout, course)


@pytest.fixture
def program(db, settings, http, connected, learners):
    """The Latsar program whose first phase asks for the Page to be completed (from the activity list
    the first sync read), with a gradebook column for that phase."""
    _sync(db, settings, http, learners.course)
    program = service.create_program(db, learners.course, learners.staff, Role.STAFF)
    first = program.phases[0]
    for requirement in list(first.requirements):
        service.remove_requirement(db, program, learners.staff, Role.STAFF, requirement.id, confirm=True)
    service.add_requirement(db, program, learners.staff, Role.STAFF, first.id, "moodle_completion",
                            {"cmid": PAGE_CMID}, title="Baca materi orientasi", confirm=True)
    column = Activity(course_id=learners.course.id, kind="gating", title="Gerbang Mandiri",
                      settings={"phase_id": first.id})
    db.add(column)
    db.commit()
    return program, column


def _state(db, phase, person):
    return db.scalar(select(PhaseState.state).where(PhaseState.phase_id == phase.id,
                                                     PhaseState.learner_id == person.id))


def _gate_grades(db, column):
    return {(row.person_id, row.score_given) for row in db.scalars(
        select(GradeOutbox).where(GradeOutbox.activity_id == column.id))}


def test_the_first_sync_stores_the_activity_list_as_moodle_names_it(db, settings, http, connected, learners, site):
    report = _sync(db, settings, http, learners.course)
    modules = {m.cmid: m for m in store.modules_of(db, learners.course.id)}
    assert modules[PAGE_CMID].name == "Materi Fase 1 - Orientasi" and modules[PAGE_CMID].modname == "page"
    assert modules[PAGE_CMID].completion == 1 and modules[LTI_CMID].completion == 2
    assert report.modules == len(modules) and report.learners_read == 0  # no native requirement yet
    assert "core_completion_get_activities_completion_status" not in site.calls
    assert store.synced_at(db, learners.course.id) is not None


def test_a_completion_in_moodle_opens_the_phase_and_queues_the_gate_grade(db, settings, http, program, learners,
                                                                           site):
    program, column = program
    first = program.phases[0]
    _sync(db, settings, http, learners.course)
    assert _state(db, first, learners.budi) == "open" and _gate_grades(db, column) == set()

    site.completion[4][PAGE_CMID] = 1  # Budi ticks the Page done in Moodle
    report = _sync(db, settings, http, learners.course)
    assert report.changed == 1 and report.learners_read == 2
    assert _state(db, first, learners.budi) == "complete"
    assert _state(db, first, learners.dewi) == "open"
    assert _gate_grades(db, column) == {(learners.budi.id, 100.0)}
    row = db.scalar(select(ActivityFact).where(ActivityFact.learner_id == learners.budi.id))
    assert row.completed and row.read_at is not None

    # Read again, nothing changed: no second grade, only the time of the reading moves.
    _sync(db, settings, http, learners.course)
    assert len(list(db.scalars(select(GradeOutbox).where(GradeOutbox.activity_id == column.id)))) == 1


def test_a_grade_requirement_reads_the_percentage_of_the_moodle_grade(db, settings, http, program, learners, site):
    program, _column = program
    second = program.phases[1]
    service.add_requirement(db, program, learners.staff, Role.STAFF, second.id, "moodle_grade",
                            {"cmid": LTI_CMID, "min_percent": 80}, confirm=True)
    db.commit()
    site.grades[4][LTI_CMID] = 85  # as recorded for Budi
    site.grades[5][LTI_CMID] = 73
    _sync(db, settings, http, learners.course)
    facts = {row.learner_id: row.grade_percent for row in db.scalars(
        select(ActivityFact).where(ActivityFact.cmid == LTI_CMID))}
    assert facts == {learners.budi.id: 85.0, learners.dewi.id: 73.0}
    from activities.gating.requirements import Evaluation, RequirementPlan, get

    plan = RequirementPlan(1, "moodle_grade", {"cmid": LTI_CMID, "min_percent": 80.0})
    checks = get("moodle_grade").evaluate(Evaluation(db, learners.course.id, [learners.budi.id, learners.dewi.id]),
                                          plan)
    assert checks[learners.budi.id].met and not checks[learners.dewi.id].met
    assert checks[learners.dewi.id].progress.done == 73 and checks[learners.dewi.id].progress.needed == 80


def test_the_requirement_editor_only_takes_activities_of_the_course(db, program, learners):
    from activities.gating.requirements import RequirementInvalid, validate

    assert validate(db, learners.course.id, "moodle_completion", {"cmid": PAGE_CMID}) == {"cmid": PAGE_CMID}
    with pytest.raises(RequirementInvalid) as refused:
        validate(db, learners.course.id, "moodle_completion", {"cmid": 999})
    assert refused.value.field == "cmid"
    with pytest.raises(RequirementInvalid):
        validate(db, learners.course.id, "moodle_grade", {"cmid": LTI_CMID})


def test_an_activity_removed_in_moodle_makes_the_requirement_unavailable(db, settings, http, program, learners,
                                                                          site):
    site.contents = [dict(s, modules=[m for m in s["modules"] if m["id"] != PAGE_CMID]) for s in site.contents]
    _sync(db, settings, http, learners.course)
    assert db.scalar(select(Module).where(Module.cmid == PAGE_CMID)) is None
    from activities.gating.requirements import Evaluation, RequirementPlan, get

    checks = get("moodle_completion").evaluate(Evaluation(db, learners.course.id, [learners.budi.id]),
                                               RequirementPlan(1, "moodle_completion", {"cmid": PAGE_CMID}))
    assert checks[learners.budi.id].progress.key == "gating.unavailable"
    assert COMPLETION_KEY == "moodle.completion"


def test_without_a_token_the_sync_says_so_and_nothing_is_queued(db, settings, http, moodle_platform, learners, site):
    assert sync.request(db, learners.course) is None
    with pytest.raises(JobError) as failed:
        _sync(db, settings, http, learners.course)
    assert "no web-services token" in failed.value.reason and "padu platform set-ws" in failed.value.reason
    assert site.calls == []


def test_a_refused_function_is_named_and_not_retried(db, settings, http, connected, learners, site):
    site.site_info["functions"] = [f for f in site.site_info["functions"] if f["name"] != "core_group_get_course_groups"]
    with pytest.raises(JobError) as failed:
        _sync(db, settings, http, learners.course)
    assert "core_group_get_course_groups" in failed.value.reason and not failed.value.retryable
    assert db.get(CourseSync, learners.course.id).last_error == failed.value.reason


def test_the_worker_backs_off_while_moodle_is_down_and_the_periodic_queue_adds_no_second_job(worker_runtime, site):
    from activities.core import upsert_course
    from activities.db import utcnow

    runtime, platform_id = worker_runtime
    with runtime.session_factory() as db:
        course = upsert_course(db, platform_id, "2")
        db.add(Activity(course_id=course.id, kind="coaching", title="Aktualisasi"))
        db.commit()
        course_id = course.id
    assert sync.enqueue_periodic(runtime) == 1
    assert sync.enqueue_periodic(runtime) is None  # not due again for INTERVAL
    site.down = True
    run_once(runtime)
    with runtime.session_factory() as db:
        job = db.scalar(select(Job).where(Job.kind == sync.JOB_KIND))
        assert job.status == JobStatus.PENDING.value and job.attempts == 1
        assert job.next_attempt_at > utcnow() and "tries again later" in job.last_error
        assert "503" in db.get(CourseSync, course_id).last_error
    later = utcnow() + sync.INTERVAL + dt.timedelta(seconds=1)
    assert sync.enqueue_periodic(runtime, later) == 1
    with runtime.session_factory() as db:
        assert len(list(db.scalars(select(Job).where(Job.kind == sync.JOB_KIND)))) == 1  # the same, waiting
        db.execute(Job.__table__.update().values(next_attempt_at=utcnow()))
        db.commit()
    site.down = False
    run_once(runtime)
    with runtime.session_factory() as db:
        assert db.scalar(select(Job.status).where(Job.kind == sync.JOB_KIND)) == JobStatus.DONE.value
        row = db.get(CourseSync, course_id)
        assert row.synced_at is not None and row.last_error is None
