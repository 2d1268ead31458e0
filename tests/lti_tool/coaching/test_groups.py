"""A coaching task for some groups: without Moodle's groups Padu says plainly that the web-services
token is needed; once a sync stored them, a member hands in and a non-member is refused."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from activities.core import Course
from activities.moodle import store

from .conftest import SETTINGS, User, set_up_task, text_of


def test_a_task_for_a_group_works_from_the_synced_memberships(connected):
    task = set_up_task(connected, {**SETTINGS, "audience": "groups", "groups": "Fase 2 - Jarak Jauh"})
    for sub in ("4", "5"):
        browser, landing = connected.launch(sub)
        task.users[sub] = User(sub, browser, landing, connected.padu.url)

    unknown = task.hand_in(task.budi)
    assert unknown.status_code == 403
    assert "token layanan web Moodle" in text_of(unknown)

    with connected.padu.session() as db:
        course = db.scalars(select(Course)).one()
        # What a sync of the recorded course stores: group 1 "Fase 2 - Jarak Jauh" holds Moodle user 4 (Budi).
        store.store_groups(db, course.id, [store.GroupRead(1, "Fase 2 - Jarak Jauh", "fase-2-pjj", (4,))],
                           dt.datetime.now(dt.UTC))
        store.record_success(db, course.id)
        db.commit()
    assert task.hand_in(task.budi).status_code == 200
    other = task.hand_in(task.dewi)
    assert other.status_code == 403 and "untuk grup lain" in text_of(other)
