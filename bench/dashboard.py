"""Course dashboard benchmark: `python bench/dashboard.py` prints figures, then one JSON object; nothing here asserts.

The 5,000-learner course of bench/gating.py (3 phases, 10 requirements; readiness results, coaching tasks
accepted and waiting for review, coaching sessions, sign-offs), with its phase states stored, 50 coaches
sharing the learners, and 300 grades Moodle refused:

- the domain alone: every learner's row from the facts, the risks, the funnel, the workload and the grade
  sync (``activities.dashboard.service.dashboard``), best of three;
- the page as served, ``GET /c/<course>/dashboard`` through the real app (launch session, roster refresh
  request, template with 50 learners a page): computed afresh (``?fresh=1``; what the first visit of a
  minute pays), best of five; and within the minute the page reuses its figures
  (lti_tool/dashboard/boards.py), paging and filtering, the worst of six; target <= 300 ms for both, and
  whether each meets it is printed. The page computed afresh is also given in CPU time (time.process_time),
  which other processes on a shared machine do not inflate. Also the largest page's size, the CSV of all 5,000 rows, and the
  statements one computation runs.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, insert, select, update  # noqa: E402

from activities.core import Membership, Person  # noqa: E402
from activities.course.models import CoachAssignment  # noqa: E402
from activities.dashboard import service  # noqa: E402
from activities.db import Base, make_engine, make_session_factory, utcnow  # noqa: E402
from activities.gating.store import recompute  # noqa: E402
from activities.grades import GradeOutbox  # noqa: E402
from lti_tool.migrations import load_models  # noqa: E402
from lti_tool.models import LaunchSession  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_gating", Path(__file__).with_name("gating.py"))
assert _spec is not None and _spec.loader is not None
gating_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gating_bench)

LEARNERS = gating_bench.LEARNERS
COACHES = 50
FAILED = 300
#: Issue 14: the page answers in this many milliseconds, computed afresh or reused.
TARGET_MS = 300.0
#: Times the page is computed afresh (best, first and median are printed).
COLD_RUNS = 5


def verdict(ms: float) -> str:
    return f"target <= {TARGET_MS:.0f} ms {'met' if ms <= TARGET_MS else 'NOT met'}"


def prepare(factory) -> tuple[int, int]:
    """The gating bench's course, its states stored, coaches and refused grades; (course id, staff id)."""
    with factory() as session:
        course_id = gating_bench.seed(session)
    with factory() as session:
        recompute(session, course_id)  # the stored phase states the dashboard reads (and 15,000 gate grades)
        session.commit()
    with factory() as session:
        now = utcnow()
        learners = list(session.scalars(select(Membership.person_id).where(Membership.course_id == course_id)))
        platform_id = session.scalar(select(Person.platform_id).where(Person.id == learners[0]))
        first = max(learners) + 1
        session.execute(insert(Person.__table__), [
            {"id": first + n, "platform_id": platform_id, "sub": f"coach{n}", "name": f"Fasilitator {n}",
             "email": "", "username": "", "created_at": now} for n in range(COACHES + 1)])
        staff_id = first + COACHES
        session.execute(insert(Membership.__table__), [
            {"course_id": course_id, "person_id": first + n, "role": "facilitator" if n < COACHES else "staff",
             "source": "launch", "updated_at": now} for n in range(COACHES + 1)])
        session.execute(insert(CoachAssignment.__table__), [
            {"course_id": course_id, "coach_id": first + i % COACHES, "learner_id": learner, "created_at": now,
             "updated_at": now} for i, learner in enumerate(learners)])
        failed = list(session.scalars(select(GradeOutbox.id).order_by(GradeOutbox.id).limit(FAILED)))
        session.execute(update(GradeOutbox).where(GradeOutbox.id.in_(failed)).values(status="failed",
                                                                                     last_error="HTTP 400"))
        session.add(LaunchSession(id="bench", platform_id=platform_id, deployment_id="1", course_id=course_id,
                                  person_id=staff_id, message_type="LtiResourceLinkRequest", role="staff",
                                  expires_at=now + dt.timedelta(hours=8)))
        session.commit()
    return course_id, staff_id


def compute(factory, course_id: int) -> tuple[float, float, service.Dashboard]:
    """(wall seconds, CPU seconds, the dashboard) of one computation in a cold session."""
    with factory() as session:
        start, cpu = time.perf_counter(), time.process_time()
        board = service.dashboard(session, course_id)
        return time.perf_counter() - start, time.process_time() - cpu, board


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        engine = make_engine(url)
        load_models()
        Base.metadata.create_all(engine)
        factory = make_session_factory(engine)
        start = time.perf_counter()
        course_id, _staff_id = prepare(factory)
        print(f"seed: {LEARNERS} learners, {COACHES} coaches, states stored, {FAILED} refused grades in "
              f"{time.perf_counter() - start:.1f} s (not timed below)")

        domain = [compute(factory, course_id) for _ in range(3)]
        board = domain[-1][2]
        print(f"domain: rows, risks, funnel, workload, grade sync: best {min(t for t, _, _ in domain) * 1000:.0f} "
              f"ms, first {domain[0][0] * 1000:.0f} ms, CPU best {min(c for _, c, _ in domain) * 1000:.0f} ms "
              f"({len(board.rows)} rows, {len(board.risks)} risks, {len(board.workload)} coaches)")
        statements: list[str] = []
        event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
        compute(factory, course_id)
        statement_count = len(statements)
        print(f"statements for the whole course: {statement_count}")
        engine.dispose()

        from config import load_settings
        from lti_tool.app import create_app
        from lti_tool.sessions import token_for

        app = create_app(load_settings(environ={}, data_dir=Path(folder) / "padu", database_url=url,
                                       embedded_worker=False))
        with app.app_context(), factory() as session:
            token = token_for(session.get(LaunchSession, "bench"))
        client = app.test_client()

        cpu_of: dict[str, float] = {}

        def get(path: str, **query: str) -> tuple[float, bytes]:
            start, cpu = time.perf_counter(), time.process_time()
            response = client.get(path, query_string={"s": token, **query}, headers={"Accept-Encoding": "identity"})
            assert response.status_code == 200, response.status_code
            cpu_of[path + "?" + "&".join(query)] = time.process_time() - cpu
            return time.perf_counter() - start, response.data

        page = f"/c/{course_id}/dashboard"
        cold, cold_cpu = [], []
        for _ in range(COLD_RUNS):
            cold.append(get(page, fresh="1")[0])
            cold_cpu.append(cpu_of[page + "?fresh"])
        warm, size = [], 0
        for query in ({}, {"page": "7"}, {"q": "peserta 12"}, {"risk": "1", "page": "3"}, {}, {"page": "100"}):
            seconds, body = get(page, **query)
            warm.append(seconds)
            size = max(size, len(body))
        csv_seconds, exported = get(page + ".csv")
        best = min(cold)
        print(f"page GET {page}, computed afresh (?fresh=1, and once a minute): best of {COLD_RUNS} "
              f"{best * 1000:.0f} ms, first {cold[0] * 1000:.0f} ms, median {sorted(cold)[COLD_RUNS // 2] * 1000:.0f} "
              f"ms; CPU (time.process_time, what a noisy machine does not inflate) best {min(cold_cpu) * 1000:.0f} ms, "
              f"first {cold_cpu[0] * 1000:.0f} ms")
        print(f"page GET {page} within the minute (pages, name filter, at-risk filter): best {min(warm) * 1000:.0f} "
              f"ms, worst {max(warm) * 1000:.0f} ms; largest page {size / 1024:.0f} KB uncompressed (50 of "
              f"{LEARNERS} learners a page); CSV of every row {csv_seconds * 1000:.0f} ms ({len(exported) / 1024:.0f} KB)")
        print(f"cold path (computed afresh, best): {best * 1000:.0f} ms: {verdict(best * 1000)}")
        print(f"warm path (reused within the minute, worst): {max(warm) * 1000:.0f} ms: "
              f"{verdict(max(warm) * 1000)}")
        print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
              "(wall time on a shared machine runs long)")
    print(json.dumps({
        "learners": LEARNERS, "coaches": COACHES, "failed_grades": FAILED,
        "domain_ms": round(min(t for t, _, _ in domain) * 1000, 1),
        "domain_cpu_ms": round(min(c for _, c, _ in domain) * 1000, 1), "statements": statement_count,
        "page_fresh_ms": round(best * 1000, 1), "page_fresh_first_ms": round(cold[0] * 1000, 1),
        "page_fresh_median_ms": round(sorted(cold)[COLD_RUNS // 2] * 1000, 1),
        "page_fresh_cpu_ms": round(min(cold_cpu) * 1000, 1), "page_fresh_first_cpu_ms": round(cold_cpu[0] * 1000, 1),
        "page_ms": round(max(warm) * 1000, 1), "page_best_ms": round(min(warm) * 1000, 1),
        "page_kb": round(size / 1024, 1), "csv_ms": round(csv_seconds * 1000, 1),
        "load_average": round(os.getloadavg()[0], 2), "targets": {"page_ms": TARGET_MS},
        "cold_target_met": best * 1000 <= TARGET_MS, "warm_target_met": max(warm) * 1000 <= TARGET_MS,
    }))


if __name__ == "__main__":
    main()
