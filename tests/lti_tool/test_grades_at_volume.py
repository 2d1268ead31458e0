"""Grades at volume: many learners' grades go out at once, each learner's in order, on one token.

The platform (tests/lms) answers slowly and counts the score POSTs it is answering
at the same time, overall and per learner × column.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select, update

from activities.core import Activity, Person
from activities.grades import ActivityProgress, GradeOutbox, GradingProgress, OutboxStatus, record_grade
from lti_tool import heartbeat, worker
from lti_tool.cache import MemoryCache
from lti_tool.lti1p3.access_tokens import AccessTokens
from lti_tool.lti1p3.ags import SCORE_SCOPES
from lti_tool.models import Platform
from tests.lti_tool.conftest import LEARNER

LEARNERS = 24


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr(worker, "backoff", lambda attempts: 0.0)


def _class_of(connected, count: int) -> tuple[int, list[int]]:
    """The launched activity and ``count`` enrolled learners (made directly, without launches)."""
    connected.launch("4")
    with connected.padu.session() as db:
        activity = db.scalars(select(Activity)).one()
        activity.kind = "readiness"
        people = []
        for n in range(count):
            sub = str(100 + n)
            connected.lms.add_user(user_id=sub, given_name="Peserta", family_name=str(n), email=f"p{n}@x.go.id",
                                   username=f"p{n}", roles=[LEARNER], course_id="2")
            people.append(Person(platform_id=activity.course.platform_id, sub=sub, name=f"Peserta {n}"))
        db.add_all(people)
        db.commit()
        return activity.id, [p.id for p in people]


def _record_all(connected, activity_id: int, people: list[int], score: float) -> None:
    with connected.padu.session() as db:
        activity = db.get(Activity, activity_id)
        for person_id in people:
            record_grade(db, activity, db.get(Person, person_id), score_given=score,
                         activity_progress=ActivityProgress.COMPLETED, grading_progress=GradingProgress.FULLY_GRADED)
        db.commit()


def test_many_learners_grades_go_out_at_once_and_each_learners_in_order(connected):
    activity_id, people = _class_of(connected, LEARNERS)
    lms = connected.lms
    lms.response_delay = 0.1
    _record_all(connected, activity_id, people, 10)
    first_batch = threading.Thread(target=worker.run_once, args=(connected.padu.runtime,))
    first_batch.start()
    while len(lms.scores) < 3 and first_batch.is_alive():  # some first grades are on their way …
        threading.Event().wait(0.01)
    _record_all(connected, activity_id, people, 20)  # … when every learner's next result comes in
    first_batch.join()
    for _ in range(10):
        if not worker.run_once(connected.padu.runtime):
            break

    assert lms.max_scores_in_flight > 1, "deliveries ran one after another"
    assert lms.same_pair_in_flight == 0, "two grades of one learner and column were on their way at once"
    final = {score["userId"]: score["scoreGiven"] for score in lms.scores}
    with connected.padu.session() as db:
        not_delivered = [(r.id, r.person_id, r.status, r.attempts, r.leased_until, r.last_error, r.score_given)
                 for r in db.scalars(select(GradeOutbox)) if r.status not in ("delivered",)]
    assert len(final) == LEARNERS, "\n".join(map(str, not_delivered))
    assert len(final) == LEARNERS and set(final.values()) == {20}, "the newest grade of every learner"
    applied: dict[str, list] = {}
    for score in lms.scores:
        applied.setdefault(score["userId"], []).append(score["scoreGiven"])
    assert all(scores in ([10, 20], [20]) for scores in applied.values()), applied
    assert len(lms.token_requests) == 1
    with connected.padu.session() as db:
        rows = db.scalars(select(GradeOutbox)).all()
        assert {row.status for row in rows} <= {OutboxStatus.DELIVERED.value, OutboxStatus.SUPERSEDED.value}
        assert {row.leased_until for row in rows} == {None}, "every lease ended, replaced rows' too"


def test_a_row_replaced_while_on_its_way_keeps_when_it_was_delivered(connected):
    """The next grade of the learner is stamped after that moment (Moodle refuses a score
    not newer, to the second, than its save of the previous one)."""
    activity_id, people = _class_of(connected, 1)
    runtime = connected.padu.runtime
    real = runtime.ags.post_score

    def record_newer_meanwhile(platform, url, user_id, score):
        real(platform, url, user_id, score)
        if score["scoreGiven"] == 10:
            _record_all(connected, activity_id, people, 20)

    runtime.ags.post_score = record_newer_meanwhile
    try:
        _record_all(connected, activity_id, people, 10)
        worker.run_once(runtime)
    finally:
        del runtime.ags.post_score
    with connected.padu.session() as db:
        first, second = db.scalars(select(GradeOutbox).order_by(GradeOutbox.id)).all()
        assert (first.status, first.leased_until) == (OutboxStatus.SUPERSEDED.value, None)
        assert first.delivered_at is not None
        assert second.status == OutboxStatus.PENDING.value
    worker.run_once(runtime)
    assert [s["scoreGiven"] for s in connected.lms.scores] == [10, 20]


def test_threads_without_a_token_share_one_token_request(connected):
    connected.launch("4")
    runtime = connected.padu.runtime
    shared = MemoryCache()  # one cache for two "processes", as Redis is for several workers
    clients = [AccessTokens(runtime.settings, shared, runtime.http, runtime.session_factory) for _ in range(2)]
    with connected.padu.session() as db:
        platform = db.scalars(select(Platform)).one()
        db.expunge(platform)
    start = threading.Barrier(16)
    tokens = []

    def fetch(client):
        start.wait()
        tokens.append(client.get(platform, SCORE_SCOPES))

    threads = [threading.Thread(target=fetch, args=(clients[n % 2],)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(tokens) == 16 and len(set(tokens)) == 1
    assert len(connected.lms.token_requests) == 1


def test_a_401_forgets_only_the_token_it_was_given(connected):
    """A thread refused with an old token must not throw away the new one another thread fetched."""
    connected.launch("4")
    runtime = connected.padu.runtime
    tokens = AccessTokens(runtime.settings, MemoryCache(), runtime.http, runtime.session_factory)
    with connected.padu.session() as db:
        platform = db.scalars(select(Platform)).one()
    fresh = tokens.get(platform, SCORE_SCOPES)
    tokens.invalidate(platform, SCORE_SCOPES, "an-older-token")
    assert tokens.get(platform, SCORE_SCOPES) == fresh
    tokens.invalidate(platform, SCORE_SCOPES, fresh)
    assert tokens.get(platform, SCORE_SCOPES) != fresh
    assert len(connected.lms.token_requests) == 2


def test_a_grade_waits_while_an_older_one_of_its_learner_is_on_its_way(connected):
    activity_id, people = _class_of(connected, 2)
    _record_all(connected, activity_id, people[:1], 10)
    with connected.padu.session() as db:
        assert worker.claim(db, "slow-worker") == [1]  # on its way, on another worker
    _record_all(connected, activity_id, people, 20)  # replaces it; the other learner's grade is free
    assert worker.run_once(connected.padu.runtime) == 1
    assert [(s["userId"], s["scoreGiven"]) for s in connected.lms.scores] == [("101", 20)]
    with connected.padu.session() as db:  # the slow worker's lease ends (it died, or settled)
        db.execute(update(GradeOutbox).where(GradeOutbox.id == 1).values(leased_until=None))
        db.commit()
    assert worker.run_once(connected.padu.runtime) == 1
    assert [(s["userId"], s["scoreGiven"]) for s in connected.lms.scores] == [("101", 20), ("100", 20)]


def test_a_batch_costs_a_few_statements_not_a_few_per_grade(connected):
    """Claim, attempts, stamps and outcomes are written per wave: the statements a batch runs do
    not grow with its number of grades (the heartbeat's renewals aside)."""
    from sqlalchemy import event

    activity_id, people = _class_of(connected, 24)
    runtime = connected.padu.runtime
    engine = runtime.session_factory.kw["bind"]
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if threading.current_thread().name == heartbeat.THREAD_NAME:
            return  # a renewal comes when the batch runs longer than a beat: on a loaded machine, at random
        if "grade_outbox" in statement and not statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        measured = []
        for learners in (people[:4], people[4:24]):
            statements.clear()
            _record_all(connected, activity_id, learners, 7)
            statements.clear()
            assert worker.run_once(runtime) == len(learners)
            measured.append(len(statements))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # the claim, the attempts, the stamps, the outcomes, when they were stored, the leases ended
    assert measured[0] == measured[1] <= 6, measured
    assert sorted(s["scoreGiven"] for s in connected.lms.scores) == [7] * 24


def _scores_of(lms, score: float) -> set[str]:
    return {s["userId"] for s in list(lms.scores) if s["scoreGiven"] == score}


def _wait_for(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_a_slow_score_holds_up_no_other_grade_of_the_stream(connected):
    """A platform lane sends its grades as a stream, not in lock-step waves: while one learner's
    score is still on its way, the others' next grades are claimed and delivered — each learner's
    still in order, never two of one learner at once."""
    activity_id, people = _class_of(connected, 8)
    lms, runtime = connected.lms, connected.padu.runtime
    real = runtime.ags.post_score
    others_delivered = threading.Event()
    slow = "100"

    def post_score(platform, url, user_id, score):
        if user_id == slow and score["scoreGiven"] == 10:
            others_delivered.wait(30)  # on its way until every other learner's next grade has arrived
        real(platform, url, user_id, score)

    with connected.padu.session() as db:
        platform_id = db.get(Activity, activity_id).course.platform_id
    others = {str(100 + n) for n in range(1, 8)}
    runtime.ags.post_score = post_score
    me = worker.worker_id()
    try:
        _record_all(connected, activity_id, people, 10)
        lane = threading.Thread(target=worker.drain_platform, args=(
            runtime, me, platform_id, worker._claim_lane(runtime, me, platform_id), threading.Event()))
        lane.start()
        assert _wait_for(lambda: _scores_of(lms, 10) >= others)
        _record_all(connected, activity_id, people, 20)  # every learner's next result, the slow one's too
        streamed = _wait_for(lambda: _scores_of(lms, 20) >= others)
        others_delivered.set()
        lane.join(30)
    finally:
        others_delivered.set()
        del runtime.ags.post_score
    assert streamed, "the other learners' next grades waited for the slow score"
    assert not lane.is_alive()
    applied: dict[str, list] = {}
    for score in lms.scores:
        applied.setdefault(score["userId"], []).append(score["scoreGiven"])
    assert applied == {user: [10, 20] for user in others | {slow}}
    assert lms.same_pair_in_flight == 0
    with connected.padu.session() as db:
        rows = db.scalars(select(GradeOutbox)).all()
        assert {row.status for row in rows} <= {OutboxStatus.DELIVERED.value, OutboxStatus.SUPERSEDED.value}
        assert {row.leased_until for row in rows} == {None}, "every lease ended"
