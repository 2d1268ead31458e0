"""Daily housekeeping: expired launch sessions and nonces are purged, at most once a day
across workers, from the worker's loop without ever stopping it (security review, finding 19)."""

from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
import requests
from sqlalchemy import func, select

from activities.db import Base, utcnow
from config import load_settings
from lti_tool import housekeeping, worker
from lti_tool.migrations import load_models
from lti_tool.models import LaunchSession, UsedNonce
from lti_tool.runtime import Runtime

HOUR = dt.timedelta(hours=1)


def _count(padu, model) -> int:
    with padu.session() as db:
        return db.scalar(select(func.count()).select_from(model))


def _anonymous_login(connected) -> requests.Response:
    """What anyone on the internet can do: start a login, never finish it."""
    return requests.get(connected.padu.url + "/lti/login", allow_redirects=False, params={
        "iss": connected.lms.issuer, "client_id": connected.client_id, "login_hint": "4",
        "target_link_uri": connected.padu.url + "/lti/launch"})


def test_expired_sessions_and_nonces_are_purged_and_live_ones_kept(connected):
    padu = connected.padu
    assert _anonymous_login(connected).status_code == 302  # its state is signed: it leaves no row
    browser, landing = connected.launch("4")
    assert landing.status_code == 200
    token = re.search(r"[?&]s=([^&\"#]+)", landing.url).group(1)
    assert (_count(padu, LaunchSession), _count(padu, UsedNonce)) == (1, 1)

    # An hour on: the session (8 hours) and nonce (2 hours) are not stale.
    first = housekeeping.run_due(padu.runtime, now=utcnow() + HOUR)
    assert first == {"launch_sessions": 0, "nonces": 0, "jobs": 0, "coaching_superseded": 0,
                     "coaching_orphans": 0, "readiness_orphans": 0}
    assert (_count(padu, LaunchSession), _count(padu, UsedNonce)) == (1, 1)
    assert browser.session.get(padu.url + "/home", params={"s": token}).status_code == 200

    # Not again the same day, whatever has expired meanwhile.
    assert housekeeping.run_due(padu.runtime, now=utcnow() + 9 * HOUR) is None
    assert _count(padu, LaunchSession) == 1

    # A day later: the expired session goes with its AGS/NRPS claims and session data.
    later = housekeeping.run_due(padu.runtime, now=utcnow() + 26 * HOUR)
    assert later["launch_sessions"] == 1 and later["nonces"] == 1
    assert (_count(padu, LaunchSession), _count(padu, UsedNonce)) == (0, 0)


@pytest.fixture
def runtime(tmp_path):
    settings = load_settings(environ={}, data_dir=tmp_path / "instance", worker_poll_seconds=0.01)
    runtime = Runtime.build(settings)
    load_models()
    Base.metadata.create_all(runtime.engine)
    yield runtime
    runtime.engine.dispose()


def test_of_several_workers_only_one_runs_it_each_day(runtime):
    other_worker = Runtime.build(runtime.settings)
    now = utcnow()
    try:
        assert housekeeping.run_due(runtime, now) is not None
        assert housekeeping.run_due(other_worker, now + dt.timedelta(seconds=1)) is None
        assert housekeeping.run_due(runtime, now + 23 * HOUR) is None
        assert housekeeping.run_due(other_worker, now + 24 * HOUR) is not None
        assert housekeeping.run_due(runtime, now + 24 * HOUR + dt.timedelta(seconds=1)) is None
    finally:
        other_worker.engine.dispose()


def test_the_worker_loop_runs_housekeeping_and_outlives_its_failure(runtime, monkeypatch, caplog):
    stop = threading.Event()
    calls = []

    def run_due(_runtime, _now=None):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("disk on fire")
        stop.set()

    monkeypatch.setattr(housekeeping, "run_due", run_due)
    loop = threading.Thread(target=worker.run_forever, args=(runtime, stop), daemon=True)
    loop.start()
    loop.join(timeout=10)
    assert not loop.is_alive() and len(calls) == 2
    assert "housekeeping failed" in caplog.text and "disk on fire" in caplog.text


def test_a_failing_step_does_not_keep_the_others_from_running(runtime, monkeypatch):
    def broken_disk(*_args, **_kwargs):
        raise PermissionError("read-only file system")

    monkeypatch.setattr(housekeeping, "sweep_uploads", broken_disk)
    counts = housekeeping.run_due(runtime)
    assert counts == {"launch_sessions": 0, "nonces": 0, "jobs": 0}


@pytest.mark.postgres
def test_on_postgresql_one_worker_runs_it_and_the_sweep_query_works(tmp_path, postgres_url):
    import io

    from activities.coaching import KIND
    from activities.coaching.service import EvidenceStore, Upload, submit
    from activities.core import Activity, Role, upsert_course, upsert_membership, upsert_person
    from tests.rows import new_platform

    settings = load_settings(environ={}, data_dir=tmp_path / "instance", database_url=postgres_url,
                             keep_superseded_versions=1)
    first, second = Runtime.build(settings), Runtime.build(settings)
    try:
        load_models()
        Base.metadata.create_all(first.engine)
        store = EvidenceStore(settings.uploads_dir / "coaching")
        with first.session_factory() as db:
            platform = new_platform()
            db.add(platform)
            db.flush()
            course = upsert_course(db, platform.id, "2")
            budi = upsert_person(db, platform.id, "11")
            upsert_membership(db, course, budi, Role.LEARNER)
            task = Activity(course_id=course.id, kind=KIND, settings={})
            db.add(task)
            db.commit()
            for number in (1, 2, 3):
                submit(db, task, budi, files=[Upload(f"v{number}.pdf", io.BytesIO(b"%PDF-1.4\n"))], store=store)
                db.commit()
        now = utcnow()
        counts = housekeeping.run_due(first, now)
        assert counts["coaching_superseded"] == 1  # version 1: 2 newer versions, 1 kept
        assert housekeeping.run_due(second, now) is None
        assert len(list(store.base_dir.iterdir())) == 2
    finally:
        first.engine.dispose()
        second.engine.dispose()


def test_finished_jobs_are_deleted_a_month_after_they_finished_pending_ones_never(runtime):
    from activities.jobs import Job, JobStatus, enqueue

    now = utcnow()
    with runtime.session_factory() as db:
        ids = {}
        for name, status, finished in (("old_done", JobStatus.DONE, 31), ("old_failed", JobStatus.FAILED, 31),
                                       ("recent", JobStatus.DONE, 29), ("waiting", JobStatus.PENDING, None)):
            job = enqueue(db, "nrps.roster", platform_id=None)
            job.status = status.value
            job.created_at = now - dt.timedelta(days=60)
            job.finished_at = None if finished is None else now - dt.timedelta(days=finished)
            ids[name] = job.id
        db.commit()
    counts = housekeeping.run_due(runtime, now=now)
    assert counts["jobs"] == 2
    with runtime.session_factory() as db:
        assert {name for name, job_id in ids.items() if db.get(Job, job_id)} == {"recent", "waiting"}
