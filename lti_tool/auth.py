"""Who may do what: every view after the launch goes through here.

``requires(*roles)`` checks a live launch session and its role; ``activity_in_context``
loads an activity only if it belongs to the launch's course. Objects from
another course or platform are a 404, never a leak.

Only staff move between the course's activities. Everyone else reaches the one
activity their launch came from: Moodle decides who sees which activity (hidden
activities, restrict-access rules, groupings), and it says so only by launching
that resource link. Another activity's id in the URL is a 403 that says to open
it from the course.
"""

from __future__ import annotations

import functools
from typing import TypeVar

from flask import abort, g, session
from sqlalchemy.exc import IntegrityError

from activities.core import Activity, Course, Person, Role, members

from .lti1p3.exceptions import Forbidden, OtherActivity, SessionMissing
from .models import LaunchSession
from .runtime import db

_Row = TypeVar("_Row")


def current_launch() -> LaunchSession:
    launch = getattr(session, "launch", None)
    if launch is None:
        raise SessionMissing("no valid launch session came with the request")
    return launch


def current_role() -> Role:
    return Role(current_launch().role)


def current_person() -> Person:
    person = g.get("person")
    if person is None:
        person = g.person = _loaded_with_launch(Person) or db().get(Person, current_launch().person_id)
    return person


def current_course() -> Course:
    course = g.get("course")
    if course is None:
        course = g.course = _loaded_with_launch(Course) or db().get(Course, current_launch().course_id)
    return course


def _loaded_with_launch(kind: type[_Row]) -> _Row | None:
    """The row of ``kind`` the launch session was read with (``sessions.load_launch`` keeps
    them in ``g.launch_rows``), or None. ``Session.get`` would find the same object in the
    identity map, at a cost every page paid twice (its header shows person and course)."""
    rows = g.get("launch_rows")
    if not rows or rows[0] is not getattr(session, "launch", None):
        return None
    for row in rows:
        if type(row) is kind:
            return row
    return None


def requires(*roles: Role):
    """Only a launch with one of ``roles`` may call the view (any role if none given)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            launch = current_launch()
            if roles and Role(launch.role) not in roles:
                raise Forbidden(f"role {launch.role} may not use {view.__name__}")
            return view(*args, **kwargs)

        return wrapper

    return decorator


def activity_in_context(activity_id: int, kind: str | None = None) -> Activity:
    """The activity, if it belongs to the launch's course (and is of ``kind``) and,
    for anyone but staff, is the activity the launch came from.

    Every view that takes an activity id loads it here (the readiness and coaching
    loaders too), so this is the one place the rule lives.
    """
    launch = current_launch()
    activity = db().get(Activity, activity_id)
    if activity is None or activity.course_id != launch.course_id:
        abort(404)
    if kind is not None and activity.kind != kind:
        abort(404)
    if Role(launch.role) is not Role.STAFF and activity.id != launch.activity_id:
        raise OtherActivity(f"a {launch.role} launched activity {launch.activity_id}, not {activity.id}")
    return activity


def refresh_roster() -> None:
    """Ask a worker for a fresh NRPS roster of the launch's course (at most once per
    ``roster_cache_seconds``); a later visit shows it. The page never calls the platform."""
    from .lti1p3.nrps import request_refresh
    from .runtime import current

    runtime = current()
    database = db()
    try:
        # Committed at once, as the roster itself was before: staff views ask before they change anything.
        request_refresh(database, runtime.cache, runtime.settings.roster_cache_seconds, current_course())
        database.commit()
    except IntegrityError:  # another request queued the course's refresh at the same moment: it will do
        database.rollback()


def course_roster():
    """Everyone in the launch's course as stored: the NRPS roster's last refresh plus everyone
    who launched (:func:`refresh_roster` asks for a fresher one)."""
    refresh_roster()
    return members(db(), current_course().id)
