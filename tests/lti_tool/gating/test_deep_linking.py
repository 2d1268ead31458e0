"""A gating activity placed with Deep Linking: its first staff launch makes the course's program,
a second one attaches to it, and a learner before any staff launch is told it is not set up yet."""

from __future__ import annotations

from sqlalchemy import select

from activities.gating.models import Program
from tests.lti_tool.coaching.conftest import text_of
from tests.lti_tool.test_deep_linking import moodle_saves, select_content


def test_the_first_staff_launch_of_a_deep_linked_gating_activity_makes_the_program(connected):
    first = select_content(connected, kind="gating", title="Gerbang Mandiri")
    moodle_saves(connected, first, resource_link_id="7")
    _browser, learner_page = connected.launch("4", resource_link_id="7")
    assert learner_page.status_code == 200
    assert "belum diatur" in text_of(learner_page)  # no program before a teacher opens it
    _browser, staff_page = connected.launch("3", resource_link_id="7")
    assert staff_page.status_code == 200 and "/gating/" in staff_page.url
    second = select_content(connected, kind="gating", title="Gerbang Jarak Jauh")
    moodle_saves(connected, second, resource_link_id="8")
    connected.launch("3", resource_link_id="8")
    with connected.padu.session() as db:
        [program] = db.scalars(select(Program)).all()
        assert [p.title for p in program.phases] == [
            "Pembelajaran Mandiri", "Pembelajaran Jarak Jauh", "Pembelajaran Klasikal"]
    _browser, learner_page = connected.launch("4", resource_link_id="7")
    assert "Perjalanan belajar Anda" in text_of(learner_page)
