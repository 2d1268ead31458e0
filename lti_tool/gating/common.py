"""What every gating view shares: the blueprint, loading the activity and its program,
and the words and dates the domain leaves to the web layer."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from activities.core import Activity, Role
from activities.facts import Progress, Step
from activities.gating import exceptions, service

from ..auth import activity_in_context, current_person, current_role
from ..runtime import db
from ..web import blueprint
from ..web.formatting import locale
from .errors import PROBLEMS

bp = blueprint(service.KIND, __name__, exceptions.GatingError, PROBLEMS)

#: Staff and facilitators: they watch the cohort, override and sign off.
FACILITATORS = (Role.FACILITATOR, Role.STAFF)


def load(activity_id: int) -> tuple[Activity, service.Program | None]:
    """The gating activity of the launch's course and the course's program (None until staff set it up)."""
    activity = activity_in_context(activity_id, service.KIND)
    return activity, service.program_for(db(), activity.course_id)


def load_program(activity_id: int) -> tuple[Activity, service.Program | None]:
    """As :func:`load`; the first staff visit makes the program from the Latsar CPNS template
    (issue 12: "the first gating activity placed … or set up at first staff launch creates it")."""
    activity, program = load(activity_id)
    if program is None and current_role() is Role.STAFF:
        program = service.create_program(db(), activity.course, current_person(), current_role())
        db().commit()
    return activity, program


def require_program(activity_id: int) -> tuple[Activity, service.Program]:
    """As :func:`load_program`, refusing (404) while the course has no program (no staff opened it yet)."""
    activity, program = load_program(activity_id)
    if program is None:
        raise exceptions.NotInProgram("the course has no program yet")
    return activity, program


# -- words and dates -------------------------------------------------------------

STATE_LABELS = {
    "locked": (_l("Locked"), "badge-muted"),
    "open": (_l("Open"), "badge-warn"),
    "complete": (_l("Complete"), "badge-ok"),
    "overridden": (_l("Completed by a facilitator"), "badge-ok"),
}

PHASE_KINDS = (
    ("mandiri", _l("Self-study (mandiri)")),
    ("jarak_jauh", _l("Distance learning (jarak jauh)")),
    ("klasikal", _l("In person (klasikal)")),
    ("other", _l("Other")),
)

REQUIREMENT_KINDS = {
    "readiness": _l("Readiness check result"),
    "coaching_tasks": _l("Coaching tasks accepted"),
    "coaching_sessions": _l("Coaching sessions held"),
    "sign_off": _l("Facilitator's sign-off"),
    "attendance": _l("Attendance at meetings"),
    "moodle_completion": _l("Moodle activity completed"),
    "moodle_grade": _l("Moodle grade at least"),
}

BANDS = {
    "belum_siap": _l("Not ready"),
    "siap_dengan_pendampingan": _l("Ready with support"),
    "siap": _l("Ready"),
}

ACTIONS = {
    "program_created": _l("Program created"),
    "phase_edited": _l("Phase edited"),
    "phase_added": _l("Phase added"),
    "requirement_added": _l("Requirement added"),
    "requirement_edited": _l("Requirement edited"),
    "requirement_removed": _l("Requirement removed"),
    "group_added": _l("Group added"),
    "time_zone_changed": _l("Time zone changed"),
    "override": _l("Phase completed by override"),
    "waiver": _l("Requirement waived"),
    "override_undone": _l("Override undone"),
    "sign_off": _l("Signed off"),
    "sign_off_revoked": _l("Sign-off revoked"),
    "meeting_added": _l("Meeting added"),
    "meeting_edited": _l("Meeting edited"),
    "meeting_cancelled": _l("Meeting cancelled"),
    "attendance_marked": _l("Attendance marked"),
    "attendance_check_in": _l("Checked in to a meeting"),
}

_BAND_ORDER = tuple(BANDS)


def progress_text(progress: Progress | None) -> str:
    """The domain's progress numbers in words, e.g. "Indeks 62, perlu 75"."""
    if progress is None:
        return ""
    done, needed, key = progress.done, progress.needed, progress.key
    if key == "readiness.submitted":
        return _("Submitted") if done >= needed else _("Not submitted yet")
    if key == "gating.readiness_index":
        return _("Index %(done)d, needs %(needed)d", done=done, needed=needed)
    if key == "gating.readiness_band":
        return _("Band %(band)s, needs %(needed)s", band=_band(done), needed=_band(needed))
    if key == "gating.sign_off":
        return _("Signed off") if done >= needed else _("Waiting for a facilitator's sign-off")
    if key == "gating.unavailable":
        return _("The activity was removed from the course; a teacher must change this requirement")
    if key == "coaching.tasks_accepted":
        return _("%(done)d of %(needed)d tasks accepted", done=done, needed=needed)
    if key == "moodle.completion":
        return _("Completed in Moodle") if done >= needed else _("Not completed in Moodle yet")
    if key == "moodle.grade":
        return _("Grade %(done)d%% in Moodle, needs %(needed)d%%", done=done, needed=needed)
    if key == "course.coaching_sessions_held":
        return _("%(done)d of %(needed)d coaching sessions held", done=done, needed=needed)
    if key == "meetings.attendance":
        return _("%(done)d meetings attended, %(needed)d needed", done=done, needed=needed)
    if key == "meetings.none_scheduled":
        return _("No meetings are planned yet")
    return _("%(done)d of %(needed)d", done=done, needed=needed)


def _band(rank: int) -> str:
    return str(BANDS[_BAND_ORDER[rank]]) if 0 <= rank < len(_BAND_ORDER) else "—"


def step_text(step: Step, title: str) -> str:
    """What the learner does next, naming the activity where it happens."""
    return {
        Step.START: lambda: _("Open %(title)s and start.", title=title),
        Step.CONTINUE: lambda: _("Finish your attempt in %(title)s.", title=title),
        Step.SUBMIT: lambda: _("Hand in your work in %(title)s.", title=title),
        Step.REVISE: lambda: _("Revise your work in %(title)s: your coach asked for it.", title=title),
        Step.WAIT_FOR_REVIEW: lambda: _("Wait for your coach's review of %(title)s.", title=title),
        Step.MEET_COACH: lambda: _("Hold a coaching session with your coach."),
    }[step]()


def zone_of(program: service.Program | None) -> ZoneInfo:
    """The program's own zone (staff may set another than Jakarta's), where the kit's ``when`` uses WIB."""
    return ZoneInfo(program.time_zone if program else "Asia/Jakarta")


def when_in(value: dt.datetime | None, zone: ZoneInfo) -> str:
    if value is None:
        return ""
    return format_datetime(value, "d MMM yyyy, HH.mm zzz", tzinfo=zone, locale=locale())


@bp.context_processor
def _words():
    return words()


def words() -> dict:
    """The gating pages' words; also for a gating page rendered by another blueprint (a check-in refused
    from the journey page is answered by the meetings package with the journey)."""
    return {"STATE_LABELS": STATE_LABELS, "REQUIREMENT_KINDS": REQUIREMENT_KINDS, "ACTIONS": ACTIONS,
            "PHASE_KINDS": dict(PHASE_KINDS), "when_in": when_in}
