"""A course with the three activities phase gating reads, set up over HTTP as a teacher does it.

Course 2 of the test platform: a readiness check on resource link 1, a coaching
task on link 2 (Rahmat, a facilitator, coaches Budi and Dewi), and two gating
activities: link 3 is the column of the first phase (Pembelajaran Mandiri), link 4
that of the second (Pembelajaran Jarak Jauh). The first staff launch of a gating
activity made the course's program from the Latsar CPNS template.
"""

from __future__ import annotations

import dataclasses
import re

import pytest
from sqlalchemy import select

from activities.core import Activity, Person
from activities.gating.models import Phase
from lti_tool import worker
from tests.lti_tool.coaching.conftest import SETTINGS as COACHING_SETTINGS
from tests.lti_tool.coaching.conftest import User, add_facilitators
from tests.lti_tool.conftest import LEARNER
from tests.lti_tool.readiness.helpers import complete_attempt, post_form

TEACHER, BUDI, DEWI, RAHMAT = "3", "4", "5", "6"
LINKS = {"readiness": "1", "coaching": "2", "mandiri": "3", "jarak_jauh": "4"}


@dataclasses.dataclass
class GatedCourse:
    connected: object
    ids: dict[str, int]
    #: (sub, link) → that person's browser session on that link.
    users: dict[tuple[str, str], User]

    def user(self, sub: str, link: str) -> User:
        """``sub``'s session launched from resource link ``link`` (launched on first use)."""
        key = (sub, link)
        if key not in self.users:
            browser, landing = self.connected.launch(sub, LINKS[link])
            assert landing.status_code == 200, landing.text[:500]
            self.users[key] = User(sub, browser, landing, self.connected.padu.url)
        return self.users[key]

    def gating(self, rest: str = "", link: str = "mandiri") -> str:
        return f"/a/{self.ids[link]}/gating{rest}"

    def coaching(self, rest: str = "") -> str:
        return f"/a/{self.ids['coaching']}/coaching{rest}"

    def person_id(self, sub: str) -> int:
        with self.connected.padu.session() as db:
            return db.scalars(select(Person).where(Person.sub == sub)).one().id

    def phase_ids(self) -> list[int]:
        with self.connected.padu.session() as db:
            return list(db.scalars(select(Phase.id).order_by(Phase.position)))

    def drain(self) -> None:
        while worker.run_once(self.connected.padu.runtime):
            pass

    def gate_scores(self, link: str, sub: str) -> list[float]:
        item = self.connected.lms.resource_links[("2", LINKS[link])]["lineitem"]
        return [s.get("scoreGiven") for s in self.connected.lms.scores if s["lineitem"] == item and s["userId"] == sub]

    def accept_coaching(self, sub: str) -> None:
        coach = self.user(RAHMAT, "coaching")
        handed = self.user(sub, "coaching").post(self.coaching("/submit"), {"reflection": "Saya menerapkan nilai."})
        assert handed.status_code == 200, handed.text[:500]
        path = self.coaching(f"/learners/{self.person_id(sub)}")
        version = re.search(r'name="version" value="(\d+)"', coach.get(path).text).group(1)
        accepted = coach.post(path + "/review", {"version": version, "decision": "accept", "feedback": "Bagus.",
                                                 "level-c1": "l3", "level-c2": "l2"})
        assert accepted.status_code == 200, accepted.text[:500]

    def hold_sessions(self, sub: str, count: int = 2) -> None:
        coach = self.user(RAHMAT, "coaching")
        for day in range(count):
            logged = coach.post(self.coaching(f"/learners/{self.person_id(sub)}/sessions"),
                                {"held_on": f"2026-11-{20 + day}", "mode": "online", "notes": "Sesi."})
            assert logged.status_code == 200, logged.text[:500]


def _set_up(teacher: User, kind: str):
    chosen = teacher.submit_form(teacher.landing, "/setup", {"kind": kind})
    assert chosen.status_code == 200, chosen.text[:500]
    return chosen


def set_up_course(connected) -> GatedCourse:
    add_facilitators(connected.lms)
    # On Moodle's roster only: she never opens Padu.
    connected.lms.add_user(user_id="11", given_name="Sri", family_name="Wahyuni", email="sri@example.com",
                           username="s11", roles=[LEARNER], course_id="2")
    for link in ("2", "3", "4"):
        connected.lms.add_resource_link(course_id="2", resource_link_id=link, title=f"Link {link}", lineitem=True)
    connected.lms.resource_links[("2", "3")]["title"] = "Gerbang Mandiri"
    connected.lms.resource_links[("2", "4")]["title"] = "Gerbang Jarak Jauh"
    course = GatedCourse(connected, {}, {})
    readiness = _set_up(course.user(TEACHER, "readiness"), "readiness")
    assert "/readiness/settings" in readiness.url
    coaching = _set_up(course.user(TEACHER, "coaching"), "coaching")
    saved = course.user(TEACHER, "coaching").submit_form(coaching, "/coaching/settings", dict(COACHING_SETTINGS))
    assert saved.status_code == 200, saved.text[:1000]
    for link in ("mandiri", "jarak_jauh"):
        chosen = _set_up(course.user(TEACHER, link), "gating")
        assert "/gating/settings" in chosen.url, chosen.url
    with connected.padu.session() as db:
        by_link = {a.resource_link_id: a.id for a in db.scalars(select(Activity))}
    course.ids = {name: by_link[link] for name, link in LINKS.items()}
    phases = course.phase_ids()
    for link, phase_id in (("mandiri", phases[0]), ("jarak_jauh", phases[1])):
        teacher = course.user(TEACHER, link)
        saved = teacher.submit_form(teacher.get(course.gating("/settings", link)), "/gating/settings",
                                    {"phase_id": str(phase_id)})
        assert saved.status_code == 200 and "/gating/settings" in saved.url, saved.text[:1000]
    # Coaches and learners open the activities once (Padu knows people from their launches and the roster).
    for sub in (BUDI, DEWI, RAHMAT):
        course.user(sub, "coaching")
    page = course.user(TEACHER, "coaching").get(course.coaching("/coaches"))
    assigned = course.user(TEACHER, "coaching").submit_form(page, "/coaching/coaches?", {
        f"coach-{course.person_id(BUDI)}": str(course.person_id(RAHMAT)),
        f"coach-{course.person_id(DEWI)}": str(course.person_id(RAHMAT)),
    })
    assert assigned.status_code == 200, assigned.text[:500]
    return course


@pytest.fixture
def course(connected) -> GatedCourse:
    return set_up_course(connected)


__all__ = ["BUDI", "DEWI", "RAHMAT", "TEACHER", "GatedCourse", "complete_attempt", "course", "post_form"]
