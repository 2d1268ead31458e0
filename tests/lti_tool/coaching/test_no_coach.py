"""A learner without a coach is told who reviews their work, and staff see the hand-in as "no coach"
in the review queue (issue 11, point 3)."""

from __future__ import annotations

import re

from .conftest import text_of


def test_a_learner_without_a_coach_is_told_the_teachers_review_and_staff_see_no_coach(task):
    page = task.teacher.get(task.path("/coaches"))
    unassigned = task.teacher.submit_form(page, "/coaching/coaches?", {f"coach-{task.person_id('5')}": ""})
    assert unassigned.status_code == 200

    assert "Anda belum memiliki coach; pengajar kursus yang menilai pekerjaan Anda." in text_of(
        task.dewi.get(task.path("/")))
    dewi = text_of(task.hand_in(task.dewi))
    assert "Anda belum memiliki coach, jadi pengajar kursus yang akan menilainya." in dewi
    assert "Coach Anda akan menilainya" not in dewi
    budi = text_of(task.hand_in(task.budi))
    assert "Rahmat Hidayat, coach Anda, akan menilainya." in budi

    queue = task.teacher.get(task.path("/queue"))
    rows = {re.sub(r"<[^>]+>", " ", row).split()[0]: row
            for row in queue.text.split("<tbody>")[1].split("</tbody>")[0].split("<tr>")[1:]}
    assert set(rows) == {"Budi", "Dewi"}
    assert "Tanpa coach" in rows["Dewi"] and "Tanpa coach" not in rows["Budi"]
