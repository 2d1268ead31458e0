"""The one claim / lease / retry implementation, on the ``job`` table (SQLite; PostgreSQL in
tests/lti_tool/test_processes.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from activities import jobs
from activities.db import utcnow
from activities.jobs import JOBS, Job, JobStatus, enqueue


def _due_now(db, job_id):
    db.execute(update(Job).where(Job.id == job_id).values(next_attempt_at=utcnow() - dt.timedelta(seconds=1)))
    db.commit()


def test_a_claimed_job_is_nobody_elses_until_its_lease_runs_out(db, platform):
    job = enqueue(db, "nrps.roster", {"course_id": 1}, platform_id=platform.id)
    db.commit()
    assert jobs.claim(db, JOBS, "dead-worker") == [job.id]
    assert jobs.begin_attempt(db, JOBS, job.id, "dead-worker")  # … and the worker dies here
    assert jobs.claim(db, JOBS, "other-worker") == []
    # The lease runs out: the job is claimed again, its first try counted.
    db.execute(update(Job).values(leased_until=utcnow() - dt.timedelta(seconds=1)))
    db.commit()
    assert jobs.claim(db, JOBS, "other-worker") == [job.id]
    db.refresh(job)
    assert (job.leased_by, job.attempts, job.status) == ("other-worker", 1, JobStatus.PENDING.value)
    # The dead worker, back from the dead, may neither start nor settle it.
    assert not jobs.begin_attempt(db, JOBS, job.id, "dead-worker")
    assert not jobs.settle(db, JOBS, job.id, "dead-worker", status=JobStatus.DONE.value)
    assert jobs.settle(db, JOBS, job.id, "other-worker", status=JobStatus.DONE.value)
    db.refresh(job)
    assert (job.status, job.leased_until) == (JobStatus.DONE.value, None)


def test_a_lane_claims_only_its_platforms_jobs(db, platform):
    mine = enqueue(db, "nrps.roster", platform_id=platform.id)
    nobodys = enqueue(db, "nrps.roster", platform_id=None)
    db.commit()
    assert jobs.due_platforms(db, JOBS) and set(jobs.due_platforms(db, JOBS)) == {platform.id, None}
    assert jobs.due_platforms(db, JOBS, skip={platform.id}) == [None]
    assert jobs.due_platforms(db, JOBS, skip={None}) == [platform.id]
    assert jobs.claim(db, JOBS, "w", platform_id=None, any_platform=False) == [nobodys.id]
    assert jobs.claim(db, JOBS, "w", platform_id=platform.id, any_platform=False) == [mine.id]


def test_one_pending_job_per_dedup_key(db, platform):
    first = enqueue(db, "nrps.roster", {"course_id": 1}, platform_id=platform.id, dedup_key="roster:1")
    again = enqueue(db, "nrps.roster", {"course_id": 1}, platform_id=platform.id, dedup_key="roster:1")
    other = enqueue(db, "nrps.roster", {"course_id": 2}, platform_id=platform.id, dedup_key="roster:2")
    db.commit()
    assert again.id == first.id and other.id != first.id
    # A racing writer that missed the pending row is refused by the database itself.
    db.add(Job(kind="nrps.roster", payload={}, dedup_key="roster:1", platform_id=platform.id))
    with pytest.raises(IntegrityError):
        db.flush()
    db.rollback()
    # Once the job is done, the key is free for the next refresh.
    first.status = JobStatus.DONE.value
    db.commit()
    later = enqueue(db, "nrps.roster", {"course_id": 1}, platform_id=platform.id, dedup_key="roster:1")
    db.commit()
    assert later.id != first.id
    assert db.scalar(select(func.count()).select_from(Job).where(Job.dedup_key == "roster:1")) == 2


def test_backoff_grows_with_each_try_up_to_the_cap():
    """Full jitter between half and all of 2 s × 2^(n-1): each try waits at least as long as the
    one before could have (until the cap), and never more than an hour."""
    for _ in range(50):
        delays = [jobs.backoff(attempt) for attempt in range(1, 12)]  # 2 s … 2048 s, under the cap
        assert all(later >= earlier for earlier, later in zip(delays, delays[1:])), delays
        assert 1.0 <= delays[0] <= 2.0 and 1024.0 <= delays[-1] <= 2048.0
        assert all(jobs.BACKOFF_CAP / 2 <= jobs.backoff(attempt) <= jobs.BACKOFF_CAP for attempt in (12, 15, 40))


def test_a_platforms_retry_after_counts_for_an_hour_at_most():
    assert jobs.retry_delay(1, 10**9) == jobs.BACKOFF_CAP
    assert jobs.retry_delay(1, -5) == 0.0
    assert jobs.retry_delay(3, None, backoff=lambda attempts: attempts * 10.0) == 30.0


def test_a_lease_is_seconds_and_a_heartbeat_renews_only_the_workers_unexpired_leases(db, platform):
    assert jobs.LEASE <= dt.timedelta(seconds=15) and jobs.HEARTBEAT * 3 <= jobs.LEASE.total_seconds()
    mine, lapsed = (enqueue(db, "nrps.roster", platform_id=platform.id) for _ in range(2))
    db.commit()
    assert jobs.claim(db, JOBS, "me") == [mine.id, lapsed.id]
    db.execute(update(Job).where(Job.id == lapsed.id).values(leased_until=utcnow() - dt.timedelta(seconds=1)))
    db.commit()
    before = db.scalar(select(Job.leased_until).where(Job.id == mine.id))
    assert jobs.renew(db, JOBS, [mine.id, lapsed.id], "someone-else") == 0
    assert jobs.renew(db, JOBS, [mine.id, lapsed.id], "me") == 1  # a lapsed lease may be someone else's now
    assert db.scalar(select(Job.leased_until).where(Job.id == mine.id)) > before


def test_a_grade_is_not_due_while_an_older_one_of_its_learner_and_column_is_leased(db, make_activity, make_person):
    from activities.grades import GRADES, ActivityProgress, GradeOutbox, GradingProgress, OutboxStatus, record_grade

    activity = make_activity("readiness")
    budi, dewi = make_person("Budi"), make_person("Dewi")

    def grade(person, score):
        return record_grade(db, activity, person, score_given=score, activity_progress=ActivityProgress.COMPLETED,
                            grading_progress=GradingProgress.FULLY_GRADED).id

    older = grade(budi, 10)
    db.commit()
    assert jobs.claim(db, GRADES, "first") == [older]
    newer, other = grade(budi, 20), grade(dewi, 30)  # the older one is replaced while on its way
    db.commit()
    assert jobs.claim(db, GRADES, "second") == [other]  # Budi's newer grade waits for the older one
    # The older one's send ends: not pending any more, so its outcome is not written — but its lease
    # ends and when the platform stored it is kept (the newer one is stamped after that).
    delivered_at = utcnow()
    assert not jobs.settle(db, GRADES, older, "first", status=OutboxStatus.DELIVERED.value, delivered_at=delivered_at)
    row = db.get(GradeOutbox, older)
    db.refresh(row)
    assert (row.status, row.leased_until, row.delivered_at) == (OutboxStatus.SUPERSEDED.value, None, delivered_at)
    assert jobs.claim(db, GRADES, "second") == [newer]


def test_a_wave_counts_attempts_and_settles_in_bulk_like_one_row_at_a_time(db, platform):
    ours, replaced, theirs = (enqueue(db, "nrps.roster", platform_id=platform.id) for _ in range(3))
    db.commit()
    assert jobs.claim(db, JOBS, "me") == [ours.id, replaced.id, theirs.id]
    db.execute(update(Job).where(Job.id == replaced.id).values(status=JobStatus.FAILED.value))
    db.execute(update(Job).where(Job.id == theirs.id).values(leased_by="someone-else"))
    db.commit()
    assert jobs.begin_attempts(db, JOBS, [ours.id, replaced.id, theirs.id], "me") == [ours.id]
    rows = {row.id: row for row in db.scalars(select(Job).execution_options(populate_existing=True))}
    assert (rows[ours.id].attempts, rows[replaced.id].attempts, rows[theirs.id].attempts) == (1, 0, 0)
    assert rows[replaced.id].leased_until is None  # released: not ours to run any more
    finished = utcnow()
    jobs.settle_many(db, JOBS, "me", {
        ours.id: {"status": JobStatus.DONE.value, "finished_at": finished},
        replaced.id: {"status": JobStatus.DONE.value, "finished_at": finished},
        theirs.id: {"status": JobStatus.DONE.value, "finished_at": finished},
    })
    rows = {row.id: row for row in db.scalars(select(Job).execution_options(populate_existing=True))}
    assert (rows[ours.id].status, rows[ours.id].leased_until) == (JobStatus.DONE.value, None)
    assert rows[replaced.id].status == JobStatus.FAILED.value  # its new state is kept
    assert rows[theirs.id].status == JobStatus.PENDING.value and rows[theirs.id].leased_until is not None


def test_a_wave_never_waits_for_a_row_lock_while_holding_others_on_postgresql(postgres_sessions):
    """A transaction superseding several rows (locking one, then wanting another) and a worker
    settling a wave must not deadlock: the wave writes the free rows and commits before it
    waits for the busy one."""
    import threading

    with postgres_sessions() as db:
        ids = [enqueue(db, "nrps.roster", platform_id=None).id for _ in range(3)]
        db.commit()
        assert jobs.claim(db, JOBS, "me") == ids
    other = postgres_sessions()
    other.execute(update(Job).where(Job.id == ids[1]).values(last_error="held"))  # locks the middle row
    failures: list[BaseException] = []

    def settle_wave():
        try:
            with postgres_sessions() as worker:
                jobs.settle_many(worker, JOBS, "me", {row_id: {"status": JobStatus.DONE.value} for row_id in ids})
        except BaseException as error:  # noqa: BLE001 - handed to the test
            failures.append(error)

    wave = threading.Thread(target=settle_wave)
    wave.start()
    try:
        deadline = utcnow() + dt.timedelta(seconds=10)
        with postgres_sessions() as look:
            while utcnow() < deadline:
                states = {row_id: status for row_id, status in look.execute(select(Job.id, Job.status))}
                look.rollback()
                if states[ids[0]] == states[ids[2]] == JobStatus.DONE.value:
                    break
        assert states[ids[0]] == states[ids[2]] == JobStatus.DONE.value and states[ids[1]] == JobStatus.PENDING.value
        # The other transaction now wants a row the wave wrote: no deadlock, it was committed.
        other.execute(update(Job).where(Job.id == ids[0]).values(last_error="held too"))
        other.commit()
    finally:
        other.close()
        wave.join(10)
    assert not failures and not wave.is_alive()
    with postgres_sessions() as look:
        assert set(look.scalars(select(Job.status))) == {JobStatus.DONE.value}
