"""One Padu, two test platforms and six kinds of visitor, for tests that sweep the whole URL map.

The route-map and POST-fuzz tests ask every route the same question for every
kind of visitor, so they share one world built once per module with real
signed launches (nothing is forged in the database):

* platform A (course 2): a readiness check on resource link 1, a coaching task
  on resource link 2 (Budi handed in a PDF; Rahmat coaches him), an
  unconfigured resource link 3, phase gating on link 4 (the course's program made from the
  Latsar CPNS template), a course dashboard link on 5; course 3 has its own learner and link 31;
* platform B, a second registered Moodle, whose teacher launched its own link.

Each actor launches every link it can reach and keeps one launch session per
link, so a request to the readiness check carries the session of the
readiness link, as a browser inside Moodle's iframe would.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import requests
from sqlalchemy import select

from activities.core import Activity, Person
from activities.gating.models import Phase, Requirement
from activities.meetings.models import Meeting
from lti_tool.lti1p3.registry import add_platform
from lti_tool.models import Platform
from tests.lms import LtiBrowser, TestPlatform
from tests.lms.browser import as_shown
from tests.lti_tool.coaching.conftest import PDF
from tests.lti_tool.coaching.conftest import SETTINGS as COACHING_SETTINGS
from tests.lti_tool.conftest import INSTRUCTOR, LEARNER, LIS, Connected, populate
from tests.lti_tool.readiness.helpers import post_form
from tests.padu_server import PaduServer

#: The actors, in the order the route table lists them.
ANONYMOUS, LEARNER_A, FACILITATOR, STAFF, OTHER_COURSE, OTHER_PLATFORM = (
    "anonymous", "learner", "facilitator", "staff", "other_course_learner", "other_platform_staff")
ACTORS = (ANONYMOUS, LEARNER_A, FACILITATOR, STAFF, OTHER_COURSE, OTHER_PLATFORM)

#: Which launch a request rides on: the link of the activity it addresses.
READINESS, COACHING, UNSET, DEEP_LINK, GATING = "readiness", "coaching", "unset", "deep_link", "gating"
DASHBOARD = "dashboard"

#: The facilitator (a non-editing teacher) as a platform names the Instructor sub-role (LTI 1.3
#: Appendix A, context sub-roles); lti_tool/roles.py maps it to Padu's facilitator, not to staff.
TEACHING_ASSISTANT = LIS + "membership/Instructor#TeachingAssistant"

_TOKEN = re.compile(r"[?&]s=([^&\"#]+)")
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


@dataclasses.dataclass
class Actor:
    """One browser and its launch sessions: per link, the session token and its CSRF token.

    ``http`` keeps no cookies between requests that matter: every request names
    its session with ``s`` explicitly, so the cookie fallback never mixes the
    sessions of two links.
    """

    name: str
    base_url: str
    http: requests.Session = dataclasses.field(default_factory=requests.Session)
    tokens: dict[str, str] = dataclasses.field(default_factory=dict)
    csrf_tokens: dict[str, str] = dataclasses.field(default_factory=dict)

    def keep(self, link: str, landing: requests.Response) -> None:
        match = _TOKEN.search(landing.url)
        assert match and landing.status_code == 200, (self.name, link, landing.status_code, landing.text[:300])
        csrf = _CSRF.search(landing.text)
        assert csrf, f"{self.name}'s landing page on {link} carries no CSRF token"
        self.tokens[link] = match.group(1)
        self.csrf_tokens[link] = csrf.group(1)

    def session_for(self, link: str) -> tuple[str | None, str | None]:
        """(launch token, CSRF token) for a request about ``link``: that link's session, else any."""
        link = link if link in self.tokens else next(iter(self.tokens), None)
        if link is None:
            return None, None
        return self.tokens[link], self.csrf_tokens[link]

    def request(self, method: str, path: str, link: str, **kwargs) -> requests.Response:
        token, csrf_token = self.session_for(link)
        params = dict(kwargs.pop("params", None) or {})
        if token:
            params["s"] = token
        headers = dict(kwargs.pop("headers", None) or {})
        if method != "GET" and csrf_token:
            headers["X-CSRFToken"] = csrf_token
        self.http.cookies.clear()
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 30)
        return self.http.request(method, self.base_url + path, params=params, headers=headers, **kwargs)


@dataclasses.dataclass
class World:
    padu: PaduServer
    lms: TestPlatform
    other_lms: TestPlatform
    a: Connected
    b: Connected
    actors: dict[str, Actor]
    ids: dict[str, int]

    def stop(self) -> None:
        self.padu.stop()
        self.lms.stop()
        self.other_lms.stop()


def launch_into(connected: Connected, user_id: str, resource_link_id: str, course_id: str,
                browser: LtiBrowser | None = None) -> tuple[LtiBrowser, requests.Response]:
    """A launch from any course of the platform (``Connected.launch`` knows course 2 only)."""
    browser = browser or LtiBrowser()
    fields = connected.lms.login_initiation_form(connected.client_id, user_id, connected.padu.url + "/lti/launch",
                                                 resource_link_id=resource_link_id, course_id=course_id)
    started = browser.session.post(connected.padu.url + "/lti/login", data=fields, allow_redirects=False)
    assert started.status_code == 302, started.text[:300]
    action, fields = browser.authorize(started.headers["Location"])
    return browser, as_shown(browser.session.post(action, data=fields))


def _second_platform(padu: PaduServer) -> Connected:
    lms = TestPlatform().start()
    client_id = lms.add_tool(login_url=padu.url + "/lti/login", redirect_uris=[padu.url + "/lti/launch"],
                             jwks_url=padu.url + "/.well-known/jwks.json", deployment_ids=("1",))
    lms.add_course(course_id="2", label="LATSAR-B", title="Latsar di platform B")
    lms.add_user(user_id="3", given_name="Agus", family_name="Salim", email="agus@example.org",
                 username="teacher1", roles=[INSTRUCTOR], course_id="2")
    lms.add_resource_link(course_id="2", resource_link_id="1", title="Aktivitas B", lineitem=True)
    with padu.session() as session:
        add_platform(session, issuer=lms.issuer, client_id=client_id, auth_login_url=lms.url + "/mod/lti/auth.php",
                     auth_token_url=lms.url + "/mod/lti/token.php", key_set_url=lms.url + "/mod/lti/certs.php",
                     deployment_ids=["1"])
        session.commit()
    return Connected(lms, padu, client_id)


def _set_up_activities(a: Connected) -> dict[str, int]:
    """The teacher puts a readiness check on link 1, a coaching task on link 2 and phase gating on
    link 4, as in Moodle (gating's first staff page makes the course's program)."""
    browser, landing = a.launch("3", "1")
    chosen = post_form(browser, landing, "/setup", {"kind": "readiness"})
    assert chosen.status_code == 200 and "/readiness/settings" in chosen.url, chosen.text[:500]
    browser, landing = a.launch("3", "2")
    chosen = post_form(browser, landing, "/setup", {"kind": "coaching"})
    assert chosen.status_code == 200 and "/coaching/settings" in chosen.url, chosen.text[:500]
    saved = post_form(browser, chosen, "/coaching/settings", dict(COACHING_SETTINGS))
    assert saved.status_code == 200, saved.text[:1000]
    browser, landing = a.launch("3", "4")
    chosen = post_form(browser, landing, "/setup", {"kind": "gating"})
    assert chosen.status_code == 200 and "/gating/settings" in chosen.url, chosen.text[:500]
    browser, landing = a.launch("3", "5")
    chosen = post_form(browser, landing, "/setup", {"kind": "dashboard"})
    assert chosen.status_code == 200 and "/dashboard" in chosen.url, chosen.text[:500]
    with a.padu.session() as db:
        by_link = {act.resource_link_id: act.id for act in db.scalars(select(Activity))}
    return {READINESS: by_link["1"], COACHING: by_link["2"], GATING: by_link["4"], DASHBOARD: by_link["5"]}


def build_world(data_dir: Path) -> World:
    # Some 35 launches from one address within a minute: more than the login rate limit lets through.
    padu = PaduServer(data_dir, login_rate_per_minute=0).start()
    lms = TestPlatform().start()
    a = Connected(lms, padu, populate(lms, padu))
    lms.add_user(user_id="6", given_name="Rahmat", family_name="Hidayat", email="coach1@example.com",
                 username="coach1", roles=[TEACHING_ASSISTANT], course_id="2")
    lms.add_resource_link(course_id="2", resource_link_id="2", title="Penugasan coaching", lineitem=True)
    lms.add_resource_link(course_id="2", resource_link_id="3", title="Belum diatur", lineitem=True)
    lms.add_resource_link(course_id="2", resource_link_id="4", title="Gerbang fase", lineitem=True)
    lms.add_resource_link(course_id="2", resource_link_id="5", title="Dashboard kursus")
    lms.add_course(course_id="3", label="LATSAR-GOL-II", title="Latsar Golongan II")
    lms.add_user(user_id="8", given_name="Eko", family_name="Prasetyo", email="student8@example.com",
                 username="student8", roles=[LEARNER], course_id="3")
    lms.add_resource_link(course_id="3", resource_link_id="31", title="Aktivitas kursus lain", lineitem=True)
    b = _second_platform(padu)
    ids = _set_up_activities(a)

    actors = {name: Actor(name, padu.url) for name in ACTORS}
    for name, sub in ((LEARNER_A, "4"), (FACILITATOR, "6"), (STAFF, "3")):
        for link, resource_link_id in ((READINESS, "1"), (COACHING, "2"), (UNSET, "3"), (GATING, "4"),
                                       (DASHBOARD, "5")):
            _browser, landing = a.launch(sub, resource_link_id)
            actors[name].keep(link, landing)
    _browser, landing = a.launch("3", deep_link=True)
    actors[STAFF].keep(DEEP_LINK, landing)
    _browser, landing = launch_into(a, "8", "31", "3")
    actors[OTHER_COURSE].keep(UNSET, landing)
    _browser, landing = b.launch("3", "1")
    actors[OTHER_PLATFORM].keep(UNSET, landing)

    world = World(padu, lms, b.lms, a, b, actors, ids)
    with padu.session() as db:
        course_id = db.get(Activity, ids[READINESS]).course_id
        here = select(Person).join(Platform, Platform.id == Person.platform_id).where(Platform.issuer == lms.issuer)
        people = {person.sub: person.id for person in db.scalars(here)}
        unset = db.scalars(select(Activity).where(Activity.course_id == course_id,
                                                  Activity.resource_link_id == "3")).one().id
    ids.update(budi=people["4"], rahmat=people["6"], unset=unset, course=course_id)
    with padu.session() as db:
        phases = list(db.scalars(select(Phase).order_by(Phase.position)))
        ids.update(phase=phases[0].id,
                   requirement=db.scalars(select(Requirement.id).where(Requirement.phase_id == phases[-1].id)).first())
    _prepare_state(world)
    return world


def _prepare_state(world: World) -> None:
    """State every route's expectation assumes, and that no request of the sweep changes:
    Rahmat coaches Budi, Budi handed in a file (not reviewed yet), Budi and the teacher
    each have a readiness attempt open; a meeting of the first phase is running (check-in open)."""
    staff, learner = world.actors[STAFF], world.actors[LEARNER_A]
    ids = world.ids
    coaching = f"/a/{ids[COACHING]}/coaching"
    assigned = staff.request("POST", coaching + "/coaches", COACHING,
                             data={f"coach-{ids['budi']}": str(ids["rahmat"])})
    assert assigned.status_code == 303, assigned.text[:500]
    handed = learner.request("POST", coaching + "/submit", COACHING, data={"reflection": "Saya menerapkan nilai."},
                             files={"files": ("laporan.pdf", PDF, "application/pdf")})
    assert handed.status_code == 303, handed.text[:500]
    page = learner.request("GET", coaching + "/", COACHING)
    ids["file"] = int(re.search(r"/learners/\d+/files/(\d+)", page.text).group(1))
    for actor in (learner, staff):
        started = actor.request("POST", f"/a/{ids[READINESS]}/readiness/start", READINESS)
        assert started.status_code == 303, started.text[:500]
    # A meeting of the first phase, running now (check-in open), for every learner.
    now = dt.datetime.now(ZoneInfo("Asia/Jakarta"))
    planned = staff.request("POST", f"/a/{ids[GATING]}/meetings/new", GATING, data={
        "phase_id": str(ids["phase"]), "title": "Pertemuan daring", "kind": "online",
        "link": "https://meet.example.go.id/latsar", "starts_at": (now - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (now + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")})
    assert planned.status_code == 303, planned.text[:500]
    with world.padu.session() as db:
        ids["meeting"] = db.scalars(select(Meeting.id)).one()


__all__ = ["ACTORS", "Actor", "World", "build_world", "launch_into"]
