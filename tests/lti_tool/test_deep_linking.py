"""A teacher presses "Select content" in Moodle, picks a Padu activity, and Moodle gets a signed answer."""

from __future__ import annotations

import re

from sqlalchemy import select

from activities.core import Activity

DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"


def _form(html: str, action_part: str, base: str = "") -> tuple[str, dict]:
    match = re.search(r'<form[^>]*action="([^"]*' + re.escape(action_part) + r'[^"]*)"', html)
    assert match, f"no form posting to {action_part}"
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    action = match.group(1).replace("&amp;", "&")
    return (base + action if action.startswith("/") else action), {"csrf_token": token}


def select_content(connected, *, kind="coaching", title="Penugasan Coaching 1", score_maximum="100") -> dict:
    """The teacher presses "Select content", chooses, and Moodle receives the answer; returns the item."""
    browser, page = connected.launch("3", deep_link=True)
    assert page.status_code == 200 and 'name="kind"' in page.text
    action, fields = _form(page.text, "/lti/deep-link", connected.padu.url)
    answer = browser.session.post(action, data=dict(fields, kind=kind, title=title, score_maximum=score_maximum))
    assert answer.status_code == 200
    returned = browser.submit_autopost_form(answer)
    assert returned.status_code == 200
    [item] = connected.lms.deep_link_responses[-1][DL + "content_items"]
    return item


def moodle_saves(connected, item: dict, resource_link_id: str = "7") -> None:
    """Moodle saves the link the teacher selected, with a gradebook column of the item's maximum."""
    connected.lms.add_resource_link(course_id="2", resource_link_id=resource_link_id, title=item["title"],
                                    custom=item["custom"], lineitem=True)
    column = connected.lms.resource_links[("2", resource_link_id)]["lineitem"]
    connected.lms.lineitems[column]["scoreMaximum"] = item["lineItem"]["scoreMaximum"]


def activities(connected) -> list[Activity]:
    with connected.padu.session() as db:
        rows = list(db.scalars(select(Activity).order_by(Activity.id)))
        db.expunge_all()
        return rows


def test_teacher_deep_links_an_activity_and_the_platform_verifies_it(connected):
    item = select_content(connected)
    payload = connected.lms.deep_link_responses[-1]
    assert payload["https://purl.imsglobal.org/spec/lti/claim/message_type"] == "LtiDeepLinkingResponse"
    assert item["type"] == "ltiResourceLink"
    assert item["title"] == "Penugasan Coaching 1"
    assert item["url"] == connected.padu.url + "/lti/launch"
    assert item["lineItem"]["scoreMaximum"] == 100
    assert item["lineItem"]["tag"] == "coaching"
    key = item["custom"]["padu_key"]
    assert item["lineItem"]["resourceId"] == key

    # Moodle makes the link; its first launch makes the configured activity.
    moodle_saves(connected, item)
    connected.launch("4", resource_link_id="7")
    with connected.padu.session() as db:
        activity = db.scalars(select(Activity).where(Activity.key == key)).one()
        assert activity.resource_link_id == "7"
        assert activity.kind == "coaching"


def test_an_abandoned_selection_leaves_no_activity_and_the_first_launch_makes_the_chosen_one(connected):
    before = [a.id for a in activities(connected)]
    item = select_content(connected, kind="readiness", title="Cek kesiapan angkatan 3", score_maximum="40")
    # The teacher may still cancel Moodle's form: nothing exists that no link would ever open.
    assert [a.id for a in activities(connected)] == before

    moodle_saves(connected, item)
    _browser, landing = connected.launch("3", resource_link_id="7")
    assert landing.status_code == 200 and "/readiness" in landing.url, landing.text[:500]
    [made] = [a for a in activities(connected) if a.id not in before]
    assert (made.kind, made.title, made.score_maximum, made.resource_link_id) == (
        "readiness", "Cek kesiapan angkatan 3", 40.0, "7")
    assert made.key == item["custom"]["padu_key"] and made.locale == "id"
    assert made.lineitem_url and made.settings

    # Later launches, by anyone, open the same activity.
    connected.launch("4", resource_link_id="7")
    assert [a.id for a in activities(connected) if a.id not in before] == [made.id]


def test_a_hand_typed_or_tampered_choice_configures_nothing(connected):
    item = select_content(connected, kind="coaching", title="Asli", score_maximum="40")
    forged = dict(item["custom"])
    # The teacher edits the signed value (say, to a maximum of 1000) in Moodle's custom parameters.
    forged["padu_config"] = forged["padu_config"][:-3] + ("AAA" if not forged["padu_config"].endswith("AAA") else "BBB")
    connected.lms.add_resource_link(course_id="2", resource_link_id="8", title="Palsu", custom=forged)
    connected.lms.add_resource_link(course_id="2", resource_link_id="9", title="Diketik",
                                    custom={"padu_config": "kind=coaching;max=1000"})
    for link in ("8", "9"):
        _browser, landing = connected.launch("3", resource_link_id=link)
        assert landing.status_code == 200
    made = {a.resource_link_id: a for a in activities(connected)}
    assert made["8"].title == "Palsu" and made["8"].score_maximum == 100.0 and made["8"].settings == {}
    assert made["9"].kind == "" and made["9"].score_maximum == 100.0


def test_a_choice_signed_for_another_platform_configures_nothing(connected):
    from lti_tool.lti1p3.deep_linking import LinkConfig, sign_config
    from lti_tool.models import Platform

    other = Platform(issuer="https://lms.lain.go.id", client_id="x")
    config = LinkConfig(kind="coaching", title="Dari Moodle lain", score_maximum=40.0, locale="id")
    token = sign_config(connected.padu.settings.secret_key, other, config)
    connected.lms.add_resource_link(course_id="2", resource_link_id="8", title="Salinan", custom={"padu_config": token})
    connected.launch("3", resource_link_id="8")
    [copied] = [a for a in activities(connected) if a.resource_link_id == "8"]
    assert copied.kind == "" and copied.key != config.key


def test_the_teachers_language_is_kept_on_the_activity(connected):
    def english(lms, payload):
        payload[CLAIM + "launch_presentation"] = {"locale": "en"}
        return lms.sign(payload)

    connected.lms.next_id_token_hook = english
    item = select_content(connected, kind="readiness", title="Digital readiness")
    moodle_saves(connected, item)
    connected.launch("4", resource_link_id="7")
    [made] = [a for a in activities(connected) if a.resource_link_id == "7"]
    assert made.locale == "en"

    # Moodle duplicates the activity: the copy gets its own activity with the same choice and language.
    moodle_saves(connected, item, resource_link_id="8")
    connected.launch("4", resource_link_id="8")
    [copy] = [a for a in activities(connected) if a.resource_link_id == "8"]
    assert copy.id != made.id
    assert (copy.kind, copy.title, copy.score_maximum, copy.locale) == ("readiness", "Digital readiness", 100.0, "en")


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
