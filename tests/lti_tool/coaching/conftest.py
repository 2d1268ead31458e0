"""A coaching task set up over HTTP the way a teacher does it, and people to use it.

Course 2 of the test platform gets two facilitators: Rahmat (6) coaches Budi
(4), Wulan (7) coaches Dewi (5). Everyone has launched resource link 1, so
each person is a :class:`User` with their own browser and launch session.
"""

from __future__ import annotations

import dataclasses
import html
import io
import re
import zipfile

import pytest
import requests
from sqlalchemy import select

from activities.core import Person
from lti_tool import worker
from tests.lti_tool.conftest import LIS

TEACHING_ASSISTANT = LIS + "membership#TeachingAssistant"

RUBRIC_ROWS = "\n".join([
    "Analisis masalah | Kurang | 1",
    "Analisis masalah | Baik | 3",
    "Analisis masalah | Sangat baik | 5",
    "Rencana aksi | Kurang | 0",
    "Rencana aksi | Baik | 5",
])

SETTINGS = {
    "title": "Aktualisasi nilai BerAKHLAK di unit kerja",
    "instructions": "<p>Terapkan satu nilai <strong>BerAKHLAK</strong> di unit kerja Anda.</p><script>alert(1)</script>",
    "evidence_types": ["reflection", "file", "link"],
    "max_mb": "1",
    "max_files": "3",
    "extensions": ["pdf", "png"],
    "rubric_type": "criteria",
    "rubric_maximum": "",
    "rubric_rows": RUBRIC_ROWS,
    "due_at": "2030-12-20T17:00",
    "due_zone": "Asia/Jakarta",
    "audience": "all",
    "groups": "",
    "review_target_days": "3",
}

_FORM = re.compile(r'<form[^>]*\saction="([^"]*)"[^>]*>(.*?)</form>', re.S)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@dataclasses.dataclass
class User:
    """One person's browser with their launch session on Padu."""

    sub: str
    browser: object
    landing: requests.Response
    padu_url: str

    @property
    def token(self) -> str:
        return re.search(r"[?&]s=([^&\"#]+)", self.landing.url).group(1)

    def url(self, path: str) -> str:
        return path if path.startswith("http") else self.padu_url + path

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.browser.session.get(self.url(path), params={"s": self.token}, **kwargs)

    def csrf(self) -> str:
        page = self.get("/home")
        return re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)

    def post(self, path: str, data: dict | None = None, files=None, *, csrf: bool = True, **kwargs) -> requests.Response:
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf())
        return self.browser.session.post(self.url(path), params={"s": self.token}, data=data, files=files, **kwargs)

    def submit_form(self, page: requests.Response, action_part: str, data: dict, files=None) -> requests.Response:
        """POST the form of ``page`` whose action contains ``action_part``, as a browser would:
        to its action URL (which carries the session token), with its CSRF token."""
        [(action, body)] = [(html.unescape(action), body) for action, body in _FORM.findall(page.text)
                            if action_part in html.unescape(action)]
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', body).group(1)
        return self.browser.session.post(self.url(action), data={"csrf_token": csrf, **data}, files=files)


@dataclasses.dataclass
class Task:
    connected: object
    activity_id: int
    users: dict[str, User]

    @property
    def teacher(self) -> User:
        return self.users["3"]

    @property
    def budi(self) -> User:
        return self.users["4"]

    @property
    def dewi(self) -> User:
        return self.users["5"]

    @property
    def rahmat(self) -> User:
        return self.users["6"]

    @property
    def wulan(self) -> User:
        return self.users["7"]

    def path(self, rest: str = "") -> str:
        return f"/a/{self.activity_id}/coaching{rest}"

    def person_id(self, sub: str) -> int:
        with self.connected.padu.session() as db:
            return db.scalars(select(Person).where(Person.sub == sub)).one().id

    def learner_path(self, sub: str, rest: str = "") -> str:
        return self.path(f"/learners/{self.person_id(sub)}{rest}")

    def stored_files(self) -> list:
        """Every file in the evidence folder, finished or half-written."""
        folder = self.connected.padu.settings.uploads_dir / "coaching"
        return sorted(path.name for path in folder.iterdir()) if folder.exists() else []

    def drain(self) -> None:
        while worker.run_once(self.connected.padu.runtime):
            pass

    def scores_of(self, sub: str) -> list[tuple]:
        return [(s["activityProgress"], s["gradingProgress"], s.get("scoreGiven"))
                for s in self.connected.lms.scores if s["userId"] == sub]

    def hand_in(self, user: User, reflection: str = "Saya menerapkan nilai akuntabel.", links: str = "",
                files=None) -> requests.Response:
        return user.post(self.path("/submit"), {"reflection": reflection, "links": links}, files=files)

    def review(self, coach: User, learner_sub: str, decision: str, feedback: str = "", **levels) -> requests.Response:
        page = coach.get(self.learner_path(learner_sub))
        version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
        data = {"version": version, "decision": decision, "feedback": feedback}
        data.update({f"level-{criterion}": level for criterion, level in levels.items()})
        return coach.post(self.learner_path(learner_sub, "/review"), data)


def add_facilitators(lms) -> None:
    lms.add_user(user_id="6", given_name="Rahmat", family_name="Hidayat", email="coach1@example.com",
                 username="coach1", roles=[TEACHING_ASSISTANT], course_id="2")
    lms.add_user(user_id="7", given_name="Wulan", family_name="Sari", email="coach2@example.com",
                 username="coach2", roles=[TEACHING_ASSISTANT], course_id="2")


def set_up_task(connected, settings: dict | None = None) -> Task:
    """The teacher chooses "coaching" on the setup page and saves the settings form."""
    browser, landing = connected.launch("3")
    teacher = User("3", browser, landing, connected.padu.url)
    chosen = teacher.submit_form(landing, "/setup", {"kind": "coaching"})
    assert chosen.status_code == 200 and "/coaching/settings" in chosen.url, chosen.text[:500]
    saved = teacher.submit_form(chosen, "/coaching/settings", dict(settings or SETTINGS))
    assert saved.status_code == 200, saved.text[:2000]
    activity_id = int(re.search(r"/a/(\d+)/coaching", saved.url).group(1))
    return Task(connected, activity_id, {"3": teacher})


@pytest.fixture
def task(connected) -> Task:
    """The task, everyone launched once, Rahmat coaching Budi and Wulan coaching Dewi."""
    add_facilitators(connected.lms)
    task = set_up_task(connected)
    for sub in ("4", "5", "6", "7"):
        browser, landing = connected.launch(sub)
        assert landing.status_code == 200, landing.text[:500]
        task.users[sub] = User(sub, browser, landing, connected.padu.url)
    page = task.teacher.get(task.path("/coaches"))
    assigned = task.teacher.submit_form(page, "/coaching/coaches?", {
        f"coach-{task.person_id('4')}": str(task.person_id("6")),
        f"coach-{task.person_id('5')}": str(task.person_id("7")),
    })
    assert assigned.status_code == 200, assigned.text[:500]
    return task


def text_of(page: requests.Response) -> str:
    """The page's text without tags, entities resolved, for assertions on what a person reads."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())
