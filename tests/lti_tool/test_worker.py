"""The worker runs every job kind through one claim / lease / retry implementation."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import select, update

from activities import jobs
from activities.core import Course
from activities.db import utcnow
from activities.jobs import JOBS, Job, JobStatus, enqueue
from lti_tool import heartbeat, job_kinds, worker
from lti_tool.lti1p3.nrps import JOB_KIND


def _roster_job(connected) -> int:
    connected.launch("3")
    with connected.padu.session() as db:
        course = db.scalars(select(Course)).one()
        job = enqueue(db, JOB_KIND, {"course_id": course.id}, platform_id=course.platform_id)
        db.commit()
        return job.id


def _job(connected, job_id) -> Job:
    with connected.padu.session() as db:
        return db.get(Job, job_id)


def test_a_dead_workers_job_runs_once_its_lease_ends(connected):
    job_id = _roster_job(connected)
    with connected.padu.session() as db:
        assert jobs.claim(db, JOBS, "dead-worker") == [job_id]
        assert jobs.begin_attempt(db, JOBS, job_id, "dead-worker")  # … and it is killed mid-job
    assert worker.run_once(connected.padu.runtime) == 0  # leased: nobody else runs it
    assert connected.lms.request_counts["nrps"] == 0
    with connected.padu.session() as db:
        db.execute(update(Job).values(leased_until=utcnow() - dt.timedelta(seconds=1)))
        db.commit()
    assert worker.run_once(connected.padu.runtime) == 1
    job = _job(connected, job_id)
    assert (job.status, job.attempts, job.leased_until) == (JobStatus.DONE.value, 2, None)
    assert job.finished_at is not None and connected.lms.request_counts["nrps"] == 1


def test_an_error_inside_a_handler_costs_one_attempt_in_padus_words(connected, monkeypatch):
    job_id = _roster_job(connected)

    def broken(runtime, session, job):
        raise KeyError("a bug in Padu")

    monkeypatch.setitem(job_kinds.KINDS, JOB_KIND, job_kinds.Kind(JOB_KIND, broken, title="the roster refresh",
                                                                  doing="refresh the course roster"))
    assert worker.run_once(connected.padu.runtime) == 1
    job = _job(connected, job_id)
    assert (job.status, job.attempts, job.leased_until) == (JobStatus.PENDING.value, 1, None)
    assert job.last_error == "Padu could not refresh the course roster (an error inside Padu); it will try again"
    assert job.next_attempt_at > utcnow()


def test_a_job_of_a_kind_this_worker_does_not_know_waits_for_one_that_does(connected):
    connected.launch("3")
    with connected.padu.session() as db:
        job_id = enqueue(db, "moodle.groups", {"course_id": 1}, platform_id=None).id
        db.commit()
    assert worker.run_once(connected.padu.runtime) == 0
    job = _job(connected, job_id)
    assert (job.status, job.attempts, job.leased_by) == (JobStatus.PENDING.value, 0, None)


def test_a_running_batch_renews_its_leases(connected):
    """A slow batch keeps its rows however long it runs; only a dead worker's leases run out."""
    job_id = _roster_job(connected)
    with connected.padu.session() as db:
        assert jobs.claim(db, JOBS, "me") == [job_id]
    first = _job(connected, job_id).leased_until
    with heartbeat.kept(connected.padu.runtime, "me", JOBS, [job_id], interval=0.05):
        time.sleep(0.5)
    assert _job(connected, job_id).leased_until > first
