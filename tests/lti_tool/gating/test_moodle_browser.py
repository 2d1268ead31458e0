"""The program page's Moodle parts in a real browser, checked by axe-core: the status with what
the token lacks, the switches, and the requirement editor's Moodle activity list."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from activities.core import Course
from activities.moodle import store
from activities.moodle.models import Connection
from lti_tool.moodle.token import seal
from tests.browser_support import serious_violations

from .conftest import TEACHER

pytestmark = pytest.mark.browser


def test_the_moodle_status_and_editor_pass_axe(course, chromium_context):
    with course.connected.padu.session() as db:
        the_course = db.scalars(select(Course)).one()
        db.add(Connection(platform_id=the_course.platform_id, token_sealed=seal("any", "t"), site_name="Moodle BPSDM",
                          release="4.5.6", missing_functions=["core_group_create_groups"]))
        store.store_modules(db, the_course.id, [
            store.ModuleRead(cmid=6, section=1, section_name="Fase 1 - Mandiri", name="Materi Fase 1 - Orientasi",
                             modname="page", completion=1)], dt.datetime.now(dt.UTC))
        db.commit()
    teacher = course.user(TEACHER, "mandiri")
    page = chromium_context.new_page()
    page.goto(teacher.landing.url)
    page.goto(teacher.url(course.gating("/program")) + f"?s={teacher.token}")
    assert page.locator("#moodle h2").inner_text() == "Layanan web Moodle"
    assert "core_group_create_groups" in page.locator("#moodle").inner_text()
    page.locator("details.dialog summary", has_text="Tambah syarat").first.click()
    editor = page.locator("details.dialog[open]", has_text="Untuk aktivitas Moodle").first
    assert editor.locator("select[name=cmid] optgroup[label='Fase 1 - Mandiri'] option").count() == 1
    assert serious_violations(page) == []
