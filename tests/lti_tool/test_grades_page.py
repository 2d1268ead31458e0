"""Staff see per activity how many grades are delivered, waiting and failed, and retry failures."""

from __future__ import annotations

import re

from sqlalchemy import select

from activities.core import Activity
from lti_tool import worker
from tests.lms.forms import parse_forms
from tests.lti_tool.test_grade_delivery import grade


def test_staff_see_failures_with_the_reason_and_send_them_again(connected):
    connected.launch("2")  # the admin, not enrolled as a student: not gradable
    browser, _page = connected.launch("3")
    with connected.padu.session() as db:
        activity = db.scalars(select(Activity)).one()
        activity.kind = "coaching"
        db.commit()
        activity_id = activity.id
    grade(connected, activity_id, "2", 50)
    grade(connected, activity_id, "3", 40)
    worker.run_once(connected.padu.runtime)
    token = re.search(r"[?&]s=([^&\"]+)", _page.url).group(1)
    page = browser.session.get(f"{connected.padu.url}/a/{activity_id}/grades", params={"s": token})
    assert page.status_code == 200
    assert page.text.count("badge-bad") == 2
    assert "400" in page.text
    [form] = [f for f in parse_forms(page.text) if "/retry" in f["action"]]
    again = browser.session.post(connected.padu.url + form["action"] if form["action"].startswith("/") else form["action"],
                                 data=form["fields"])
    assert again.status_code == 200
    assert "badge-warn" in again.text  # waiting again


def test_learners_cannot_see_the_grade_page(connected):
    browser, page = connected.launch("4")
    with connected.padu.session() as db:
        activity_id = db.scalars(select(Activity)).one().id
    token = re.search(r"[?&]s=([^&\"]+)", page.url).group(1)
    refused = browser.session.get(f"{connected.padu.url}/a/{activity_id}/grades", params={"s": token})
    assert refused.status_code == 403


def test_the_page_lists_each_learners_last_grade_failed_first(connected):
    connected.launch("2")  # the admin: not enrolled as a student, so Moodle refuses the grade
    for learner in ("4", "5"):
        connected.launch(learner)
    browser, page = connected.launch("3")
    with connected.padu.session() as db:
        activity = db.scalars(select(Activity)).one()
        activity.kind, activity.score_maximum = "coaching", 40.0
        db.commit()
        activity_id = activity.id
    grade(connected, activity_id, "4", 30)
    grade(connected, activity_id, "4", 34)  # the newer result is the one listed
    grade(connected, activity_id, "5", 12)
    grade(connected, activity_id, "2", 20)
    while worker.run_once(connected.padu.runtime):
        pass
    token = re.search(r"[?&]s=([^&\"]+)", page.url).group(1)
    listing = browser.session.get(f"{connected.padu.url}/a/{activity_id}/grades", params={"s": token})
    assert listing.status_code == 200
    body = listing.text[listing.text.index("<tbody>"):listing.text.index("</tbody>")]
    rows = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in body.split("<tr>")[1:]]
    assert [row.split(" ")[0] for row in rows] == ["Admin", "Budi", "Dewi"]
    admin, budi, dewi = rows
    assert "20 / 40" in admin and "400" in admin
    assert "badge-bad" in body.split("<tr>")[1]
    assert "34 / 40" in budi and "30 / 40" not in body and "WIB" in budi
    assert "12 / 40" in dewi
    assert body.count("badge-ok") == 2 and body.count("badge-bad") == 1
