"""Grades at volume: `python bench/grades.py` prints figures, then one JSON object; nothing here asserts.

10,000 scores go through the grade outbox to a local AGS endpoint in its own
process (bench/ags_server.py) that answers after 20 ms, with HTTP 500 for 5% of
the scores and 429 with ``Retry-After: 1`` for 1%. ``padu worker`` runs as
operators run it, in its own process(es) (``--workers``), on SQLite or on
PostgreSQL (``--postgres``).

The scores: 2,500 learners × 2 columns, two scores each (``scoreGiven`` 1 then 2).
The first 5,000 are recorded at once; each second one is recorded (by
``record_grade``, as a learner's next result would be, each in a transaction of its own,
by ``--writers`` threads) as soon as the worker has taken up (stamped for sending) the
first one of its learner and column — sometimes while it is still on its way, the hardest
case for order (the rows "superseded" in ``outbox_states``).
``--slow`` makes a share of the POSTs answer slowly (``--slow-latency``), as a busy Moodle does.

Reported: scores delivered (applied by the gradebook), lost (a learner × column
whose gradebook score is not its newest recorded one, or a row left failed),
applied out of order, two scores of one learner × column in flight at once,
retries sooner than Retry-After, token requests, grades/s (scores applied per
second, from the commit of the first wave to the last row settled), and the
worker processes' CPU per grade (on a shared machine, grades/s follows the CPU
the workers get; the machine's load average is printed beside it), the CPU of the
gradebook and of the bench's own process, and when the worker took up the last first
score and the bench recorded the last second one (if the second is much later, the
bench's recording, not Padu, set the pace).
Targets (issue 16): 0 lost, 0 out of order, >= 200 grades/s, one token request
per platform per token lifetime.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import requests  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from activities.core import Activity, Course, Person  # noqa: E402
from activities.db import make_engine, make_session_factory  # noqa: E402
from activities.grades import ActivityProgress, GradeOutbox, GradingProgress, OutboxStatus, record_grade  # noqa: E402
from bench.ags_server import serve  # noqa: E402
from bench.proc_cpu import cpu_seconds  # noqa: E402
from config import load_settings  # noqa: E402
from lti_tool.lti1p3.registry import add_platform  # noqa: E402
from lti_tool.migrations import upgrade  # noqa: E402
from tests.services import drop_postgres_database, postgres_database, redis_url  # noqa: E402

LOOPBACK = {"PADU_OUTBOUND_ALLOW_HOSTS": "127.0.0.1", "PADU_OUTBOUND_ALLOW_PORTS": "*"}


def start_gradebook(latency: float, p500: float, p429: float, retry_after: float, slow_share: float = 0.0,
                    slow_latency: float = 0.0):
    receive, send = multiprocessing.Pipe(duplex=False)
    process = multiprocessing.get_context("spawn").Process(
        target=serve, args=(send, latency, p500, p429, retry_after, slow_share, slow_latency), daemon=True)
    process.start()
    return process, f"http://127.0.0.1:{receive.recv()}"


def seed(factory, url: str, learners: int, columns: int) -> tuple[list[int], list[int]]:
    """The platform, one course, ``columns`` activities with a line item each, the learners."""
    with factory() as session:
        platform = add_platform(session, issuer=url, client_id="bench", auth_login_url=url + "/auth",
                                auth_token_url=url + "/token", key_set_url=url + "/certs", deployment_ids=["1"])
        session.flush()
        course = Course(platform_id=platform.id, lti_context_id="2", title="Latsar CPNS")
        session.add(course)
        session.flush()
        activities = [Activity(course_id=course.id, kind="readiness", title=f"Kolom {n}", settings={},
                               lineitem_url=f"{url}/lineitems/{n}/lineitem") for n in range(columns)]
        people = [Person(platform_id=platform.id, sub=f"u{n}", name=f"Peserta {n}") for n in range(learners)]
        session.add_all(activities + people)
        session.commit()
        return [a.id for a in activities], [p.id for p in people]


def record(session, activity_id: int, person_id: int, score: float) -> None:
    activity, person = session.get(Activity, activity_id), session.get(Person, person_id)  # the identity map's
    record_grade(session, activity, person, score_given=score,
                 score_maximum=10, activity_progress=ActivityProgress.COMPLETED,
                 grading_progress=GradingProgress.FULLY_GRADED)


def record_second_scores(factory, pairs: list[tuple[int, int]], stop: threading.Event, done: list,
                         writers: int) -> None:
    """Each pair's second score, as soon as the worker has taken up its first (stamped it for sending),
    each in a transaction of its own, as the web request recording a learner's next result commits
    it, by ``writers`` threads, as several web requests record at once.

    (One transaction for every score found in a look held SQLite's only write lock for hundreds of
    milliseconds at a time, so the worker's statements waited on the bench, not on Padu; and one
    thread recording one score at a time could not keep up with the worker on PostgreSQL, so the
    figure was the bench's recording speed.) The look for newly stamped rows reads only those
    stamped in the last seconds: scanning every row 50 times a second took CPU from the worker."""
    waiting = set(pairs)
    firsts = len(pairs)  # the first scores are rows 1..len(pairs)
    since = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    work: queue.SimpleQueue[tuple[int, int] | None] = queue.SimpleQueue()
    threads = [threading.Thread(target=_write_second_scores, args=(factory, work, done)) for _ in range(writers)]
    for thread in threads:
        thread.start()
    try:
        with factory() as session:
            while waiting and not stop.is_set():
                taken = session.execute(
                    select(GradeOutbox.activity_id, GradeOutbox.person_id, GradeOutbox.stamped_at)
                    .where(GradeOutbox.id <= firsts,
                           GradeOutbox.stamped_at >= since)  # every first score is stamped before it leaves pending
                ).all()
                session.rollback()
                if taken:  # a stamp commits a moment after it is written: look a few seconds back
                    since = max(row.stamped_at for row in taken) - dt.timedelta(seconds=5)
                ready = [pair for pair in ((row.activity_id, row.person_id) for row in taken) if pair in waiting]
                for pair in ready:
                    waiting.discard(pair)
                    work.put(pair)
                time.sleep(0.02)
    finally:
        for _thread in threads:
            work.put(None)
        for thread in threads:
            thread.join()


def _write_second_scores(factory, work: queue.SimpleQueue, done: list) -> None:
    with factory(expire_on_commit=False) as session:
        # Activities and people read once per thread (a web request has them from its launch).
        loaded = (session.scalars(select(Activity)).all(), session.scalars(select(Person)).all())
        session.commit()
        while (pair := work.get()) is not None:
            record(session, *pair, 2)
            session.commit()
            done.append(time.monotonic())
        del loaded


def forget_cached_tokens(url: str) -> None:
    """A fresh database numbers its platform 1 again: an access token an earlier run cached in
    Redis for platform 1 would be taken for this run's, and the token requests read 0."""
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match="padu:token:*"):
        client.delete(key)


def start_workers(count: int, env: dict, log_dir: str) -> list[subprocess.Popen]:
    """``padu worker`` processes; their log goes to a file (a pipe nobody reads would block them)."""
    workers = []
    for n in range(count):
        with open(Path(log_dir) / f"worker-{n}.log", "wb") as log:
            workers.append(subprocess.Popen([sys.executable, "-m", "lti_tool.cli", "worker"], env=env, cwd=REPO,
                                            stdout=log, stderr=subprocess.STDOUT))
    return workers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=2500)
    parser.add_argument("--columns", type=int, default=2)
    parser.add_argument("--workers", type=int, default=1, help="padu worker processes")
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--p500", type=float, default=0.05)
    parser.add_argument("--p429", type=float, default=0.01)
    parser.add_argument("--retry-after", type=float, default=1.0)
    parser.add_argument("--slow", type=float, default=0.0,
                        help="share of score POSTs answered after --slow-latency instead (a busy Moodle's slow answers)")
    parser.add_argument("--slow-latency", type=float, default=0.5)
    parser.add_argument("--postgres", action="store_true",
                        help="a fresh database on PADU_TEST_POSTGRES_URL's server (dropped afterwards), not SQLite")
    parser.add_argument("--redis", action="store_true",
                        help="share caches (the access token) through PADU_TEST_REDIS_URL, as several hosts do")
    parser.add_argument("--writers", type=int, default=None,
                        help="threads recording the second scores, each score in its own transaction (default: "
                             "4 on SQLite, where more only wait for its one write lock; 8 on PostgreSQL, where 4 "
                             "fell 10-20 s behind the workers and the figure measured the bench)")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()

    if args.writers is None:
        args.writers = 8 if args.postgres else 4
    database_url = postgres_database() if args.postgres else ""
    try:
        run(args, database_url)
    finally:
        if database_url:
            drop_postgres_database(database_url)


def run(args: argparse.Namespace, database_url: str) -> None:
    gradebook, url = start_gradebook(args.latency, args.p500, args.p429, args.retry_after, args.slow, args.slow_latency)
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PADU_")}
        env.update(PADU_DATA_DIR=tmp, PADU_SECRET_KEY="bench-secret-0123456789-0123456789", PYTHONPATH=str(REPO),
                   PADU_WORKER_POLL_SECONDS="0.2", **LOOPBACK)
        if database_url:
            env["PADU_DATABASE_URL"] = database_url
        if args.redis:
            env["PADU_REDIS_URL"] = redis_url()
            forget_cached_tokens(redis_url())
        settings = load_settings(environ=env)
        upgrade(settings)
        engine = make_engine(settings.sqlalchemy_url)
        factory = make_session_factory(engine)
        activity_ids, person_ids = seed(factory, url, args.learners, args.columns)
        pairs = [(a, p) for p in person_ids for a in activity_ids]
        workers = start_workers(args.workers, env, tmp)
        stop = threading.Event()
        try:
            time.sleep(3)  # the workers import Padu and start polling an empty outbox
            with factory() as session:
                started = time.monotonic()
                for activity_id, person_id in pairs:
                    record(session, activity_id, person_id, 1)
                session.commit()  # the worker sees the first wave from here: the clock starts
            begun, begun_utc = time.monotonic(), dt.datetime.now(dt.UTC)
            recorded_first = begun - started
            seconds: list[float] = []
            recorder = threading.Thread(target=record_second_scores, args=(factory, pairs, stop, seconds, args.writers))
            recorder.start()
            deadline = begun + args.timeout
            while time.monotonic() < deadline:
                time.sleep(0.25)
                with factory() as session:
                    pending = session.scalar(select(func.count()).where(
                        GradeOutbox.status == OutboxStatus.PENDING.value))
                if not pending and not recorder.is_alive():
                    break
            elapsed = time.monotonic() - begun
            stop.set()
            recorder.join()
        finally:
            worker_cpu = sum(cpu_seconds(worker.pid) or 0.0 for worker in workers)
            for worker in workers:
                worker.terminate()
            for worker in workers:
                try:
                    worker.wait(15)
                except subprocess.TimeoutExpired:
                    worker.kill()
        stats = requests.get(url + "/stats", timeout=30).json()
        gradebook_cpu = cpu_seconds(gradebook.pid) or 0.0
        bench_cpu = cpu_seconds(os.getpid()) or 0.0
        gradebook.terminate()
        with factory() as session:
            states = dict(session.execute(select(GradeOutbox.status, func.count()).group_by(GradeOutbox.status)).all())
            never_sent = session.scalar(select(func.count()).where(
                GradeOutbox.status == OutboxStatus.SUPERSEDED.value, GradeOutbox.stamped_at.is_(None)))
            newest = {(a, p): score for a, p, score in session.execute(
                select(GradeOutbox.activity_id, GradeOutbox.person_id, GradeOutbox.score_given)
                .where(GradeOutbox.id.in_(select(func.max(GradeOutbox.id))
                                          .group_by(GradeOutbox.activity_id, GradeOutbox.person_id))))}
            subs = {row.id: row.sub for row in session.execute(select(Person.id, Person.sub))}
            items = {a: str(n) for n, a in enumerate(activity_ids)}
            total = session.scalar(select(func.count()).select_from(GradeOutbox))
            first_taken = session.scalar(select(func.max(GradeOutbox.stamped_at)).where(GradeOutbox.id <= len(pairs)))
        engine.dispose()

    final = stats["final"]
    lost = sum(1 for (a, p), score in newest.items() if final.get(f"{items[a]} {subs[p]}") != score)
    lost += states.get(OutboxStatus.FAILED.value, 0)
    counts = stats["counts"]
    applied = counts.get("applied", 0)
    backend = "postgresql" if database_url else "sqlite"
    figures = {
        "scores_recorded": total, "delivered": applied, "lost": lost,
        "applied_out_of_order": counts.get("applied_out_of_order", 0),
        "same_pair_in_flight": counts.get("same_pair_in_flight", 0),
        "retried_before_retry_after": counts.get("retried_before_retry_after", 0),
        "superseded_before_sending": never_sent, "outbox_states": states,
        "token_requests": sum(stats["token_requests"].values()), "platforms": 1,
        "score_posts": counts.get("posts", 0), "http_500": counts.get("http_500", 0),
        "http_429": counts.get("http_429", 0), "http_409": counts.get("http_409", 0),
        "elapsed_seconds": round(elapsed, 2), "grades_per_second": round(applied / elapsed, 1),
        "first_wave_record_seconds": round(recorded_first, 2),
        "last_first_score_taken_up_at_seconds": round((first_taken - begun_utc).total_seconds(), 2) if first_taken else None,
        "last_second_score_recorded_at_seconds": round(max(seconds, default=begun) - begun, 2),
        "workers": args.workers, "database": backend, "redis": args.redis, "latency_ms": args.latency * 1000,
        "slow_share": args.slow, "slow_latency_ms": args.slow_latency * 1000,
        "worker_cpu_ms_per_grade": round(1000 * worker_cpu / max(1, applied), 2),
        "gradebook_cpu_ms_per_post": round(1000 * gradebook_cpu / max(1, counts.get("posts", 0)), 2),
        "bench_cpu_seconds": round(bench_cpu, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    print(f"grades: {total} scores recorded ({args.learners} learners x {args.columns} columns x 2), "
          f"{args.workers} padu worker process(es), {backend}")
    slow = f" ({args.slow:.0%} at {args.slow_latency * 1000:.0f} ms)" if args.slow else ""
    print(f"gradebook at {args.latency * 1000:.0f} ms{slow}: {figures['score_posts']} POSTs, {figures['http_500']} x 500, "
          f"{figures['http_429']} x 429 (Retry-After {args.retry_after:g} s), {figures['http_409']} x 409")
    print(f"delivered {applied}, lost {lost}, applied out of order {figures['applied_out_of_order']}, "
          f"same learner x column in flight at once {figures['same_pair_in_flight']}, "
          f"retried before Retry-After {figures['retried_before_retry_after']}, "
          f"replaced before sending {never_sent}")
    print(f"token requests: {figures['token_requests']} for 1 platform (token lifetime 3600 s)")
    print(f"throughput: {figures['grades_per_second']} grades/s ({applied} in {elapsed:.1f} s; target >= 200); "
          f"worker CPU {figures['worker_cpu_ms_per_grade']} ms per grade; machine load {figures['load_average_1min']}")
    print(f"CPU: the gradebook {figures['gradebook_cpu_ms_per_post']} ms per POST, "
          f"the bench process (recording, watching) {figures['bench_cpu_seconds']} s in all")
    print(f"the worker took up the last first score at {figures['last_first_score_taken_up_at_seconds']} s, "
          f"the bench recorded the last second score at {figures['last_second_score_recorded_at_seconds']} s "
          f"({args.writers} recording threads)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
