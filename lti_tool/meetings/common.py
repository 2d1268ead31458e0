"""What every meeting view shares: the blueprint, loading the gating activity and its program,
the time rules from the settings, and the words the domain leaves to the web layer."""

from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l

from activities.core import Activity, Role
from activities.gating import service as gating
from activities.meetings import exceptions, service

from ..auth import activity_in_context
from ..gating.common import when_in, zone_of
from ..runtime import current, db
from ..web import blueprint
from .errors import PROBLEMS

bp = blueprint("meetings", __name__, exceptions.MeetingError, PROBLEMS)

#: Staff and facilitators plan meetings and mark attendance.
FACILITATORS = (Role.FACILITATOR, Role.STAFF)

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"

STATUS_LABELS = {
    "present": (_l("Present"), "badge-ok"),
    "late": (_l("Late"), "badge-warn"),
    "excused": (_l("Excused"), "badge-muted"),
    "absent": (_l("Absent"), "badge-bad"),
}

KIND_LABELS = {"online": _l("Online"), "in_person": _l("In person")}

WHEN_LABELS = {"now": _l("Now: check-in is open"), "upcoming": _l("Upcoming"), "past": _l("Past")}


def load(activity_id: int) -> tuple[Activity, gating.Program]:
    """The gating activity of the launch's course and its program (404 while the course has none)."""
    activity = activity_in_context(activity_id, gating.KIND)
    program = gating.program_for(db(), activity.course_id)
    if program is None:
        raise exceptions.NotFound("the course has no program yet")
    return activity, program


def rules() -> service.Policy:
    """The time rules as the operator set them (PADU_MEETING_MAX_HOURS, PADU_CHECK_IN_*)."""
    settings = current().settings
    return service.Policy(max_hours=settings.meeting_max_hours, window_minutes=settings.check_in_window_minutes,
                          late_after_minutes=settings.check_in_late_minutes, max_tries=settings.check_in_tries)


def local_value(value: dt.datetime | None, program: gating.Program) -> str:
    """A stored (UTC) time as a datetime-local field shows it, in the program's time zone."""
    return value.astimezone(zone_of(program)).strftime(LOCAL_FORMAT) if value else ""


def parse_local(text: str | None, field: str, program: gating.Program) -> dt.datetime:
    """A datetime-local value typed in the program's time zone."""
    try:
        value = dt.datetime.strptime((text or "").strip()[:16], LOCAL_FORMAT)
    except ValueError:
        raise exceptions.MeetingInvalid(field, "a date and time") from None
    return value.replace(tzinfo=zone_of(program)).astimezone(dt.UTC)


def span(meeting, program: gating.Program) -> str:
    """"10 Mar 2026, 09.00 WIB – 11.00" (the end's date too when it is another day)."""
    zone = zone_of(program)
    start, end = meeting.starts_at.astimezone(zone), meeting.ends_at.astimezone(zone)
    tail = end.strftime("%H.%M") if start.date() == end.date() else when_in(meeting.ends_at, zone)
    return f"{when_in(meeting.starts_at, zone)} – {tail}"


@bp.app_context_processor
def _words():
    # App-wide: the gating journey page includes the learner's meetings (meetings/_journey.html).
    return {"STATUS_LABELS": STATUS_LABELS, "KIND_LABELS": KIND_LABELS, "WHEN_LABELS": WHEN_LABELS, "span": span,
            "too_long": lambda meeting: service.too_long(meeting, rules())}
