"""Attendance benchmark: `python bench/meetings.py` prints figures, then one JSON object; nothing here asserts.

A 5,000-learner course on SQLite with 24 meetings over its three phases (12 past, a few for a group
only) and 60,000 attendance marks:

- the course fact ``attendance`` (the course dashboard's "percent of the meetings so far") for every
  learner, cold session, best of three, and its SQL statement count; target <= 500 ms, 2 statements;
- the gate requirement ``attendance`` evaluated for every learner (a recompute's share); target <= 500 ms;
- one facilitator's mark of one learner, with the learner's recompute, committed; target <= 50 ms.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event, insert, select  # noqa: E402

from activities import registry  # noqa: E402
from activities.core import Course, Membership, Person, Role  # noqa: E402
from activities.db import Base, make_engine, make_session_factory, utcnow  # noqa: E402
from activities.gating.models import Phase, Program, Requirement  # noqa: E402
from activities.gating.requirements import Evaluation, RequirementPlan, get  # noqa: E402
from activities.meetings import service  # noqa: E402
from activities.meetings.models import Attendance, Meeting  # noqa: E402
from lti_tool.migrations import load_models  # noqa: E402
from lti_tool.models import Platform  # noqa: E402

LEARNERS = 5000
MEETINGS = 24


def seed(session) -> tuple[int, int, list[int], int]:
    rnd = random.Random(13)
    now = utcnow()
    platform = Platform(issuer="https://lms.bench.go.id", client_id="c", auth_login_url="x", auth_token_url="x",
                        key_set_url="x")
    session.add(platform)
    session.flush()
    course = Course(platform_id=platform.id, lti_context_id="1", title="Latsar CPNS Angkatan I")
    coach = Person(platform_id=platform.id, sub="coach", name="Rahmat")
    session.add_all([course, coach])
    session.flush()
    session.add(Membership(course_id=course.id, person_id=coach.id, role=Role.FACILITATOR.value))
    session.execute(insert(Person), [{"platform_id": platform.id, "sub": f"l{i}", "name": f"Peserta {i}",
                                      "email": "", "username": "", "created_at": now} for i in range(LEARNERS)])
    ids = list(session.scalars(select(Person.id).where(Person.sub.like("l%")).order_by(Person.id)))
    session.execute(insert(Membership), [{"course_id": course.id, "person_id": i, "role": "learner",
                                          "source": "roster", "updated_at": now} for i in ids])
    program = Program(course_id=course.id, title="Latsar", phases=[
        Phase(position=n, kind=kind, title=kind) for n, kind in enumerate(("mandiri", "jarak_jauh", "klasikal"))])
    session.add(program)
    session.flush()
    jarak_jauh = program.phases[1]
    session.add(Requirement(phase_id=jarak_jauh.id, kind="attendance", params={"phase_id": jarak_jauh.id,
                                                                               "percent": 80}))
    start = now - dt.timedelta(days=12)
    meetings = []
    for n in range(MEETINGS):
        begins = start + dt.timedelta(days=n)
        group = rnd.sample(ids, 40) if n % 6 == 5 else None
        meetings.append(Meeting(course_id=course.id, phase_id=program.phases[1 + n % 2].id, title=f"Pertemuan {n}",
                                kind="online", link="https://meet.example/x", starts_at=begins,
                                ends_at=begins + dt.timedelta(hours=2), learner_ids=group))
    session.add_all(meetings)
    session.flush()
    past = [m for m in meetings if m.ends_at <= now]
    rows = [{"meeting_id": m.id, "learner_id": i, "status": rnd.choice(("present", "present", "late", "excused",
                                                                         "absent")),
             "recorded_by": coach.id, "recorded_at": now, "how": "grid", "note": ""}
            for m in past for i in (m.learner_ids or ids)]
    session.execute(insert(Attendance), rows)
    session.commit()
    return course.id, jarak_jauh.id, ids, len(rows)


def best_of(runs: int, work) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    load_models()
    registry.known_kinds()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{os.path.join(folder, 'bench.sqlite3')}")
        Base.metadata.create_all(engine)
        sessions = make_session_factory(engine)
        with sessions() as session:
            course_id, phase_id, ids, marks = seed(session)
        provider = registry.course_facts()["attendance"]()
        statements: list[str] = []

        def fact() -> None:
            with sessions() as session:
                provider.facts(session, course_id, ids)

        fact_seconds = best_of(3, fact)
        event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
        fact()
        fact_statements = len(statements)

        def requirement() -> None:
            with sessions() as session:
                rid = session.scalar(select(Requirement.id).where(Requirement.kind == "attendance"))
                plan = RequirementPlan(rid, "attendance", {"phase_id": phase_id, "percent": 80})
                get("attendance").evaluate(Evaluation(session, course_id, ids), plan)

        requirement_seconds = best_of(3, requirement)

        def one_mark() -> None:
            with sessions() as session:
                program = session.scalars(select(Program)).one()
                meeting = next(m for m in session.scalars(select(Meeting).order_by(Meeting.id)) if m.learner_ids is None)
                coach = session.scalars(select(Person).where(Person.sub == "coach")).one()
                service.mark(session, program, meeting, coach, Role.FACILITATOR, ids[len(ids) // 2],
                             random.choice(("present", "late", "absent")))
                session.commit()

        mark_seconds = best_of(3, one_mark)
    figures = {"learners": LEARNERS, "meetings": MEETINGS, "attendance_marks": marks,
               "course_fact_ms": round(fact_seconds * 1000, 1), "course_fact_statements": fact_statements,
               "requirement_ms": round(requirement_seconds * 1000, 1), "one_mark_with_recompute_ms":
               round(mark_seconds * 1000, 1)}
    print(f"{LEARNERS} learners, {MEETINGS} meetings, {marks} attendance marks (SQLite)")
    print(f"course fact 'attendance' for every learner: {figures['course_fact_ms']} ms "
          f"({fact_statements} statements; target <= 500 ms, 2 statements)")
    print(f"requirement 'attendance' for every learner: {figures['requirement_ms']} ms (target <= 500 ms)")
    print(f"one mark with the learner's recompute, committed: {figures['one_mark_with_recompute_ms']} ms "
          "(target <= 50 ms)")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
