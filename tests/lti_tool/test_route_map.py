"""Every route of Padu's URL map, for every kind of visitor: the status each one gets.

Security review, issue 9 ("Tests"): authorization is checked route by route in
the views (``requires`` and ``activity_in_context``), so a new route that forgets
one is invisible until someone asks it. This test asks every route with a
method, as six actors whose sessions come from real signed launches
(tests/lti_tool/actors.py), and compares with the table below. A route that is
not in the table fails the test: whoever adds a route decides here who may use it.

Refusals carry the status the code gives today: 401 without a session, 403 for
a role that may not, 404 for an object outside the launch's course or platform,
400 for a POST without a session (its CSRF token cannot be valid). Never 200 to
an actor who may not, never 500. POSTs carry a valid CSRF token of the actor's
own session, so they test the role check, not CSRF; their bodies are empty, so
an actor who may post gets the form's own refusal (400/409) or its redirect.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from sqlalchemy import select

from lti_tool.models import Platform
from tests.lms import TestPlatform

from .actors import (
    ACTORS,
    ANONYMOUS,
    COACHING,
    DASHBOARD,
    DEEP_LINK,
    GATING,
    LEARNER_A,
    OTHER_COURSE,
    OTHER_PLATFORM,
    READINESS,
    STAFF,
    UNSET,
    build_world,
)
from .conftest import INSTRUCTOR, LEARNER


@dataclasses.dataclass(frozen=True)
class Case:
    """What one route answers one method: the path (ids of course 2 filled in), the link
    whose session the request carries, and the status per actor (in ``ACTORS`` order)."""

    path: str
    link: str
    statuses: tuple[int, ...]

    def __post_init__(self):
        assert len(self.statuses) == len(ACTORS), self.path


def case(path: str, link: str, *statuses: int) -> Case:
    return Case(path, link, statuses)


R = "/a/{readiness}/readiness"
C = "/a/{coaching}/coaching"
G = "/a/{gating}/gating"
M = "/a/{gating}/meetings"
BUDI = "/learners/{budi}"
PAYLOAD = 262144  # the smallest download size of the probe's plan

# fmt: off
#: rule → method → Case. Statuses: anonymous, learner, facilitator, staff,
#: learner of another course, staff of another platform.
ROUTES: dict[str, dict[str, Case]] = {
    # -- public: Padu's front page, the manual-registration values, keys, health, static files
    "/": {"GET": case("/", UNSET, 200, 200, 200, 200, 200, 200)},
    "/lti/config": {"GET": case("/lti/config", UNSET, 200, 200, 200, 200, 200, 200)},
    "/.well-known/jwks.json": {"GET": case("/.well-known/jwks.json", UNSET, 200, 200, 200, 200, 200, 200)},
    "/healthz": {"GET": case("/healthz", UNSET, 200, 200, 200, 200, 200, 200)},
    "/static/<path:filename>": {"GET": case("/static/padu.css", UNSET, 200, 200, 200, 200, 200, 200)},
    "/favicon.ico": {"GET": case("/favicon.ico", UNSET, 200, 200, 200, 200, 200, 200)},
    # Registration needs an invitation (padu platform invite); without one it only says how to get one.
    "/lti/register": {"GET": case("/lti/register", UNSET, 403, 403, 403, 403, 403, 403)},
    "/lti/register/<code>": {"GET": case("/lti/register/not-an-invitation", UNSET, 410, 410, 410, 410, 410, 410)},
    # -- the LTI handshake: no session needed, no CSRF (the platform posts); an empty request is a 400
    "/lti/login": {"GET": case("/lti/login", UNSET, 400, 400, 400, 400, 400, 400),
                   "POST": case("/lti/login", UNSET, 400, 400, 400, 400, 400, 400)},
    "/lti/launch": {"POST": case("/lti/launch", UNSET, 400, 400, 400, 400, 400, 400)},
    # -- after a launch
    "/home": {"GET": case("/home", READINESS, 401, 302, 302, 302, 302, 302)},
    # Staff of a resource-link launch are refused too: only a deep-linking launch may choose content.
    "/lti/deep-link": {"GET": case("/lti/deep-link", READINESS, 401, 403, 403, 403, 403, 403),
                       "POST": case("/lti/deep-link", READINESS, 400, 403, 403, 403, 403, 403)},
    "/a/<int:activity_id>": {"GET": case("/a/{readiness}", READINESS, 401, 302, 302, 302, 404, 404)},
    "/a/<int:activity_id>/setup": {"POST": case("/a/{readiness}/setup", READINESS, 400, 403, 403, 409, 403, 404)},
    "/a/<int:activity_id>/grades": {"GET": case("/a/{readiness}/grades", READINESS, 401, 403, 403, 200, 403, 404)},
    "/a/<int:activity_id>/grades/retry": {
        "POST": case("/a/{readiness}/grades/retry", READINESS, 400, 403, 403, 303, 403, 404)},
    # -- readiness check: learners and staff take it, staff and facilitators watch the cohort
    "/a/<int:activity_id>/readiness/": {"GET": case(R + "/", READINESS, 401, 302, 302, 302, 404, 404)},
    "/a/<int:activity_id>/readiness/intro": {"GET": case(R + "/intro", READINESS, 401, 200, 403, 200, 404, 404)},
    "/a/<int:activity_id>/readiness/start": {"POST": case(R + "/start", READINESS, 400, 303, 403, 303, 404, 404)},
    "/a/<int:activity_id>/readiness/device": {
        "GET": case(R + "/device", READINESS, 401, 200, 403, 200, 404, 404),
        "POST": case(R + "/device", READINESS, 400, 303, 403, 303, 404, 404)},
    "/a/<int:activity_id>/readiness/skills/<area>": {
        "GET": case(R + "/skills/information", READINESS, 401, 200, 403, 200, 404, 404),
        "POST": case(R + "/skills/information", READINESS, 400, 303, 403, 303, 404, 404)},
    "/a/<int:activity_id>/readiness/lms": {"GET": case(R + "/lms", READINESS, 401, 200, 403, 200, 404, 404)},
    "/a/<int:activity_id>/readiness/lms/upload": {
        "POST": case(R + "/lms/upload", READINESS, 400, 400, 403, 400, 404, 404)},
    "/a/<int:activity_id>/readiness/lms/code": {
        "POST": case(R + "/lms/code", READINESS, 400, 409, 403, 409, 404, 404)},
    "/a/<int:activity_id>/readiness/review": {"GET": case(R + "/review", READINESS, 401, 200, 403, 200, 404, 404)},
    "/a/<int:activity_id>/readiness/submit": {"POST": case(R + "/submit", READINESS, 400, 400, 403, 400, 404, 404)},
    "/a/<int:activity_id>/readiness/result": {"GET": case(R + "/result", READINESS, 401, 303, 403, 303, 404, 404)},
    "/a/<int:activity_id>/readiness/probe": {"POST": case(R + "/probe", READINESS, 400, 415, 403, 415, 404, 404)},
    "/a/<int:activity_id>/readiness/probe/ping": {
        "GET": case(R + "/probe/ping", READINESS, 401, 204, 403, 204, 404, 404)},
    "/a/<int:activity_id>/readiness/probe/payload": {
        "GET": case(R + f"/probe/payload?bytes={PAYLOAD}", READINESS, 401, 200, 403, 200, 404, 404)},
    "/a/<int:activity_id>/readiness/probe/upload": {
        "POST": case(R + "/probe/upload", READINESS, 400, 200, 403, 200, 404, 404)},
    "/a/<int:activity_id>/readiness/settings": {
        "GET": case(R + "/settings", READINESS, 401, 403, 403, 200, 403, 404),
        "POST": case(R + "/settings", READINESS, 400, 403, 403, 400, 403, 404)},
    "/a/<int:activity_id>/readiness/cohort": {"GET": case(R + "/cohort", READINESS, 401, 403, 200, 200, 403, 404)},
    "/a/<int:activity_id>/readiness/cohort.csv": {
        "GET": case(R + "/cohort.csv", READINESS, 401, 403, 403, 200, 403, 404)},
    # -- coaching task: learners hand in, facilitators coach their coachees, staff run it
    "/a/<int:activity_id>/coaching/": {"GET": case(C + "/", COACHING, 401, 200, 200, 200, 404, 404)},
    "/a/<int:activity_id>/coaching/submit": {"POST": case(C + "/submit", COACHING, 400, 400, 403, 403, 404, 403)},
    "/a/<int:activity_id>/coaching/queue": {"GET": case(C + "/queue", COACHING, 401, 403, 200, 200, 403, 404)},
    "/a/<int:activity_id>/coaching/learners/<int:learner_id>": {
        "GET": case(C + BUDI, COACHING, 401, 403, 200, 200, 403, 404)},
    "/a/<int:activity_id>/coaching/learners/<int:learner_id>/files/<int:file_id>": {
        "GET": case(C + BUDI + "/files/{file}", COACHING, 401, 200, 200, 200, 404, 404)},
    "/a/<int:activity_id>/coaching/learners/<int:learner_id>/review": {
        "POST": case(C + BUDI + "/review", COACHING, 400, 403, 409, 409, 403, 404)},
    "/a/<int:activity_id>/coaching/learners/<int:learner_id>/sessions": {
        "POST": case(C + BUDI + "/sessions", COACHING, 400, 403, 400, 400, 403, 404)},
    "/a/<int:activity_id>/coaching/settings": {
        "GET": case(C + "/settings", COACHING, 401, 403, 403, 200, 403, 404),
        "POST": case(C + "/settings", COACHING, 400, 403, 403, 400, 403, 404)},
    "/a/<int:activity_id>/coaching/coaches": {
        "GET": case(C + "/coaches", COACHING, 401, 403, 403, 200, 403, 404),
        "POST": case(C + "/coaches", COACHING, 400, 403, 403, 303, 403, 404)},
    # Staff: every learner Padu knows already has a coach (the roster arrives by the worker), so 303.
    "/a/<int:activity_id>/coaching/coaches/spread": {
        "POST": case(C + "/coaches/spread", COACHING, 400, 403, 403, 303, 403, 404)},
    "/a/<int:activity_id>/coaching/overview": {"GET": case(C + "/overview", COACHING, 401, 403, 403, 200, 403, 404)},
    "/a/<int:activity_id>/coaching/overview.csv": {
        "GET": case(C + "/overview.csv", COACHING, 401, 403, 403, 200, 403, 404)},
    # -- phase gating: learners read their own journey; facilitators and staff watch the cohort, override and
    # sign off; staff edit the program and the gradebook column. Empty bodies: "say why" (400), no such
    # requirement or override (404), or an empty column choice, which is valid (303).
    # -- the course dashboard: staff and facilitators of the course; a learner's "course dashboard" link shows
    # their journey; anyone of another course or platform gets a 404, whatever course id they name
    "/a/<int:activity_id>/dashboard/": {"GET": case("/a/{dashboard}/dashboard/", DASHBOARD, 401, 200, 302, 302, 404, 404)},
    "/c/<int:course_id>/dashboard": {"GET": case("/c/{course}/dashboard", DASHBOARD, 401, 404, 200, 200, 404, 404)},
    "/c/<int:course_id>/dashboard.csv": {
        "GET": case("/c/{course}/dashboard.csv", DASHBOARD, 401, 404, 200, 200, 404, 404)},
    "/c/<int:course_id>/dashboard/grades/retry": {
        "POST": case("/c/{course}/dashboard/grades/retry", DASHBOARD, 400, 403, 403, 303, 403, 404)},
    "/a/<int:activity_id>/gating/": {"GET": case(G + "/", GATING, 401, 200, 200, 200, 404, 404)},
    "/a/<int:activity_id>/gating/cohort": {"GET": case(G + "/cohort", GATING, 401, 403, 200, 200, 403, 404)},
    "/a/<int:activity_id>/gating/cohort.csv": {"GET": case(G + "/cohort.csv", GATING, 401, 403, 200, 200, 403, 404)},
    "/a/<int:activity_id>/gating/audit": {"GET": case(G + "/audit", GATING, 401, 403, 200, 200, 403, 404)},
    "/a/<int:activity_id>/gating/learners/<int:learner_id>": {
        "GET": case(G + BUDI, GATING, 401, 403, 200, 200, 403, 404)},
    "/a/<int:activity_id>/gating/learners/<int:learner_id>/override": {
        "POST": case(G + BUDI + "/override", GATING, 400, 403, 400, 400, 403, 404)},
    "/a/<int:activity_id>/gating/learners/<int:learner_id>/waive": {
        "POST": case(G + BUDI + "/waive", GATING, 400, 403, 400, 400, 403, 404)},
    "/a/<int:activity_id>/gating/learners/<int:learner_id>/undo": {
        "POST": case(G + BUDI + "/undo", GATING, 400, 403, 404, 404, 403, 404)},
    "/a/<int:activity_id>/gating/learners/<int:learner_id>/sign-off": {
        "POST": case(G + BUDI + "/sign-off", GATING, 400, 403, 404, 404, 403, 404)},
    "/a/<int:activity_id>/gating/learners/<int:learner_id>/revoke": {
        "POST": case(G + BUDI + "/revoke", GATING, 400, 403, 400, 400, 403, 404)},
    "/a/<int:activity_id>/gating/settings": {
        "GET": case(G + "/settings", GATING, 401, 403, 403, 200, 403, 404),
        "POST": case(G + "/settings", GATING, 400, 403, 403, 303, 403, 404)},
    "/a/<int:activity_id>/gating/program": {"GET": case(G + "/program", GATING, 401, 403, 403, 200, 403, 404)},
    "/a/<int:activity_id>/gating/program/time-zone": {
        "POST": case(G + "/program/time-zone", GATING, 400, 403, 403, 400, 403, 404)},
    "/a/<int:activity_id>/gating/program/phases": {
        "POST": case(G + "/program/phases", GATING, 400, 403, 403, 400, 403, 404)},
    "/a/<int:activity_id>/gating/program/phases/<int:phase_id>": {
        "POST": case(G + "/program/phases/{phase}", GATING, 400, 403, 403, 400, 403, 404)},
    "/a/<int:activity_id>/gating/program/phases/<int:phase_id>/requirements": {
        "POST": case(G + "/program/phases/{phase}/requirements", GATING, 400, 403, 403, 400, 403, 404)},
    "/a/<int:activity_id>/gating/program/phases/<int:phase_id>/groups": {
        "POST": case(G + "/program/phases/{phase}/groups", GATING, 400, 403, 403, 400, 403, 404)},
    # Staff remove the requirement (the sweep asks once): 303.
    "/a/<int:activity_id>/gating/program/requirements/<int:requirement_id>/remove": {
        "POST": case(G + "/program/requirements/{requirement}/remove", GATING, 400, 403, 403, 303, 403, 404)},
    # -- meetings of the gating program, under the gating activity: learners see theirs and check in (for
    # themselves only: staff and facilitators are refused, 403); facilitators and staff plan, mark and export.
    # Empty bodies: no phase (400), no status (400), a wrong code (400). The learner's check-in is listed before
    # "all present", which marks Budi present (a check-in after it would be a 409).
    "/a/<int:activity_id>/meetings/": {"GET": case(M + "/", GATING, 401, 200, 200, 200, 404, 404)},
    "/a/<int:activity_id>/meetings/<int:meeting_id>/check-in": {
        "POST": case(M + "/{meeting}/check-in", GATING, 400, 400, 403, 403, 404, 404)},
    "/a/<int:activity_id>/meetings/new": {
        "GET": case(M + "/new", GATING, 401, 403, 200, 200, 403, 404),
        "POST": case(M + "/new", GATING, 400, 403, 400, 400, 403, 404)},
    "/a/<int:activity_id>/meetings/<int:meeting_id>/edit": {
        "GET": case(M + "/{meeting}/edit", GATING, 401, 403, 200, 200, 403, 404),
        "POST": case(M + "/{meeting}/edit", GATING, 400, 403, 400, 400, 403, 404)},
    "/a/<int:activity_id>/meetings/<int:meeting_id>": {
        "GET": case(M + "/{meeting}", GATING, 401, 403, 200, 200, 403, 404)},
    "/a/<int:activity_id>/meetings/<int:meeting_id>/mark": {
        "POST": case(M + "/{meeting}/mark", GATING, 400, 403, 400, 400, 403, 404)},
    "/a/<int:activity_id>/meetings/<int:meeting_id>/all-present": {
        "POST": case(M + "/{meeting}/all-present", GATING, 400, 403, 303, 303, 403, 404)},
    # Cancelling asks for confirmation first: the empty POST lacks the ticked box (400), so the shared
    # meeting is not cancelled here.
    "/a/<int:activity_id>/meetings/<int:meeting_id>/cancel": {
        "GET": case(M + "/{meeting}/cancel", GATING, 401, 403, 200, 200, 403, 404),
        "POST": case(M + "/{meeting}/cancel", GATING, 400, 403, 400, 400, 403, 404)},
    "/a/<int:activity_id>/meetings/<int:meeting_id>/live": {
        "GET": case(M + "/{meeting}/live", GATING, 401, 403, 200, 200, 403, 404)},
    "/a/<int:activity_id>/meetings/learners/<int:learner_id>": {
        "GET": case(M + BUDI, GATING, 401, 403, 200, 200, 403, 404)},
    "/a/<int:activity_id>/meetings/attendance.csv": {
        "GET": case(M + "/attendance.csv", GATING, 401, 403, 200, 200, 403, 404)},
    # Staff save the program's Moodle switches (checkboxes: an empty form switches them off): 303.
    "/a/<int:activity_id>/gating/program/moodle": {
        "POST": case(G + "/program/moodle", GATING, 400, 403, 403, 303, 403, 404)},
}
# fmt: on

#: Methods every route answers by itself (Werkzeug adds them); not part of the table.
IMPLICIT = {"HEAD", "OPTIONS"}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    world = build_world(tmp_path_factory.mktemp("route-map") / "padu")
    yield world
    world.stop()


def _cases():
    for rule, methods in ROUTES.items():
        for method, expected in methods.items():
            for index, actor in enumerate(ACTORS):
                yield pytest.param(rule, method, actor, expected.statuses[index], id=f"{method} {rule} as {actor}")


def test_every_route_of_the_url_map_is_in_the_table(world):
    served = {(rule.rule, method) for rule in world.padu.app.url_map.iter_rules()
              for method in rule.methods - IMPLICIT}
    listed = {(rule, method) for rule, methods in ROUTES.items() for method in methods}
    missing = sorted(served - listed)
    assert not missing, (
        "These routes are not in ROUTES of tests/lti_tool/test_route_map.py: "
        + ", ".join(f"{method} {rule}" for rule, method in missing)
        + ". Add each with the status every actor must get (who may use it is decided there).")
    gone = sorted(listed - served)
    assert not gone, ("ROUTES lists routes the app no longer serves: "
                      + ", ".join(f"{method} {rule}" for rule, method in gone) + ". Remove them.")


@pytest.mark.parametrize(("rule", "method", "actor", "expected"), list(_cases()))
def test_route_answers_each_actor_as_the_table_says(world, rule, method, actor, expected):
    case_ = ROUTES[rule][method]
    path = case_.path.format(**world.ids)
    response = world.actors[actor].request(method, path, case_.link)
    assert response.status_code != 500 and "Traceback" not in response.text, response.text[:500]
    assert response.status_code == expected, (
        f"{method} {path} as {actor}: {response.status_code}, the table says {expected}\n{response.text[:300]}")


def test_the_table_never_lets_an_outsider_into_an_activity():
    """A guard on the table itself: whoever edits it cannot give a visitor without a session,
    a learner of another course or staff of another platform a success on an activity's route."""
    outsiders = [ACTORS.index(actor) for actor in (ANONYMOUS, OTHER_COURSE, OTHER_PLATFORM)]
    for rule, methods in ROUTES.items():
        for method, expected in methods.items():
            if rule.startswith("/a/"):
                assert all(expected.statuses[i] >= 400 for i in outsiders), (method, rule)


# -- the findings that a route table cannot express ------------------------------------


@pytest.mark.parametrize(("path", "link"), [
    (C + "/", READINESS), (C + BUDI + "/files/{file}", READINESS), (R + "/intro", COACHING), (R + "/review", COACHING),
])
def test_a_learner_session_reaches_only_the_activity_of_its_link(world, path, link):
    """Budi launched both links; the session of one must not open the other activity."""
    response = world.actors[LEARNER_A].request("GET", path.format(**world.ids), link)
    assert response.status_code in (403, 404), response.status_code


def test_staff_of_a_deep_linking_launch_may_choose_content(world):
    staff = world.actors[STAFF]
    assert staff.request("GET", "/lti/deep-link", DEEP_LINK).status_code == 200
    # An empty choice is refused with the form again, not taken.
    assert staff.request("POST", "/lti/deep-link", DEEP_LINK).status_code == 400


def test_staff_may_move_between_the_activities_of_their_course(world):
    response = world.actors[STAFF].request("GET", (C + "/overview").format(**world.ids), READINESS)
    assert response.status_code == 200


def test_a_teacher_relaunched_as_learner_loses_staff_access_with_the_old_token(world):
    """Moodle changed Rina from teacher to student; her next launch says so, and the session
    of her launch as teacher must not keep the staff pages open."""
    lms = world.lms
    lms.add_user(user_id="9", given_name="Rina", family_name="Kusuma", email="teacher9@example.com",
                 username="teacher9", roles=[INSTRUCTOR], course_id="2")
    browser, landing = world.a.launch("9", "1")
    old = re.search(r"[?&]s=([^&\"#]+)", landing.url).group(1)
    settings_url = world.padu.url + R.format(**world.ids) + "/settings"
    assert browser.session.get(settings_url, params={"s": old}).status_code == 200
    lms.enrolments[("2", "9")] = [LEARNER]
    _browser, relaunched = world.a.launch("9", "1")
    assert relaunched.status_code == 200 and "/readiness/intro" in relaunched.url
    browser.session.cookies.clear()
    assert browser.session.get(settings_url, params={"s": old}).status_code in (401, 403)


def test_registering_a_platform_needs_an_invitation(world):
    """Anyone who can reach Padu could connect their own Moodle with the bare URL."""
    stranger = TestPlatform().start()
    with world.padu.session() as db:
        before = len(db.scalars(select(Platform)).all())
    try:
        page = world.actors[ANONYMOUS].http.get(stranger.start_registration(world.padu.url + "/lti/register"))
    finally:
        stranger.stop()
    with world.padu.session() as db:
        after = len(db.scalars(select(Platform)).all())
    assert page.status_code in (401, 403, 404) and after == before, (page.status_code, before, after)
