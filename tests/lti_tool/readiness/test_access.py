"""Who may open what: learners never reach staff pages, nobody reaches another course's check,
attempts run out, and a form without its CSRF token changes nothing."""

from __future__ import annotations

import re

import pytest

from activities.core import Activity, Course
from activities.readiness.settings import default_settings

from .helpers import BUDI, TEACHER, attempts, complete_attempt, link, post_form, set_up_readiness, start_attempt

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


@pytest.mark.parametrize("path", ["settings", "cohort", "cohort.csv"])
def test_a_learner_cannot_open_staff_pages(connected, path):
    set_up_readiness(connected)
    browser, intro = connected.launch(BUDI)
    url = intro.url.replace("/readiness/intro", f"/readiness/{path}")
    assert browser.session.get(url).status_code == 403


def test_a_learner_cannot_post_settings(connected):
    set_up_readiness(connected)
    browser, intro = connected.launch(BUDI)
    url = intro.url.replace("/readiness/intro", "/readiness/settings")
    token = re.search(r'name="csrf_token" value="([^"]+)"', intro.text).group(1)
    assert browser.session.post(url, data={"csrf_token": token, "max_attempts": "20"}).status_code == 403


def _check_in_another_course(connected) -> int:
    with connected.padu.session() as db:
        here = db.get(Activity, 1).course
        other = Course(platform_id=here.platform_id, lti_context_id="99", label="OTHER", title="Other course")
        db.add(other)
        db.flush()
        elsewhere = Activity(course_id=other.id, resource_link_id="77", kind="readiness", settings=default_settings())
        db.add(elsewhere)
        db.commit()
        return elsewhere.id


def test_another_courses_check_is_not_found(connected):
    set_up_readiness(connected)
    browser, intro = connected.launch(BUDI)
    other_id = _check_in_another_course(connected)
    for path in ("intro", "device", "result", "probe/ping", "probe/payload"):
        url = re.sub(r"/a/\d+/", f"/a/{other_id}/", intro.url).replace("/readiness/intro", f"/readiness/{path}")
        assert browser.session.get(url, params={"bytes": 262144}).status_code == 404, path
    teacher, cohort = connected.launch(TEACHER)
    for path in ("cohort", "cohort.csv", "settings"):
        url = re.sub(r"/a/\d+/", f"/a/{other_id}/", cohort.url).replace("/readiness/cohort", f"/readiness/{path}")
        assert teacher.session.get(url).status_code == 404, path


def test_an_activity_of_another_kind_is_not_found_here(connected):
    activity_id = set_up_readiness(connected)
    browser, intro = connected.launch(BUDI)
    with connected.padu.session() as db:
        db.get(Activity, activity_id).kind = "coaching"
        db.commit()
    assert browser.session.get(intro.url).status_code == 404


def test_without_a_session_a_page_is_refused(connected):
    set_up_readiness(connected)
    browser, intro = connected.launch(BUDI)
    browser.session.cookies.clear()
    assert browser.session.get(intro.url.split("?")[0]).status_code == 401


def test_when_attempts_are_used_up_starting_again_is_a_409(connected):
    activity_id = set_up_readiness(connected, max_attempts=1)
    browser, result = complete_attempt(connected, BUDI)
    assert "/readiness/start" not in result.text
    intro = browser.session.get(link(result, "/readiness/intro") if "/readiness/intro" in result.text
                                else result.url.replace("/result", "/intro"))
    assert "/readiness/start" not in intro.text
    start_url = intro.url.replace("/readiness/intro", "/readiness/start")
    token = re.search(r'name="csrf-token" content="([^"]+)"', intro.text).group(1)
    refused = browser.session.post(start_url, data={"csrf_token": token})
    assert refused.status_code == 409
    assert 'role="alert"' in refused.text
    assert len(attempts(connected, activity_id, BUDI)) == 1


def test_a_form_without_its_csrf_token_is_a_400_and_changes_nothing(connected):
    activity_id = set_up_readiness(connected)
    browser, intro = connected.launch(BUDI)
    start_url = intro.url.replace("/readiness/intro", "/readiness/start")
    assert browser.session.post(start_url, data={}).status_code == 400
    assert attempts(connected, activity_id, BUDI) == []
    device = start_attempt(browser, intro)
    form_url = device.url
    assert browser.session.post(form_url, data={"headset": "yes"}).status_code == 400
    assert attempts(connected, activity_id, BUDI)[0].self_report == {}


def test_a_facilitator_sees_the_cohort_read_only(connected):
    set_up_readiness(connected)
    connected.lms.add_user("6", given_name="Rina", family_name="Fasilitator", email="fas@example.com",
                           username="fas1", roles=[LIS + "membership/Instructor#TeachingAssistant"], course_id="2")
    browser, page = connected.launch("6")
    assert page.status_code == 200 and "/readiness/cohort" in page.url
    assert "/readiness/settings" not in page.text and "cohort.csv" not in page.text and "/grades" not in page.text
    for path in ("settings", "cohort.csv", "intro"):
        assert browser.session.get(page.url.replace("/readiness/cohort", f"/readiness/{path}")).status_code == 403


def test_staff_land_on_the_cohort_and_can_try_the_check(connected):
    set_up_readiness(connected)
    browser, page = connected.launch(TEACHER)
    assert "/readiness/cohort" in page.url
    assert "/grades" in page.text and "/readiness/settings" in page.text
    intro = browser.session.get(link(page, "/readiness/intro"))
    assert intro.status_code == 200
    device = post_form(browser, intro, "/readiness/start")
    assert device.status_code == 200 and "/readiness/device" in device.url
