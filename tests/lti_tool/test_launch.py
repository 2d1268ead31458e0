"""A Moodle user clicks a Padu activity and lands in Padu, recognised — or is refused with a 4xx.

Every launch here goes over HTTP: login initiation, the platform's auth
endpoint, a signed id_token posted back, exactly as Moodle 4.5 does it.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urljoin, urlsplit

from sqlalchemy import select

from activities.core import Activity, Course, Membership, Person
from lti_tool.models import LaunchSession
from tests.lms.browser import as_shown


def test_a_learner_lands_on_the_not_set_up_page_with_name_and_course(connected):
    _browser, page = connected.launch("4")
    assert page.status_code == 200
    assert "Budi Santoso" in page.text
    assert "Pelatihan Dasar LATSAR CPNS 2026" in page.text
    assert "belum" in page.text.lower() or "not set up" in page.text.lower()
    with connected.padu.session() as db:
        launch = db.scalars(select(LaunchSession)).one()
        assert launch.role == "learner"
        person = db.get(Person, launch.person_id)
        assert (person.sub, person.email, person.username) == ("4", "student1@example.com", "student1")
        course = db.get(Course, launch.course_id)
        assert (course.lti_context_id, course.label) == ("2", "LATSAR-CPNS-2026")
        activity = db.get(Activity, launch.activity_id)
        assert activity.resource_link_id == "1"
        assert activity.lineitem_url and activity.lineitem_url.endswith("/lineitem?type_id=1")
        assert launch.ags and launch.nrps


def test_a_teacher_gets_the_setup_page(connected):
    _browser, page = connected.launch("3")
    assert page.status_code == 200
    assert 'name="kind"' in page.text
    assert "Siti Rahmawati" in page.text


def test_a_site_admin_who_is_not_enrolled_is_staff(connected):
    _browser, page = connected.launch("2")
    assert page.status_code == 200
    with connected.padu.session() as db:
        assert db.scalars(select(LaunchSession)).one().role == "staff"


def test_a_second_page_keeps_the_session_without_cookies(connected):
    browser, page = connected.launch("3")
    browser.session.cookies.clear()
    match = re.search(r'action="([^"]*/a/\d+/setup\?s=[^"]+)"', page.text)
    assert match, "the setup form must carry the session token"
    again = browser.session.get(page.url)
    assert again.status_code == 200 and 'name="kind"' in again.text


def test_without_the_session_token_a_page_is_refused(connected):
    browser, page = connected.launch("3")
    bare_url = page.url.split("?")[0]
    browser.session.cookies.clear()
    refused = browser.session.get(bare_url)
    assert refused.status_code == 401
    assert "Moodle" in refused.text


def test_two_platforms_with_the_same_course_id_stay_apart(lms, padu, connected):
    from tests.lms import TestPlatform
    from tests.lti_tool.conftest import Connected, populate

    other = TestPlatform()
    other.start()
    try:
        second = Connected(other, padu, populate(other, padu))
        connected.launch("4")
        second.launch("4")
        with padu.session() as db:
            courses = db.scalars(select(Course).where(Course.lti_context_id == "2")).all()
            assert len(courses) == 2
            assert len({c.platform_id for c in courses}) == 2
            people = db.scalars(select(Person).where(Person.sub == "4")).all()
            assert len(people) == 2
            for course in courses:
                memberships = db.scalars(select(Membership).where(Membership.course_id == course.id)).all()
                assert [m.person.platform_id for m in memberships] == [course.platform_id]
    finally:
        other.stop()


def test_a_launch_answers_with_its_activity_s_own_page(connected):
    """The launch's answer is the page itself, the one the activity's address (``/a/<id>``)
    leads a browser to, and the page names itself in the history: no redirect after the
    launch, one round trip fewer on a phone's weak connection (``first_page.py``)."""
    from tests.lti_tool.readiness.helpers import BUDI, set_up_readiness

    from .test_launch_writes import _launch_parts

    activity_id = set_up_readiness(connected)
    for relaunch in (False, True):  # the first launch of the learner (rows made), then a relaunch (rows read)
        browser, action, fields = _launch_parts(connected, user=BUDI)
        posted = browser.session.post(action, data=fields, allow_redirects=False)
        assert posted.status_code == 200 and "Budi Santoso" in posted.text, relaunch
        shown = urlsplit(as_shown(posted).url)
        token = parse_qs(shown.query)["s"][0]
        via_activity = browser.session.get(urljoin(action, f"/a/{activity_id}?s={token}"))
        assert via_activity.status_code == 200
        assert shown.path == urlsplit(via_activity.url).path == f"/a/{activity_id}/readiness/intro", relaunch
        # The address it names is the page's: asked for again (a reload), the same page.
        again = browser.session.get(as_shown(posted).url)
        assert again.status_code == 200 and again.text.count("Budi Santoso") == posted.text.count("Budi Santoso")
