"""Driving the readiness check over HTTP the way a browser does: launch, read forms, post them."""

from __future__ import annotations

import json
import re
from urllib.parse import urljoin

from sqlalchemy import select

from activities.core import Activity, Person
from activities.readiness.instrument import load_instrument
from activities.readiness.models import ReadinessAttempt
from tests.lms.forms import parse_forms

TEACHER, BUDI, DEWI = "3", "4", "5"

#: Device answers of the v1 instrument for a well-equipped learner.
GOOD_DEVICE = {"devices": ["laptop", "smartphone"], "headset": "yes", "power": "stable", "study_place": "office",
               "connection_type": "fixed", "data_quota": "unlimited", "connection_stability": "stable"}

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

#: A probe result as probe.js posts it.
PROBE = {"download_kbps": 12500.0, "upload_kbps": 3100.5, "latency_ms": 42.0, "jitter_ms": 6.5, "samples": 10,
         "screen_width": 412, "screen_height": 915, "user_agent": "Mozilla/5.0 (Linux; Android 14) Chrome/126",
         "has_camera": True, "has_microphone": True, "camera_permission": None, "microphone_permission": None}


def good_skills(area) -> dict:
    """One DigComp area's page answered well: rated 4 of 5, every knowledge item right."""
    answers = {area.self_rating.id: "4"}
    answers.update({item.id: item.answer for item in area.items})
    return answers


def form_with(page, action_part: str) -> dict:
    """The form whose action contains ``action_part``, with its action made absolute."""
    for form in parse_forms(page.text):
        if action_part in form["action"]:
            return {**form, "action": urljoin(page.url, form["action"])}
    raise AssertionError(f"no form posting to {action_part} in {page.url}: {page.text[:800]}")


def post_form(browser, page, action_part: str, data: dict | None = None, **kwargs):
    """Post a page's form as a browser would: its hidden fields (the CSRF token) plus ``data``."""
    form = form_with(page, action_part)
    fields = {k: v for k, v in form["fields"].items() if k == "csrf_token"}
    fields.update(data or {})
    return browser.session.post(form["action"], data=fields, **kwargs)


def link(page, path_part: str) -> str:
    """An absolute URL of a link or form on the page whose address contains ``path_part``."""
    for match in re.finditer(r'(?:href|action|data-[a-z-]+)="([^"]+)"', page.text):
        url = match.group(1).replace("&amp;", "&")
        if path_part in url:
            return urljoin(page.url, url)
    raise AssertionError(f"no link to {path_part} in {page.url}")


def token_of(page) -> str:
    match = re.search(r'<meta name="padu-session" content="([^"]+)"', page.text)
    assert match, "the page must carry the session token"
    return match.group(1)


def csrf_of(page) -> str:
    match = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text)
    assert match
    return match.group(1)


def set_up_readiness(connected, **settings) -> int:
    """A teacher places the readiness check on resource link 1 with the setup form; returns the activity id."""
    browser, page = connected.launch(TEACHER)
    response = post_form(browser, page, "/setup", {"kind": "readiness"})
    assert response.status_code == 200 and "/readiness/settings" in response.url, response.text[:500]
    with connected.padu.session() as db:
        activity = db.scalars(select(Activity)).one()
        if settings:
            activity.settings = {**activity.settings, **settings}
            db.commit()
        return activity.id


def attempts(connected, activity_id: int, sub: str | None = None) -> list[ReadinessAttempt]:
    with connected.padu.session() as db:
        query = select(ReadinessAttempt).where(ReadinessAttempt.activity_id == activity_id)
        if sub is not None:
            query = query.join(Person, Person.id == ReadinessAttempt.person_id).where(Person.sub == sub)
        rows = list(db.scalars(query.order_by(ReadinessAttempt.id)))
        db.expunge_all()
        return rows


def instrument():
    return load_instrument()


def start_attempt(browser, intro):
    """Press "Start" on the intro page; returns the first part's page."""
    page = post_form(browser, intro, "/readiness/start")
    assert page.status_code == 200, page.text[:500]
    return page


def post_probe(browser, page, body, *, csrf: bool = True, content_type="application/json"):
    headers = {"X-Padu-Session": token_of(page), "Content-Type": content_type, "Accept": "application/json"}
    if csrf:
        headers["X-CSRFToken"] = csrf_of(page)
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return browser.session.post(link(page, "/readiness/probe?"), data=data, headers=headers)


def answer_everything(browser, device_page, *, code: str | None = None, upload: bool = True, probe: bool = True):
    """Walk every part from the device page on, answering well; returns the review page."""
    page = device_page
    if probe:
        assert post_probe(browser, page, PROBE).status_code == 200
    page = post_form(browser, page, "/readiness/device", GOOD_DEVICE)
    assert page.status_code == 200 and "/skills/information" in page.url, page.text[:500]
    for area in instrument().areas:
        assert f"/skills/{area.id}" in page.url
        page = post_form(browser, page, f"/skills/{area.id}", good_skills(area))
        assert page.status_code == 200, page.text[:500]
    if "/readiness/lms" in page.url:
        lms_page = page
        if upload and "/lms/upload" in lms_page.text:
            lms_page = post_form(browser, lms_page, "/lms/upload",
                                 files={"file": ("surat.pdf", PDF, "application/pdf")})
            assert lms_page.status_code == 200, lms_page.text[:500]
        if code is not None and "/lms/code" in lms_page.text:
            lms_page = post_form(browser, lms_page, "/lms/code", {"code": code})
            assert lms_page.status_code == 200, lms_page.text[:500]
        page = browser.session.get(link(lms_page, "/readiness/review"))
    assert "/readiness/review" in page.url
    return page


def complete_attempt(connected, user_id, **kwargs):
    """Launch, start, answer everything and submit; returns (browser, result page)."""
    browser, intro = connected.launch(user_id)
    review = answer_everything(browser, start_attempt(browser, intro), **kwargs)
    result = post_form(browser, review, "/readiness/submit")
    assert result.status_code == 200 and "/readiness/result" in result.url, result.text[:800]
    return browser, result
