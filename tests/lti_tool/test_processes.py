"""Padu as operators run it: several gunicorn workers, separate grade workers, PostgreSQL.

These start real processes; they are the slowest tests and are marked ``slow``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from activities.core import Activity, Person
from activities.db import make_engine, make_session_factory
from activities.grades import ActivityProgress, GradeOutbox, GradingProgress, OutboxStatus, record_grade
from activities.jobs import LEASE
from config import load_settings
from lti_tool.migrations import upgrade
from tests.lti_tool.conftest import Connected, populate
from tests.padu_server import LOOPBACK_ALLOWED_ENV, free_port, wait_for_health

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]


def _env(data_dir: Path, base_url: str, database_url: str = "") -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PADU_")}
    env.update(PADU_DATA_DIR=str(data_dir), PADU_BASE_URL=base_url, PADU_EMBEDDED_WORKER="false",
               PADU_SECRET_KEY="test-secret-shared-by-all-workers-0123456789", PYTHONPATH=str(REPO),
               **LOOPBACK_ALLOWED_ENV,
               # Dozens of learners launch from one address here; the login limit has its own tests.
               PADU_LOGIN_RATE_PER_MINUTE="0")
    if database_url:
        env["PADU_DATABASE_URL"] = database_url
    return env


class ProcessPadu:
    """Padu under gunicorn with N workers, reachable like PaduServer for the fixtures."""

    def __init__(self, data_dir: Path, workers: int, database_url: str = "", **extra_env: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = _env(data_dir, self.url, database_url) | extra_env
        self.settings = load_settings(environ=self.env)
        upgrade(self.settings)
        self._engine = make_engine(self.settings.sqlalchemy_url)
        self._factory = make_session_factory(self._engine)
        # Its log goes to a file, not a pipe nobody reads: an outage's tracebacks would fill a
        # pipe and stall the workers; the file says what went wrong when a test fails.
        self.log_path = data_dir / "gunicorn.log"
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-w", str(workers), "-k", "gthread", "--threads", "4",
                 "-b", f"127.0.0.1:{self.port}", "lti_tool.wsgi:app"],
                env=self.env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=log,
            )
        if wait_for_health(self.url, self.process, 30) is not None:
            return
        self.stop()
        raise RuntimeError("gunicorn did not start: " + self.log_tail())

    def log_tail(self, size: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-size:]

    def session(self):
        return self._factory()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._engine.dispose()


def test_launches_succeed_across_two_gunicorn_workers(tmp_path, lms):
    """The login and the launch land on different worker processes half the time;
    state and nonce live in the database, so every launch succeeds."""
    padu = ProcessPadu(tmp_path, workers=2)
    try:
        connected = Connected(lms, padu, populate(lms, padu))
        outcomes = []
        for _ in range(16):
            _browser, page = connected.launch("4")
            outcomes.append(page.status_code)
        assert outcomes == [200] * 16
    finally:
        padu.stop()


def _queue_grades(padu, activity_id: int, subs: list[str], per_learner: int, first_score: int = 10) -> None:
    with padu.session() as db:
        activity = db.get(Activity, activity_id)
        for round_ in range(per_learner):
            for sub in subs:
                person = db.scalars(select(Person).where(Person.sub == sub)).one()
                record_grade(db, activity, person, score_given=first_score + 10 * round_,
                             activity_progress=ActivityProgress.COMPLETED,
                             grading_progress=GradingProgress.FULLY_GRADED)
            db.commit()


def _worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "lti_tool.cli", "worker"], env=env, cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _wait_until_settled(padu, timeout=60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with padu.session() as db:
            pending = db.scalar(select(func.count()).where(GradeOutbox.status == OutboxStatus.PENDING.value))
        if not pending:
            return
        time.sleep(0.3)
    raise AssertionError(f"{pending} grades still pending")


def _learners(lms, count: int) -> list[str]:
    subs = []
    for n in range(count):
        sub = str(100 + n)
        lms.add_user(user_id=sub, given_name="Peserta", family_name=str(n), email=f"p{n}@example.go.id",
                     username=f"p{n}", roles=["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"], course_id="2")
        subs.append(sub)
    return subs


def _prepare(lms, padu, learners: int) -> tuple[int, list[str]]:
    connected = Connected(lms, padu, populate(lms, padu))
    subs = _learners(lms, learners)
    for sub in subs:
        connected.launch(sub)
    with padu.session() as db:
        activity = db.scalars(select(Activity)).one()
        activity.kind = "readiness"
        db.commit()
        return activity.id, subs


def _final_scores(lms) -> dict:
    final = {}
    for score in lms.scores:
        final[score["userId"]] = score["scoreGiven"]
    return final


def test_a_killed_worker_loses_no_grade_and_applies_none_out_of_order(tmp_path, lms, monkeypatch):
    padu = ProcessPadu(tmp_path, workers=1)
    try:
        activity_id, subs = _prepare(lms, padu, learners=30)
        # A slow platform, and the kill once scores are in flight: a whole wave (up to BATCH rows) is
        # posted at once, so waiting for scores to be recorded would wait for the wave to end.
        lms.response_delay = 0.5
        _queue_grades(padu, activity_id, subs, per_learner=1)
        first = _worker(padu.env)
        deadline = time.monotonic() + 30
        while lms.max_scores_in_flight < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        first.send_signal(signal.SIGKILL)
        first.wait()
        assert len(lms.scores) < 30, "the worker finished before it was killed; the test proves nothing"
        killed_at = time.monotonic()
        _queue_grades(padu, activity_id, subs[:5], per_learner=1, first_score=20)  # newer results for some
        with padu.session() as db:
            held = db.scalar(select(func.count()).where(GradeOutbox.leased_until.is_not(None),
                                                        GradeOutbox.status == OutboxStatus.PENDING.value))
        assert held, "the killed worker held no rows; the test proves nothing"
        second = _worker(padu.env)
        try:
            # The dead worker's rows come back when its short lease (no heartbeat renews it) runs
            # out: seconds, where a 120 s lease held them two minutes.
            _wait_until_settled(padu, timeout=LEASE.total_seconds() + 40)
        finally:
            second.terminate()
            second.wait(10)
        assert time.monotonic() - killed_at < 60
        final = _final_scores(lms)
        assert set(final) == set(subs)
        assert all(final[sub] == 10 for sub in subs[5:]) and all(final[sub] == 20 for sub in subs[:5])
        assert lms.same_pair_in_flight == 0
        # Per learner, the gradebook saw timestamps only grow.
        seen: dict[str, str] = {}
        for score in lms.scores:
            assert seen.get(score["userId"], "") < score["timestamp"]
            seen[score["userId"]] = score["timestamp"]
    finally:
        padu.stop()


def test_the_gradebook_down_for_a_while_then_back_holds_every_grade_and_drains(tmp_path, lms):
    """An AGS outage (minutes in production, seconds here): the grades wait, none fails, and
    once the platform answers again every learner's newest grade arrives, in order."""
    padu = ProcessPadu(tmp_path, workers=1)
    try:
        activity_id, subs = _prepare(lms, padu, learners=20)
        lms.fault("scores", (503, {}, ""))
        _queue_grades(padu, activity_id, subs, per_learner=1)
        worker = _worker(padu.env)
        try:
            deadline = time.monotonic() + 30
            while lms.request_counts["scores"] < 2 * len(subs) and time.monotonic() < deadline:
                time.sleep(0.1)  # every grade tried, and tried again, while the platform is down
            assert lms.request_counts["scores"] >= 2 * len(subs)
            _queue_grades(padu, activity_id, subs[:5], per_learner=1, first_score=20)  # newer results meanwhile
            time.sleep(2)
            with padu.session() as db:
                states = dict(db.execute(select(GradeOutbox.status, func.count()).group_by(GradeOutbox.status)).all())
            assert states == {OutboxStatus.PENDING.value: 20, OutboxStatus.SUPERSEDED.value: 5}, states
            assert lms.scores == []
            lms.fault("scores", None)  # the platform is back
            _wait_until_settled(padu, timeout=60)
        finally:
            worker.terminate()
            worker.wait(10)
        final = _final_scores(lms)
        assert final == {sub: 20 if sub in subs[:5] else 10 for sub in subs}
        assert len(lms.scores) == len(subs), "each learner's newest grade, once"
        assert lms.same_pair_in_flight == 0
    finally:
        padu.stop()


@pytest.mark.postgres
def test_two_workers_on_postgres_never_deliver_a_row_twice(tmp_path, lms, postgres_url):
    padu = ProcessPadu(tmp_path, workers=1, database_url=postgres_url)
    try:
        activity_id, subs = _prepare(lms, padu, learners=40)
        lms.response_delay = 0.01
        _queue_grades(padu, activity_id, subs, per_learner=1)
        workers = [_worker(padu.env), _worker(padu.env)]
        try:
            _wait_until_settled(padu)
        finally:
            for worker in workers:
                worker.terminate()
                worker.wait(10)
        delivered = [score["userId"] for score in lms.scores]
        assert sorted(delivered) == sorted(subs), "every grade exactly once"
        assert len(lms.scores) == 40
        assert lms.same_pair_in_flight == 0
    finally:
        padu.stop()


@pytest.mark.postgres
def test_two_workers_on_postgres_never_run_a_job_twice(tmp_path, lms, postgres_url):
    """Roster jobs (the ``job`` table, not the grade outbox) through the same claim and lease."""
    from activities.core import Course
    from activities.jobs import Job, JobStatus, enqueue
    from lti_tool.lti1p3.nrps import JOB_KIND

    padu = ProcessPadu(tmp_path, workers=1, database_url=postgres_url)
    try:
        connected = Connected(lms, padu, populate(lms, padu))
        connected.launch("3")  # the launch gives the course its NRPS endpoint
        lms.response_delay = 0.01
        with padu.session() as db:
            course = db.scalars(select(Course)).one()
            for _ in range(40):  # no dedup key: forty jobs, each must fetch the roster once
                enqueue(db, JOB_KIND, {"course_id": course.id}, platform_id=course.platform_id)
            db.commit()
        workers = [_worker(padu.env), _worker(padu.env)]
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with padu.session() as db:
                    pending = db.scalar(select(func.count()).select_from(Job)
                                        .where(Job.status == JobStatus.PENDING.value))
                if not pending:
                    break
                time.sleep(0.3)
        finally:
            for worker in workers:
                worker.terminate()
                worker.wait(10)
        with padu.session() as db:
            states = db.execute(select(Job.status, func.count()).group_by(Job.status)).all()
            leases = set(db.scalars(select(Job.leased_until).distinct()))
        assert dict(states) == {JobStatus.DONE.value: 40}
        assert lms.request_counts["nrps"] == 40, "every job exactly once"
        assert leases == {None}  # every lease ended with its job
    finally:
        padu.stop()
