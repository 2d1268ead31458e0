"""The Moodle web-services link as phase gating's staff see it: a status on the program page
(connected or not, what the token lacks, when the course was last read), the course's
activity list for native requirements, and the switches: one Moodle group per phase, the messages
to learners, and the meetings in the Moodle course calendar.

Nothing here calls Moodle: the page shows what the last sync stored, and saving
the switch queues a sync (the worker applies it).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from itertools import groupby

from flask import request, url_for
from flask_babel import gettext as _

from activities.core import Role
from activities.moodle import store
from activities.moodle.calendar import CalendarStatus, set_calendar
from activities.moodle.calendar import status_of as calendar_status
from activities.moodle.models import Connection, CourseSync
from activities.moodle.notifications import SWITCHES, set_switches

from ..auth import requires
from ..moodle import connection
from ..moodle import sync as moodle_sync
from ..runtime import db
from ..web import form_action
from .common import bp, require_program


@dataclasses.dataclass(frozen=True)
class Status:
    connection: Connection | None
    sync: CourseSync | None
    #: (section title, [(cmid, "name (modname)")]) in course-page order.
    sections: list[tuple[str, list[tuple[int, str]]]]
    missing: tuple[str, ...]
    calendar: CalendarStatus

    @property
    def synced_at(self) -> dt.datetime | None:
        return self.sync.synced_at if self.sync else None


def status_of(course_id: int, platform_id: int) -> Status:
    session = db()
    modules = store.modules_of(session, course_id)
    sections = []
    for number, items in groupby(modules, key=lambda m: m.section):
        rows = list(items)
        sections.append((_section_title(number, rows[0].section_name),
                         [(m.cmid, f"{m.name} ({m.modname})") for m in rows]))
    row = connection.connection_of(session, platform_id)
    return Status(connection=row, sync=session.get(CourseSync, course_id), sections=sections,
                  missing=tuple(row.missing_functions or ()) if row else (),
                  calendar=calendar_status(session, course_id))


def _section_title(number: int, name: str) -> str:
    return name or _("Section %(number)d", number=number)


@bp.post("/program/moodle")
@requires(Role.STAFF)
def moodle_options(activity_id: int):
    """The program's Moodle switches: the phase groups (a sync is queued to apply them), the
    messages to learners (a phase opened, a review done, a revision asked, a meeting within the
    hour) and the meetings of distance and classical phases as Moodle course calendar events (the
    worker's next scan)."""
    activity, program = require_program(activity_id)
    form = request.form

    def act():
        sync_row = store.set_phase_groups(db(), program.course_id, form.get("phase_groups") == "on")
        set_switches(db(), sync_row, [name for name in SWITCHES if form.get(f"notify_{name}") == "on"])
        set_calendar(db(), sync_row, form.get("calendar") == "on")
        moodle_sync.request(db(), activity.course)

    from .program import program_page  # the program page imports this module's status

    return form_action(act, again=lambda problem: program_page(activity, program, problem=problem, form="moodle"),
                       to=url_for(".program", activity_id=activity.id) + "#moodle",
                       message=_("The Moodle options are saved."))
