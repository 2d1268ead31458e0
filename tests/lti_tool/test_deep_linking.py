"""A teacher presses "Select content" in Moodle, picks a Padu activity, and Moodle gets a signed answer."""

from __future__ import annotations

import re

from sqlalchemy import select

from activities.core import Activity

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


def _form(html: str, action_part: str, base: str = "") -> tuple[str, dict]:
    match = re.search(r'<form[^>]*action="([^"]*' + re.escape(action_part) + r'[^"]*)"', html)
    assert match, f"no form posting to {action_part}"
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    action = match.group(1).replace("&amp;", "&")
    return (base + action if action.startswith("/") else action), {"csrf_token": token}


def test_teacher_deep_links_an_activity_and_the_platform_verifies_it(connected):
    browser, page = connected.launch("3", deep_link=True)
    assert page.status_code == 200 and 'name="kind"' in page.text
    action, fields = _form(page.text, "/lti/deep-link", connected.padu.url)
    answer = browser.session.post(action, data=dict(fields, kind="coaching", title="Penugasan Coaching 1",
                                                      score_maximum="100"))
    assert answer.status_code == 200
    returned = browser.submit_autopost_form(answer)
    assert returned.status_code == 200
    payload = connected.lms.deep_link_responses[-1]
    assert payload["https://purl.imsglobal.org/spec/lti/claim/message_type"] == "LtiDeepLinkingResponse"
    [item] = payload[DL + "content_items"]
    assert item["type"] == "ltiResourceLink"
    assert item["title"] == "Penugasan Coaching 1"
    assert item["url"] == connected.padu.url + "/lti/launch"
    assert item["lineItem"]["scoreMaximum"] == 100
    assert item["lineItem"]["tag"] == "coaching"
    key = item["custom"]["padu_key"]
    assert item["lineItem"]["resourceId"] == key

    # Moodle makes the link; its first launch finds the configured activity.
    connected.lms.add_resource_link(course_id="2", resource_link_id="7", title="Penugasan Coaching 1",
                                    custom=item["custom"], lineitem=True)
    connected.launch("4", resource_link_id="7")
    with connected.padu.session() as db:
        activity = db.scalars(select(Activity).where(Activity.key == key)).one()
        assert activity.resource_link_id == "7"
        assert activity.kind == "coaching"


def test_a_learner_cannot_deep_link(connected):
    connected.lms.add_user(user_id="4", given_name="Budi", family_name="Santoso", email="student1@example.com",
                           username="student1", roles=["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
                           course_id="2")
    _browser, page = connected.launch("4", deep_link=True)
    assert page.status_code == 403


def test_bad_choices_are_shown_back_with_errors(connected):
    browser, page = connected.launch("3", deep_link=True)
    action, fields = _form(page.text, "/lti/deep-link", connected.padu.url)
    answer = browser.session.post(action, data=dict(fields, kind="nonsense", title="", score_maximum="lots"))
    assert answer.status_code == 400
    assert 'aria-invalid="true"' in answer.text
    assert not connected.lms.deep_link_responses


def test_deep_link_form_without_csrf_token_is_refused(connected):
    browser, page = connected.launch("3", deep_link=True)
    action, _fields = _form(page.text, "/lti/deep-link", connected.padu.url)
    answer = browser.session.post(action, data={"kind": "readiness", "title": "x", "score_maximum": "10"})
    assert answer.status_code == 400
