"""The coaching score is on the gradebook column's scale: a teacher who chose a maximum of 40 in
Deep Linking scores "out of 40", and 34 arrives in Moodle as 34/40 (issue 11, point 2)."""

from __future__ import annotations

import re

from tests.lti_tool.test_deep_linking import moodle_saves, select_content

from .conftest import SETTINGS, Task, User, text_of

SIXTEEN_POINTS = "\n".join([
    "Analisis masalah | Kurang | 0",
    "Analisis masalah | Sangat baik | 8",
    "Rencana aksi | Kurang | 0",
    "Rencana aksi | Sangat baik | 8",
])


def deep_linked_task(connected, score_maximum: str = "40") -> Task:
    """Select content → coaching with the given maximum; Moodle saves link 7; the teacher and Budi open it."""
    item = select_content(connected, kind="coaching", title="Aktualisasi nilai BerAKHLAK", score_maximum=score_maximum)
    moodle_saves(connected, item, "7")
    users = {}
    for sub in ("3", "4"):
        browser, landing = connected.launch(sub, resource_link_id="7")
        assert landing.status_code == 200, landing.text[:500]
        users[sub] = User(sub, browser, landing, connected.padu.url)
    activity_id = int(re.search(r"/a/(\d+)/", users["3"].landing.url).group(1))
    return Task(connected, activity_id, users)


def test_a_deep_linked_maximum_of_40_is_the_tasks_maximum_and_34_arrives_as_34_of_40(connected):
    task = deep_linked_task(connected)
    settings = task.teacher.get(task.path("/settings"))
    assert re.search(r'id="rubric_maximum"[^>]*value="40"', settings.text)
    assert 'id="rubric-conversion"' not in settings.text  # nothing to convert

    assert task.hand_in(task.budi).status_code == 200
    form = text_of(task.teacher.get(task.learner_path("4")))
    assert "Nilai, dari 0 sampai 40" in form and "menjadi" not in form

    page = task.teacher.get(task.learner_path("4"))
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
    accepted = task.teacher.post(task.learner_path("4", "/review"),
                                 {"version": version, "decision": "accept", "score": "34", "feedback": "Bagus."})
    assert accepted.status_code == 200, accepted.text[:500]
    task.drain()
    final = [s for s in connected.lms.scores if s["userId"] == "4"][-1]
    assert (final["scoreGiven"], final["scoreMaximum"], final["gradingProgress"]) == (34.0, 40.0, "FullyGraded")
    assert "34 / 40" in text_of(task.budi.get(task.path("/")))


def test_a_rubric_whose_total_is_not_the_columns_maximum_shows_the_conversion(connected):
    task = deep_linked_task(connected)
    page = task.teacher.get(task.path("/settings"))
    saved = task.teacher.submit_form(page, "/coaching/settings", dict(SETTINGS, rubric_rows=SIXTEEN_POINTS))
    assert saved.status_code == 200, saved.text[:2000]
    conversion = re.search(r'<p id="rubric-conversion">(.*?)</p>', saved.text).group(1)
    assert conversion == "Total rubrik 12 dari 16 menjadi 30 dari 40 di buku nilai."

    # The coach reads the same before scoring, and the gradebook gets exactly that.
    task.hand_in(task.budi)
    form = text_of(task.teacher.get(task.learner_path("4")))
    assert "Total rubrik 12 dari 16 menjadi 30 dari 40 di buku nilai." in form
    task.review(task.teacher, "4", "accept", c1="l2", c2="l1")
    task.drain()
    final = [s for s in connected.lms.scores if s["userId"] == "4"][-1]
    assert (final["scoreGiven"], final["scoreMaximum"]) == (20.0, 40.0)
