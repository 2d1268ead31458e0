"""A gated course (tests/lti_tool/gating/conftest.py) whose first phase asks for attendance: the teacher
adds the requirement in the program editor and removes the readiness one, and the facilitator plans a
meeting of that phase that is running now, all over HTTP."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from activities.gating.models import Requirement
from activities.meetings.models import Meeting
from tests.lti_tool.gating.conftest import BUDI, DEWI, RAHMAT, TEACHER, GatedCourse, set_up_course

JAKARTA = ZoneInfo("Asia/Jakarta")
CODE = re.compile(r'class="live-code"[^>]*>([A-Z0-9]{6})<')


def local(moment: dt.datetime) -> str:
    return moment.astimezone(JAKARTA).strftime("%Y-%m-%dT%H:%M")


@dataclasses.dataclass
class MeetingCourse:
    gated: GatedCourse
    meeting_id: int

    def meetings(self, rest: str = "") -> str:
        return f"/a/{self.gated.ids['mandiri']}/meetings{rest}"

    def secret(self) -> str:
        with self.gated.connected.padu.session() as db:
            return db.get(Meeting, self.meeting_id).secret

    def shown_code(self) -> str:
        page = self.gated.user(RAHMAT, "mandiri").get(self.meetings(f"/{self.meeting_id}/live"))
        assert page.status_code == 200, page.text[:500]
        return CODE.search(page.text).group(1)


def plan_meeting(gated: GatedCourse, title: str = "Pertemuan daring 1", *, starts: dt.datetime | None = None,
                 hours: float = 1) -> int:
    rahmat = gated.user(RAHMAT, "mandiri")
    mandiri = gated.phase_ids()[0]
    starts = starts or dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    form = rahmat.get(f"/a/{gated.ids['mandiri']}/meetings/new")
    assert form.status_code == 200, form.text[:500]
    saved = rahmat.submit_form(form, "/meetings/new", {
        "phase_id": str(mandiri), "title": title, "kind": "online", "link": "https://meet.example.go.id/latsar",
        "starts_at": local(starts), "ends_at": local(starts + dt.timedelta(hours=hours)),
        "facilitator_ids": str(gated.person_id(RAHMAT))})
    assert saved.status_code == 200 and title in saved.text, saved.text[:2000]
    with gated.connected.padu.session() as db:
        return db.scalars(select(Meeting.id).where(Meeting.title == title)).one()


def require_attendance(gated: GatedCourse) -> None:
    """Mandiri asks for every one of its meetings (excused counting) instead of the readiness check."""
    teacher = gated.user(TEACHER, "mandiri")
    mandiri = gated.phase_ids()[0]
    page = teacher.get(gated.gating("/program"))
    added = teacher.submit_form(page, f"/program/phases/{mandiri}/requirements", {
        "kind": "attendance", "title": "Hadir di pertemuan", "meetings_phase_id": str(mandiri), "percent": "100",
        "excused_counts": "yes"})
    assert added.status_code == 200, added.text[:2000]
    with gated.connected.padu.session() as db:
        readiness = db.scalars(select(Requirement.id).where(Requirement.phase_id == mandiri,
                                                            Requirement.kind == "readiness")).one()
    removed = teacher.submit_form(added, f"/program/requirements/{readiness}/remove", {})
    assert removed.status_code == 200, removed.text[:2000]


@pytest.fixture
def meeting_course(connected) -> MeetingCourse:
    gated = set_up_course(connected)
    require_attendance(gated)
    return MeetingCourse(gated, plan_meeting(gated))


__all__ = ["BUDI", "DEWI", "RAHMAT", "TEACHER", "MeetingCourse", "local", "meeting_course", "plan_meeting"]
