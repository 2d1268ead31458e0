"""Facilitators see the whole roster, also learners who never launched — fetched by the worker,
never by a page (a page must not wait for a platform)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from activities.core import Course, Role, members
from activities.jobs import MAX_ATTEMPTS, Job, JobStatus
from lti_tool import worker
from lti_tool.lti1p3.nrps import JOB_KIND, fetch_members, request_refresh
from lti_tool.models import Platform
from tests.lti_tool.readiness.helpers import TEACHER, set_up_readiness


@pytest.fixture
def no_backoff(monkeypatch):
    monkeypatch.setattr(worker, "backoff", lambda attempts: 0.0)


def _course_and_platform(connected):
    db = connected.padu.session()
    return db, db.scalars(select(Course)).one(), db.scalars(select(Platform)).one()


def _roster_jobs(connected) -> list[Job]:
    with connected.padu.session() as db:
        return list(db.scalars(select(Job).where(Job.kind == JOB_KIND).order_by(Job.id)))


def _cohort(connected):
    """The readiness cohort page, a staff view that lists the course's learners."""
    set_up_readiness(connected)
    browser, page = connected.launch(TEACHER)
    assert page.status_code == 200 and "cohort-count" in page.text
    return browser, page.url


def test_the_page_asks_the_worker_for_the_roster_and_shows_it_once_fetched(connected):
    connected.lms.nrps_page_size = 2
    browser, cohort_url = _cohort(connected)
    # The staff page called no platform: it queued one refresh and showed who launched.
    assert connected.lms.request_counts["nrps"] == 0
    page = browser.session.get(cohort_url)
    assert page.status_code == 200 and "Dewi Lestari" not in page.text
    assert connected.lms.request_counts["nrps"] == 0
    [job] = _roster_jobs(connected)
    assert job.status == JobStatus.PENDING.value
    # The worker fetches both pages of the roster …
    assert worker.run_once(connected.padu.runtime) == 1
    assert connected.lms.request_counts["nrps"] == 2
    assert _roster_jobs(connected)[0].status == JobStatus.DONE.value
    # … and the page shows everyone, still without a call of its own.
    page = browser.session.get(cohort_url)
    assert "Dewi Lestari" in page.text and 'data-learners="2"' in page.text
    assert connected.lms.request_counts["nrps"] == 2
    db, course, _platform = _course_and_platform(connected)
    by_sub = {m.person.sub: m for m in members(db, course.id)}
    assert by_sub["4"].role == Role.LEARNER.value and by_sub["4"].source == "roster"
    assert by_sub["5"].person.name == "Dewi Lestari"
    assert by_sub["3"].source == "launch"
    db.close()


def test_one_refresh_per_course_while_one_is_pending(connected):
    connected.launch(TEACHER)
    db, course, _platform = _course_and_platform(connected)
    cache = connected.padu.runtime.cache
    first = request_refresh(db, cache, 600, course)
    db.commit()
    assert request_refresh(db, cache, 600, course) is None  # asked within roster_cache_seconds: nothing
    cache.delete(f"roster:{course.id}")
    assert request_refresh(db, cache, 600, course).id == first.id  # pending: the same job
    db.commit()
    assert db.scalar(select(func.count()).select_from(Job)) == 1
    db.close()
    worker.run_once(connected.padu.runtime)
    assert connected.lms.request_counts["nrps"] == 1
    db, course, _platform = _course_and_platform(connected)
    cache.delete(f"roster:{course.id}")
    assert request_refresh(db, cache, 600, course).id != first.id  # done: a later visit refreshes again
    db.commit()
    db.close()


def test_the_roster_is_fetched_whole_over_pages(connected):
    connected.lms.nrps_page_size = 2
    connected.launch(TEACHER)
    db, course, platform = _course_and_platform(connected)
    raw = fetch_members(connected.padu.runtime.services, platform, course.memberships_url)
    assert {m["user_id"] for m in raw} >= {"3", "4", "5"}
    assert connected.lms.request_counts["nrps"] >= 2
    db.close()


def test_a_failing_roster_leaves_the_launched_members_and_ends_failed_with_padus_reason(connected, no_backoff):
    browser, cohort_url = _cohort(connected)
    connected.lms.fault("nrps", (500, {}, b"INTERNAL-SECRET hunter2"))
    for _ in range(MAX_ATTEMPTS - 1):
        worker.run_once(connected.padu.runtime)
        [job] = _roster_jobs(connected)
        assert job.status == JobStatus.PENDING.value and job.last_error  # tries again later
    worker.run_once(connected.padu.runtime)
    [job] = _roster_jobs(connected)
    assert (job.status, job.attempts) == (JobStatus.FAILED.value, MAX_ATTEMPTS)
    assert "SECRET" not in job.last_error and "hunter2" not in job.last_error
    assert connected.lms.request_counts["nrps"] == MAX_ATTEMPTS
    page = browser.session.get(cohort_url)
    assert page.status_code == 200 and "Dewi Lestari" not in page.text
    db, course, _platform = _course_and_platform(connected)
    assert {m.person.sub for m in members(db, course.id)} == {"3"}
    db.close()


def test_retries_of_a_failing_roster_wait_longer_each_time(connected):
    connected.launch(TEACHER)
    db, course, _platform = _course_and_platform(connected)
    job_id = request_refresh(db, connected.padu.runtime.cache, 600, course).id
    db.commit()
    db.close()
    connected.lms.fault("nrps", 503)
    waits = []
    for _ in range(5):
        with connected.padu.session() as db:  # due now, as if the wait had passed
            job = db.get(Job, job_id)
            job.next_attempt_at = job.created_at
            db.commit()
        before = worker.utcnow()
        worker.run_once(connected.padu.runtime)
        with connected.padu.session() as db:
            job = db.get(Job, job_id)
            waits.append((job.next_attempt_at - before).total_seconds())
    assert all(later > earlier for earlier, later in zip(waits, waits[1:])), waits
    assert 1.0 <= waits[0] <= 3.0 and 16.0 <= waits[-1] <= 33.0, waits
