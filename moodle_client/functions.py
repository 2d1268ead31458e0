"""Typed wrappers of the Moodle web-service functions a tool needs.

Each takes a :class:`~moodle_client.client.MoodleClient` first and returns the
types in :mod:`moodle_client.models`. The parameter names are Moodle's own, so
Moodle's API documentation (Site administration > Server > Web services > API
Documentation) applies unchanged. Functions that create something (groups,
calendar events, messages) are not repeated after a failure that Moodle may
have survived, so nothing is created twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import asdict

from .client import MoodleClient
from .models import (
    CalendarEvent,
    CompletionStatus,
    CompletionUpdate,
    CourseModule,
    CourseSection,
    CreatedEvents,
    Group,
    NewCalendarEvent,
    NewGroup,
    NewMessage,
    SentMessage,
    SiteInfo,
    User,
    UserGrades,
    warnings_from,
)
from .reading import Reader, read_objects


def get_site_info(client: MoodleClient) -> SiteInfo:
    """core_webservice_get_site_info: the token's user, the Moodle version, and
    every function the token's service allows (763 for a service holding all)."""
    name = "core_webservice_get_site_info"
    return SiteInfo.from_json(Reader(client.call(name), name))


def get_course_contents(client: MoodleClient, courseid: int) -> list[CourseSection]:
    """core_course_get_contents: sections and their modules, as the token's
    user sees them. A course that does not exist raises RecordNotFound."""
    name = "core_course_get_contents"
    return [CourseSection.from_json(s) for s in read_objects(client.call(name, courseid=courseid), name)]


def get_course_module(client: MoodleClient, cmid: int) -> CourseModule:
    """core_course_get_course_module: the course, module type and instance of a cmid."""
    name = "core_course_get_course_module"
    return CourseModule.from_json(Reader(client.call(name, cmid=cmid), name).object("cm"))


def get_enrolled_users(client: MoodleClient, courseid: int, **options: object) -> list[User]:
    """core_enrol_get_enrolled_users, one call.

    ``options`` are Moodle's: ``withcapability``, ``groupid``, ``onlyactive``,
    ``onlysuspended``, ``userfields`` (comma-separated, must include ``id``),
    ``limitfrom``, ``limitnumber``, ``sortby``, ``sortdirection``. They travel
    as ``options[0][name]=limitfrom&options[0][value]=0``. For a whole course
    use :func:`iter_enrolled_users`, which pages.
    """
    name = "core_enrol_get_enrolled_users"
    params: dict[str, object] = {"courseid": courseid}
    if options:
        params["options"] = [{"name": key, "value": value} for key, value in options.items()]
    return [User.from_json(u) for u in read_objects(client.post(name, params), name)]


def iter_enrolled_users(client: MoodleClient, courseid: int, *, page_size: int = 100, **options: object) -> Iterator[User]:
    """Every enrolled user of a course, fetched ``page_size`` at a time with
    ``limitfrom``/``limitnumber``, so a cohort of thousands is never one answer.

    Moodle sorts by user id by default, so pages are stable; a user enrolled
    or unenrolled meanwhile may shift a page, and a user seen twice is yielded
    once. Iteration stops at the first page shorter than ``page_size``.
    """
    if page_size < 1:
        raise ValueError("page_size must be at least 1 (Moodle reads limitnumber 0 as 'no limit')")
    if {"limitfrom", "limitnumber"} & options.keys():
        raise ValueError("iter_enrolled_users sets limitfrom and limitnumber itself")
    seen: set[int] = set()
    offset = 0
    while True:
        page = get_enrolled_users(client, courseid, limitfrom=offset, limitnumber=page_size, **options)
        for user in page:
            if user.id not in seen:
                seen.add(user.id)
                yield user
        if len(page) < page_size:
            return
        offset += page_size


def get_users_by_field(client: MoodleClient, field: str, values: Iterable[object]) -> list[User]:
    """core_user_get_users_by_field: users whose ``field`` (id, idnumber,
    username or email) is one of ``values``. Unknown values are just absent."""
    name = "core_user_get_users_by_field"
    answer = client.call(name, field=field, values=list(values))
    return [User.from_json(u) for u in read_objects(answer, name)]


def get_activities_completion_status(client: MoodleClient, courseid: int, userid: int) -> dict[int, CompletionStatus]:
    """core_completion_get_activities_completion_status: a user's completion of
    every activity with completion tracking, by cmid. An activity completed by
    an AGS score ("receive a grade") shows up here as complete."""
    name = "core_completion_get_activities_completion_status"
    r = Reader(client.call(name, courseid=courseid, userid=userid), name)
    statuses = [CompletionStatus.from_json(s) for s in r.objects("statuses", [])]
    return {status.cmid: status for status in statuses}


def update_activity_completion_status_manually(client: MoodleClient, cmid: int, completed: bool) -> CompletionUpdate:
    """core_completion_update_activity_completion_status_manually: tick or untick
    an activity with *manual* completion, as the token's user (the learner's
    own token; Moodle refuses it for automatic completion)."""
    name = "core_completion_update_activity_completion_status_manually"
    r = Reader(client.call(name, cmid=cmid, completed=completed), name)
    return CompletionUpdate(status=r.flag("status"), warnings=warnings_from(r))


def get_grade_items(
    client: MoodleClient, courseid: int, userid: int | None = None, groupid: int | None = None
) -> list[UserGrades]:
    """gradereport_user_get_grade_items: the user report's grade items, one
    :class:`UserGrades` per user (every user of the course, or of ``groupid``,
    when ``userid`` is None). A student token asking for another user raises
    MissingCapability (``nopermissiontoviewgrades``)."""
    name = "gradereport_user_get_grade_items"
    r = Reader(client.call(name, courseid=courseid, userid=userid, groupid=groupid), name)
    return [UserGrades.from_json(u) for u in r.objects("usergrades", [])]


def create_groups(client: MoodleClient, groups: Iterable[NewGroup]) -> list[Group]:
    """core_group_create_groups. A name already used in the course raises
    InvalidParameter, indistinguishable from other bad input on a production
    site: look groups up with :func:`get_course_groups` first."""
    name = "core_group_create_groups"
    answer = client.post(name, {"groups": [asdict(group) for group in groups]}, idempotent=False)
    return [Group.from_json(g) for g in read_objects(answer, name)]


def add_group_members(client: MoodleClient, members: Iterable[tuple[int, int]]) -> None:
    """core_group_add_group_members with ``(groupid, userid)`` pairs. Moodle
    answers ``null``; adding a member twice is harmless, so this is retried."""
    client.call(
        "core_group_add_group_members",
        members=[{"groupid": groupid, "userid": userid} for groupid, userid in members],
    )


def delete_group_members(client: MoodleClient, members: Iterable[tuple[int, int]]) -> None:
    """core_group_delete_group_members with ``(groupid, userid)`` pairs (Moodle's
    group/externallib.php: the same ``members`` list as adding; the answer is
    ``null``). Removing someone who is not a member does nothing, so this is retried."""
    client.call(
        "core_group_delete_group_members",
        members=[{"groupid": groupid, "userid": userid} for groupid, userid in members],
    )


def get_course_groups(client: MoodleClient, courseid: int) -> list[Group]:
    """core_group_get_course_groups."""
    name = "core_group_get_course_groups"
    return [Group.from_json(g) for g in read_objects(client.call(name, courseid=courseid), name)]


def get_group_members(client: MoodleClient, groupids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    """core_group_get_group_members: user ids by group id."""
    name = "core_group_get_group_members"
    answer = client.call(name, groupids=list(groupids))
    return {g.integer("groupid"): g.integers("userids", []) for g in read_objects(answer, name)}


def create_calendar_events(client: MoodleClient, events: Iterable[NewCalendarEvent]) -> CreatedEvents:
    """core_calendar_create_calendar_events. Events Moodle refuses come back as
    warnings, not as an error: check ``CreatedEvents.warnings``."""
    name = "core_calendar_create_calendar_events"
    answer = client.post(name, {"events": [asdict(event) for event in events]}, idempotent=False)
    r = Reader(answer, name)
    return CreatedEvents(
        events=tuple(CalendarEvent.from_json(e) for e in r.objects("events", [])),
        warnings=warnings_from(r),
    )


def delete_calendar_events(client: MoodleClient, eventids: Iterable[int], *, repeat: bool = False) -> None:
    """core_calendar_delete_calendar_events (calendar/externallib.php: ``events[i][eventid]`` and
    ``events[i][repeat]``; the answer is ``null``). An id that names no event raises
    RecordNotFound (``invalidrecord``, from ``calendar_event::load``) and, Moodle deleting in one
    transaction, nothing of that call is deleted. Deleting twice removes nothing more, so this is retried."""
    client.call(
        "core_calendar_delete_calendar_events",
        events=[{"eventid": eventid, "repeat": repeat} for eventid in eventids],
    )


def send_instant_messages(client: MoodleClient, messages: Iterable[NewMessage]) -> list[SentMessage]:
    """core_message_send_instant_messages, in the order sent. A refused message
    is a result with ``sent`` False, not an exception. Text in FORMAT_HTML comes
    back as Moodle stored it (wrapped in ``<p>``)."""
    name = "core_message_send_instant_messages"
    answer = client.post(name, {"messages": [asdict(message) for message in messages]}, idempotent=False)
    return [SentMessage.from_json(m) for m in read_objects(answer, name)]

