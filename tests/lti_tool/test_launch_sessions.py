"""Launch sessions end when they should, carry the latest launch's roles, reach only their
own activity, and never let a token in a URL take over someone else's cookie
(security review, findings 9, 10, 11 and 13). Real launches from the test platform."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from activities.core import Activity
from activities.db import utcnow
from activities.readiness.settings import default_settings
from lti_tool.models import LaunchSession
from lti_tool.sessions import COOKIE_NAME
from tests.lms import TestPlatform
from tests.lms.browser import as_shown
from tests.lti_tool.conftest import LEARNER, Connected, populate
from tests.lti_tool.readiness.helpers import BUDI, DEWI, TEACHER, link, post_form, set_up_readiness, token_of


def _sessions_of(connected, sub: str) -> list[LaunchSession]:
    from activities.core import Person

    with connected.padu.session() as db:
        person = db.scalars(select(Person).where(Person.sub == sub)).one()
        return list(db.scalars(select(LaunchSession).where(LaunchSession.person_id == person.id)
                               .order_by(LaunchSession.created_at)))


def _launch_link(connected, sub: str, *, course_id: str, resource_link_id: str):
    """A launch of another resource link, in a browser of its own; the page it lands on."""
    browser = connected.lti_browser()
    fields = connected.lms.login_initiation_form(connected.client_id, sub, connected.padu.url + "/lti/launch",
                                                 resource_link_id=resource_link_id, course_id=course_id)
    response = browser.session.post(connected.padu.url + "/lti/login", data=fields, allow_redirects=False)
    action, form = browser.authorize(response.headers["Location"])
    return as_shown(browser.session.post(action, data=form))


# -- finding 9: a relaunch ends the older sessions and brings its own roles -----------

def test_a_teacher_relaunched_as_learner_loses_staff_access_with_the_old_token(connected):
    set_up_readiness(connected)
    teacher, cohort = connected.launch(TEACHER)
    csv_url = link(cohort, "cohort.csv")
    assert teacher.session.get(csv_url).status_code == 200

    connected.lms.enrolments[("2", TEACHER)] = [LEARNER]
    learner, intro = connected.launch(TEACHER)
    assert "/readiness/intro" in intro.url

    refused = teacher.session.get(csv_url)
    assert refused.status_code == 401
    assert "Moodle" in refused.text and "text/csv" not in refused.headers["Content-Type"]
    # The new session has the learner's role only.
    assert learner.session.get(csv_url.split("?")[0], params={"s": token_of(intro)}).status_code == 403
    old, new = _sessions_of(connected, TEACHER)[-2:]
    assert old.expires_at <= new.created_at and new.role == "learner"


def test_a_relaunch_in_another_course_leaves_the_first_session_alone(connected):
    set_up_readiness(connected)
    budi, intro = connected.launch(BUDI)
    connected.lms.add_course("3", label="OTHER", title="Kursus lain")
    connected.lms.enrolments[("3", BUDI)] = [LEARNER]
    connected.lms.add_resource_link(course_id="3", resource_link_id="9", title="Lain")
    assert _launch_link(connected, BUDI, course_id="3", resource_link_id="9").status_code == 200
    assert budi.session.get(intro.url).status_code == 200


def test_a_second_activity_opened_with_the_same_role_leaves_the_first_session_alone(connected):
    """Two tabs, or a phone's back button: the learner's first activity must still work."""
    set_up_readiness(connected)
    budi, intro = connected.launch(BUDI)
    connected.lms.add_resource_link(course_id="2", resource_link_id="8", title="Tugas coaching")
    assert _launch_link(connected, BUDI, course_id="2", resource_link_id="8").status_code == 200
    assert budi.session.get(intro.url).status_code == 200
    assert len(_sessions_of(connected, BUDI)) == 2


# -- finding 9: the idle timeout --------------------------------------------------

def _set_last_seen(connected, session_id: str, ago: dt.timedelta) -> None:
    with connected.padu.session() as db:
        db.get(LaunchSession, session_id).last_seen_at = utcnow() - ago
        db.commit()


def test_a_session_idle_longer_than_the_timeout_has_ended(connected):
    browser, page = connected.launch(BUDI)
    (row,) = _sessions_of(connected, BUDI)
    idle = connected.padu.settings.session_idle_seconds
    assert idle == 2 * 3600

    _set_last_seen(connected, row.id, dt.timedelta(seconds=idle - 60))
    assert browser.session.get(page.url).status_code == 200
    (row,) = _sessions_of(connected, BUDI)
    assert utcnow() - row.last_seen_at < dt.timedelta(seconds=30), "a request after a minute touches last-seen"

    _set_last_seen(connected, row.id, dt.timedelta(seconds=idle + 60))
    ended = browser.session.get(page.url)
    assert ended.status_code == 401
    assert "Moodle" in ended.text


def test_requests_within_a_minute_do_not_write_last_seen(connected):
    browser, page = connected.launch(BUDI)
    (row,) = _sessions_of(connected, BUDI)
    stamp = utcnow() - dt.timedelta(seconds=20)
    _set_last_seen(connected, row.id, dt.timedelta(seconds=20))
    for _ in range(3):
        assert browser.session.get(page.url).status_code == 200
    (row,) = _sessions_of(connected, BUDI)
    assert abs((row.last_seen_at - stamp).total_seconds()) < 1


def test_the_idle_timeout_is_a_setting(tmp_path):
    lms = TestPlatform().start()
    from tests.padu_server import PaduServer

    padu = PaduServer(tmp_path / "padu", session_idle_seconds=120).start()
    try:
        connected = Connected(lms, padu, populate(lms, padu))
        browser, page = connected.launch(BUDI)
        (row,) = _sessions_of(connected, BUDI)
        _set_last_seen(connected, row.id, dt.timedelta(seconds=180))
        assert browser.session.get(page.url).status_code == 401
    finally:
        padu.stop()
        lms.stop()


# -- finding 11: a learner reaches only the activity of their resource link ------------

def _second_activity(connected, kind: str, settings: dict | None = None) -> int:
    with connected.padu.session() as db:
        course_id = db.get(Activity, 1).course_id
        hidden = Activity(course_id=course_id, resource_link_id="42", kind=kind, title="Tersembunyi",
                          settings=settings if settings is not None else {})
        db.add(hidden)
        db.commit()
        return hidden.id


def test_a_learner_cannot_open_another_activity_of_the_course_by_its_id(connected):
    activity_id = set_up_readiness(connected)
    hidden_id = _second_activity(connected, "readiness", default_settings())
    browser, intro = connected.launch(BUDI)
    token = token_of(intro)
    base = connected.padu.url
    for path in ("", "/readiness/", "/readiness/intro", "/readiness/device", "/readiness/result",
                 "/readiness/probe/ping"):
        refused = browser.session.get(f"{base}/a/{hidden_id}{path}", params={"s": token})
        assert refused.status_code == 403, path
        assert "Moodle" in refused.text, path
    start = post_form(browser, intro, "/readiness/start")
    assert start.status_code == 200
    form_action = f"{base}/a/{hidden_id}/readiness/start"
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', intro.text).group(1)
    assert browser.session.post(form_action, params={"s": token}, data={"csrf_token": csrf}).status_code == 403
    # Their own activity still opens.
    assert browser.session.get(f"{base}/a/{activity_id}/readiness/intro", params={"s": token}).status_code == 200


def test_a_learner_cannot_reach_a_coaching_task_or_its_files_by_id(connected):
    set_up_readiness(connected)
    task_id = _second_activity(connected, "coaching")
    browser, intro = connected.launch(BUDI)
    token = token_of(intro)
    for path in ("/coaching/", "/coaching/learners/4/files/1"):
        refused = browser.session.get(f"{connected.padu.url}/a/{task_id}{path}", params={"s": token})
        assert refused.status_code == 403, path


def test_staff_may_move_between_the_courses_activities(connected):
    set_up_readiness(connected)
    hidden_id = _second_activity(connected, "readiness", default_settings())
    teacher, cohort = connected.launch(TEACHER)
    token = token_of(cohort)
    page = teacher.session.get(f"{connected.padu.url}/a/{hidden_id}/readiness/cohort", params={"s": token})
    assert page.status_code == 200


# -- finding 13: a token in a URL never takes over another person's cookie -------------

def _cookie(browser) -> str | None:
    return browser.session.cookies.get(COOKIE_NAME)


def test_a_token_in_the_url_does_not_rewrite_another_persons_cookie(connected):
    set_up_readiness(connected)
    dewi, dewi_page = connected.launch(DEWI)
    dewi_cookie = _cookie(dewi)
    assert dewi_cookie, "a launch sets the cookie"
    _budi, budi_page = connected.launch(BUDI)
    budi_token = token_of(budi_page)

    # Dewi follows a link carrying Budi's token (sent to her by someone, or planted).
    followed = dewi.session.get(budi_page.url.split("?")[0], params={"s": budi_token})
    assert followed.status_code == 200
    assert COOKIE_NAME not in followed.headers.get("Set-Cookie", "")
    assert _cookie(dewi) == dewi_cookie

    # Without a token, her browser is still Dewi.
    mine = dewi.session.get(dewi_page.url.split("?")[0])
    assert mine.status_code == 200 and "Dewi" in mine.text and "Budi" not in mine.text


def test_the_same_persons_cookie_is_refreshed_and_an_absent_one_set(connected):
    set_up_readiness(connected)
    browser, page = connected.launch(BUDI)
    browser.session.cookies.clear()
    again = browser.session.get(page.url)
    assert again.status_code == 200 and _cookie(browser) == token_of(page)


def test_a_dead_explicit_token_is_refused_even_with_a_live_cookie(connected):
    set_up_readiness(connected)
    browser, first = connected.launch(BUDI)
    old_token = token_of(first)
    _second_browser, second = connected.launch(BUDI, browser=browser)
    assert _cookie(browser) == token_of(second)
    first_session, _ = _sessions_of(connected, BUDI)
    with connected.padu.session() as db:
        db.get(LaunchSession, first_session.id).expires_at = utcnow()
        db.commit()
    assert browser.session.get(first.url.split("?")[0], params={"s": old_token}).status_code == 401
    assert browser.session.get(first.url.split("?")[0]).status_code == 200  # the cookie alone still works


# -- finding 10: padu_key copies settings only within one platform ---------------------

def _key_of(connected, activity_id: int) -> str:
    with connected.padu.session() as db:
        return db.get(Activity, activity_id).key


def test_padu_key_from_another_platform_does_not_copy_settings(connected):
    activity_id = set_up_readiness(connected, max_attempts=3)
    key = _key_of(connected, activity_id)
    other = TestPlatform().start()
    try:
        second = Connected(other, connected.padu, populate(other, connected.padu))
        other.add_resource_link(course_id="2", resource_link_id="7", title="Disalin", custom={"padu_key": key})
        _browser, page = second.launch(TEACHER, resource_link_id="7")
        assert page.status_code == 200 and 'name="kind"' in page.text, "an unconfigured activity asks for its type"
        with connected.padu.session() as db:
            copy = db.scalars(select(Activity).where(Activity.resource_link_id == "7")).one()
            assert copy.kind == "" and copy.settings == {}
            assert copy.course.platform_id != db.get(Activity, activity_id).course.platform_id
    finally:
        other.stop()


def test_padu_key_within_the_same_platform_still_copies_settings(connected):
    activity_id = set_up_readiness(connected)
    key = _key_of(connected, activity_id)
    connected.lms.add_course("3", label="ANGKATAN-2", title="Angkatan 2")
    connected.lms.enrolments[("3", TEACHER)] = connected.lms.users[TEACHER].roles
    connected.lms.add_resource_link(course_id="3", resource_link_id="8", title="Salinan", custom={"padu_key": key})
    browser = connected.lti_browser()
    fields = connected.lms.login_initiation_form(connected.client_id, TEACHER, connected.padu.url + "/lti/launch",
                                                 resource_link_id="8", course_id="3")
    response = browser.session.post(connected.padu.url + "/lti/login", data=fields, allow_redirects=False)
    action, form = browser.authorize(response.headers["Location"])
    page = as_shown(browser.session.post(action, data=form))
    assert page.status_code == 200 and "/readiness/" in page.url
    with connected.padu.session() as db:
        copy = db.scalars(select(Activity).where(Activity.resource_link_id == "8")).one()
        assert copy.kind == "readiness" and copy.id != activity_id
