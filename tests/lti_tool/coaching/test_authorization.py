"""Who may see and do what: a learner sees only their own work, a coach their coachees', staff everyone's."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from activities.coaching.models import Review, Submission
from activities.core import Activity

from .conftest import PDF


def _file_link(task, user) -> str:
    page = user.get(task.path("/"))
    return re.search(r'href="(/a/[^"?]*/files/\d+)', page.text).group(1)


def test_a_learner_cannot_open_another_learners_work_or_file(task):
    task.hand_in(task.budi, files={"files": ("laporan.pdf", PDF, "application/pdf")})
    link = _file_link(task, task.budi)
    assert task.dewi.get(link).status_code == 404
    assert task.dewi.get(task.learner_path("4")).status_code == 403
    # Not even by pretending the file is theirs.
    dewi_path = link.replace(f"/learners/{task.person_id('4')}/", f"/learners/{task.person_id('5')}/")
    assert task.dewi.get(dewi_path).status_code == 404
    assert "Saya menerapkan" not in task.dewi.get(task.path("/")).text


def test_a_facilitator_who_is_not_the_coach_can_neither_see_nor_review(task):
    task.hand_in(task.budi, files={"files": ("laporan.pdf", PDF, "application/pdf")})
    assert "Budi Santoso" not in task.wulan.get(task.path("/queue")).text
    assert task.wulan.get(task.learner_path("4")).status_code == 403
    assert task.wulan.get(_file_link(task, task.budi)).status_code == 403
    refused = task.wulan.post(task.learner_path("4", "/review"),
                              {"version": "1", "decision": "accept", "level-c1": "l3", "level-c2": "l2"})
    assert refused.status_code == 403
    logged = task.wulan.post(task.learner_path("4", "/sessions"), {"held_on": "2026-11-30", "mode": "online"})
    assert logged.status_code == 403
    with task.connected.padu.session() as db:
        assert db.scalars(select(Review)).all() == []


def test_staff_may_review_any_learner(task):
    task.hand_in(task.budi)
    assert "Budi Santoso" in task.teacher.get(task.path("/queue")).text
    accepted = task.review(task.teacher, "4", "accept", "Bagus", c1="l2", c2="l2")
    assert accepted.status_code == 200
    with task.connected.padu.session() as db:
        assert db.scalars(select(Submission)).one().status == "accepted"


@pytest.mark.parametrize("path", ["/settings", "/coaches", "/overview", "/overview.csv", "/queue"])
def test_a_learner_cannot_reach_staff_or_coach_pages(task, path):
    assert task.budi.get(task.path(path)).status_code == 403


def test_a_learner_cannot_post_to_staff_or_coach_forms(task):
    task.hand_in(task.dewi)
    assert task.budi.post(task.path("/settings"), {"title": "x"}).status_code == 403
    assert task.budi.post(task.path("/coaches/spread"), {}).status_code == 403
    assert task.budi.post(task.learner_path("5", "/review"), {"version": "1", "decision": "accept"}).status_code == 403
    assert task.rahmat.post(task.path("/coaches"), {}).status_code == 403
    assert task.rahmat.get(task.path("/settings")).status_code == 403


def test_staff_and_facilitators_cannot_hand_in(task):
    assert task.rahmat.post(task.path("/submit"), {"reflection": "x"}).status_code == 403


def test_a_person_who_is_not_a_learner_of_the_course_is_not_found(task):
    assert task.teacher.get(task.learner_path("6")).status_code == 404
    assert task.teacher.get(task.path("/learners/999999")).status_code == 404


def test_another_activity_kind_is_not_found_here(task):
    with task.connected.padu.session() as db:
        other = Activity(course_id=db.get(Activity, task.activity_id).course_id, kind="readiness", title="x")
        db.add(other)
        db.commit()
        other_id = other.id
    assert task.teacher.get(f"/a/{other_id}/coaching/overview").status_code == 404


def test_a_post_without_csrf_token_is_refused_and_nothing_is_stored(task):
    refused = task.budi.post(task.path("/submit"), {"reflection": "Tanpa token"},
                             files={"files": ("laporan.pdf", PDF, "application/pdf")}, csrf=False)
    assert refused.status_code == 400
    with task.connected.padu.session() as db:
        assert db.scalars(select(Submission)).all() == []
    assert task.stored_files() == []
