"""The staff overview: where learners stand, each coach's load, review times, a safe CSV."""

import csv
import datetime as dt
import io

from activities.coaching.service import assign_coach, overview, overview_csv, review, submit
from activities.core import Role

from .conftest import FULL_MARKS

UTC = dt.UTC
T0 = dt.datetime(2026, 3, 2, 8, tzinfo=UTC)


def _scenario(db, task, people, make_person):
    eko = make_person("Eko")  # no coach, never submits
    fajar = make_person("Fajar")  # no coach, waiting
    assign_coach(db, task.course, people.coach, people.budi)
    assign_coach(db, task.course, people.other_coach, people.dewi)
    budi = submit(db, task, people.budi, reflection="a", now=T0)
    review(db, task, budi, people.coach, Role.FACILITATOR, version_number=1, decision="accept",
           selection=FULL_MARKS, now=T0 + dt.timedelta(hours=2))
    dewi = submit(db, task, people.dewi, reflection="a", now=T0)
    review(db, task, dewi, people.other_coach, Role.FACILITATOR, version_number=1, decision="revise",
           feedback="Lagi", now=T0 + dt.timedelta(hours=4))
    submit(db, task, fajar, reflection="a", now=T0)
    return eko, fajar


def test_counts_by_state(db, task, people, make_person):
    _scenario(db, task, people, make_person)
    result = overview(db, task, now=T0 + dt.timedelta(days=4))
    assert (result.learners, result.not_submitted, result.submitted) == (4, 1, 3)
    assert (result.waiting_review, result.revision_requested, result.accepted) == (1, 1, 1)
    assert (result.overdue, result.unassigned_waiting, result.late) == (1, 1, 0)
    assert result.average_review_time == dt.timedelta(hours=3)


def test_per_coach_workload(db, task, people, make_person):
    _scenario(db, task, people, make_person)
    submit(db, task, people.dewi, reflection="b", now=T0 + dt.timedelta(days=1))
    loads = {load.coach.name: load for load in overview(db, task, now=T0 + dt.timedelta(days=1)).coaches}
    assert set(loads) == {"Rahmat", "Wulan"}
    rahmat, wulan = loads["Rahmat"], loads["Wulan"]
    assert (rahmat.coachees, rahmat.waiting, rahmat.reviews, rahmat.average_review_time) == (
        1, 0, 1, dt.timedelta(hours=2))
    assert (wulan.coachees, wulan.waiting, wulan.overdue, wulan.reviews) == (1, 1, 0, 1)


def test_an_empty_task_has_no_review_time(db, task, people):
    result = overview(db, task)
    assert result.submitted == 0 and result.learners == 2 and result.average_review_time is None


def test_csv_has_a_row_per_learner(db, task, people, make_person):
    _scenario(db, task, people, make_person)
    rows = list(csv.DictReader(io.StringIO(overview_csv(db, task))))
    by_name = {row["learner"]: row for row in rows}
    assert list(by_name) == ["Budi", "Dewi", "Eko", "Fajar"]
    assert by_name["Budi"]["status"] == "accepted" and by_name["Budi"]["score"] == "100"
    assert by_name["Budi"]["coach"] == "Rahmat"
    assert by_name["Dewi"]["status"] == "revision_requested" and by_name["Dewi"]["score"] == ""
    assert by_name["Eko"]["status"] == "not_submitted"


def test_csv_cells_cannot_become_formulas(db, task, make_person):
    for name in ('=HYPERLINK("http://evil","klik")', "+1+1", "-2", "@SUM(A1)"):
        submit(db, task, make_person(name), reflection="a")
    text = overview_csv(db, task)
    names = [row["learner"] for row in csv.DictReader(io.StringIO(text))]
    assert all(name.startswith("'") for name in names), names
