"""Typed values sent to and read from Moodle's web services.

Each result type reads itself from Moodle's JSON with ``from_json``; only the
fields a tool is likely to use are kept. Secrets Moodle hands out along the
way (``userprivateaccesskey`` in site info, a group's ``enrolmentkey``) are
left out on purpose, so they cannot end up in a log or a template.
"""

from __future__ import annotations

from dataclasses import dataclass

from .reading import Reader

# Moodle's text formats (FORMAT_* in lib/weblib.php).
FORMAT_MOODLE = 0
FORMAT_HTML = 1
FORMAT_PLAIN = 2
FORMAT_MARKDOWN = 4

# Completion states (COMPLETION_* in lib/completionlib.php).
COMPLETION_INCOMPLETE = 0
COMPLETION_COMPLETE = 1
COMPLETION_COMPLETE_PASS = 2
COMPLETION_COMPLETE_FAIL = 3

# A module's completion tracking (course_modules.completion).
TRACKING_NONE = 0
TRACKING_MANUAL = 1
TRACKING_AUTOMATIC = 2


@dataclass(frozen=True)
class MoodleWarning:
    """An entry of the ``warnings`` list many functions return next to their
    result: something that was skipped without failing the whole call."""

    warningcode: str
    message: str
    item: str | None = None
    itemid: int | None = None

    @classmethod
    def from_json(cls, r: Reader) -> MoodleWarning:
        return cls(
            warningcode=r.text("warningcode", ""),
            message=r.text("message", ""),
            item=r.text("item", None),
            itemid=r.integer("itemid", None),
        )


def warnings_from(r: Reader) -> tuple[MoodleWarning, ...]:
    return tuple(MoodleWarning.from_json(w) for w in r.objects("warnings", []))


# -- site ---------------------------------------------------------------------


@dataclass(frozen=True)
class SiteFunction:
    name: str
    version: str


@dataclass(frozen=True)
class SiteInfo:
    """core_webservice_get_site_info: the site, the token's user, and the
    functions the token's service allows."""

    sitename: str
    siteurl: str
    userid: int
    username: str
    fullname: str
    #: Moodle's ``$version``, e.g. "2024100706" (the same value LTI launches
    #: carry as ``tool_platform.version``).
    version: str
    #: The human release, e.g. "4.5.6 (Build: 20250811)".
    release: str
    functions: tuple[SiteFunction, ...]
    lang: str = ""
    userissiteadmin: bool = False

    def has_function(self, name: str) -> bool:
        """Whether the token may call ``name``; cheaper to check up front than
        to meet :class:`~moodle_client.errors.AccessDenied` later."""
        return any(function.name == name for function in self.functions)

    @classmethod
    def from_json(cls, r: Reader) -> SiteInfo:
        return cls(
            sitename=r.text("sitename"),
            siteurl=r.text("siteurl"),
            userid=r.integer("userid"),
            username=r.text("username", ""),
            fullname=r.text("fullname", ""),
            version=r.text("version"),
            release=r.text("release", ""),
            functions=tuple(SiteFunction(f.text("name"), f.text("version", "")) for f in r.objects("functions", [])),
            lang=r.text("lang", ""),
            userissiteadmin=r.flag("userissiteadmin", False),
        )


# -- users ----------------------------------------------------------------------


@dataclass(frozen=True)
class Role:
    roleid: int
    shortname: str
    name: str = ""


@dataclass(frozen=True)
class User:
    """A user from core_enrol_get_enrolled_users or core_user_get_users_by_field.

    Which fields Moodle fills depends on the token user's capabilities and the
    site's "show user identity" settings, so all but ``id`` may be empty.
    ``roles`` and ``groupids`` come only with enrolled users; ``suspended``
    only from core_user_get_users_by_field.
    """

    id: int
    username: str = ""
    firstname: str = ""
    lastname: str = ""
    fullname: str = ""
    email: str = ""
    idnumber: str = ""
    suspended: bool | None = None
    lastaccess: int | None = None
    lastcourseaccess: int | None = None
    roles: tuple[Role, ...] = ()
    groupids: tuple[int, ...] = ()

    @classmethod
    def from_json(cls, r: Reader) -> User:
        return cls(
            id=r.integer("id"),
            username=r.text("username", ""),
            firstname=r.text("firstname", ""),
            lastname=r.text("lastname", ""),
            fullname=r.text("fullname", ""),
            email=r.text("email", ""),
            idnumber=r.text("idnumber", ""),
            suspended=r.flag("suspended", None),
            lastaccess=r.timestamp("lastaccess"),
            lastcourseaccess=r.timestamp("lastcourseaccess"),
            roles=tuple(
                Role(roleid=x.integer("roleid"), shortname=x.text("shortname", ""), name=x.text("name", ""))
                for x in r.objects("roles", [])
            ),
            groupids=tuple(g.integer("id") for g in r.objects("groups", [])),
        )


# -- courses and completion -------------------------------------------------------


@dataclass(frozen=True)
class CompletionStatus:
    """One user's completion of one activity.

    From core_completion_get_activities_completion_status, or the
    ``completiondata`` of a module in core_course_get_contents (which is the
    *token user's* completion; for an admin who is not enrolled it shows
    ``istrackeduser: false`` and state 0).
    """

    cmid: int
    state: int
    timecompleted: int | None
    isoverallcomplete: bool
    isautomatic: bool = False
    hascompletion: bool = True
    istrackeduser: bool = True
    overrideby: int | None = None
    modname: str = ""
    instance: int | None = None
    #: TRACKING_MANUAL or TRACKING_AUTOMATIC.
    tracking: int | None = None

    @classmethod
    def from_json(
        cls, r: Reader, *, cmid: int | None = None, modname: str = "", instance: int | None = None,
        tracking: int | None = None,
    ) -> CompletionStatus:
        """Read a status; the keyword values fill in what a module's
        ``completiondata`` leaves out (it sits inside the module)."""
        state = r.integer("state")
        return cls(
            cmid=r.integer("cmid") if cmid is None else cmid,
            state=state,
            timecompleted=r.timestamp("timecompleted"),
            # Older Moodles lack isoverallcomplete; there the state decides.
            isoverallcomplete=r.flag("isoverallcomplete", state in (COMPLETION_COMPLETE, COMPLETION_COMPLETE_PASS)),
            isautomatic=r.flag("isautomatic", False),
            hascompletion=r.flag("hascompletion", True),
            istrackeduser=r.flag("istrackeduser", True),
            overrideby=r.integer("overrideby", None),
            modname=r.text("modname", modname),
            instance=r.integer("instance", None) if instance is None else instance,
            tracking=r.integer("tracking", None) if tracking is None else tracking,
        )


@dataclass(frozen=True)
class CompletionUpdate:
    """core_completion_update_activity_completion_status_manually."""

    status: bool
    warnings: tuple[MoodleWarning, ...] = ()


@dataclass(frozen=True)
class ModuleInfo:
    """An activity or resource as listed by core_course_get_contents."""

    id: int
    name: str
    modname: str
    instance: int
    visible: bool
    uservisible: bool
    #: Not every module has a view page (labels, for instance).
    url: str | None = None
    #: TRACKING_NONE, TRACKING_MANUAL or TRACKING_AUTOMATIC.
    completion: int = TRACKING_NONE
    completiondata: CompletionStatus | None = None
    #: Restrict-access rules as Moodle's JSON text, or None.
    availability: str | None = None

    @classmethod
    def from_json(cls, r: Reader) -> ModuleInfo:
        cmid, modname, instance = r.integer("id"), r.text("modname"), r.integer("instance", 0)
        completion = r.integer("completion", TRACKING_NONE)
        data = r.object("completiondata", None)
        return cls(
            id=cmid,
            name=r.text("name"),
            modname=modname,
            instance=instance,
            visible=r.flag("visible", True),
            uservisible=r.flag("uservisible", True),
            url=r.text("url", None),
            completion=completion,
            completiondata=None if data is None else CompletionStatus.from_json(
                data, cmid=cmid, modname=modname, instance=instance, tracking=completion
            ),
            availability=r.text("availability", None),
        )


@dataclass(frozen=True)
class CourseSection:
    """A section of core_course_get_contents; ``section`` is its number on the
    course page (0 = General), ``id`` its database id."""

    id: int
    section: int
    name: str
    visible: bool
    uservisible: bool
    summary: str
    modules: tuple[ModuleInfo, ...]

    @classmethod
    def from_json(cls, r: Reader) -> CourseSection:
        return cls(
            id=r.integer("id"),
            section=r.integer("section"),
            name=r.text("name", ""),
            visible=r.flag("visible", True),
            uservisible=r.flag("uservisible", True),
            summary=r.text("summary", ""),
            modules=tuple(ModuleInfo.from_json(m) for m in r.objects("modules", [])),
        )


@dataclass(frozen=True)
class CourseModule:
    """core_course_get_course_module: maps a cmid to its course, module type and
    instance. (An LTI launch's ``resource_link.id`` is the instance, not the cmid.)"""

    id: int
    course: int
    module: int
    modname: str
    instance: int
    name: str
    #: Id of the section (not its number: that is ``sectionnum``).
    section: int
    sectionnum: int | None
    idnumber: str
    visible: bool
    completion: int
    groupmode: int = 0
    #: Maximum grade, when the module is graded.
    grade: float | None = None
    #: Grade to pass; Moodle sends it as a decimal string ("0.00").
    gradepass: float | None = None
    availability: str | None = None

    @classmethod
    def from_json(cls, r: Reader) -> CourseModule:
        return cls(
            id=r.integer("id"),
            course=r.integer("course"),
            module=r.integer("module"),
            modname=r.text("modname"),
            instance=r.integer("instance"),
            name=r.text("name", ""),
            section=r.integer("section"),
            sectionnum=r.integer("sectionnum", None),
            idnumber=r.text("idnumber", ""),
            visible=r.flag("visible", True),
            completion=r.integer("completion", TRACKING_NONE),
            groupmode=r.integer("groupmode", 0),
            grade=r.number("grade", None),
            gradepass=r.number("gradepass", None),
            availability=r.text("availability", None),
        )


# -- grades -----------------------------------------------------------------------


@dataclass(frozen=True)
class GradeItem:
    """One row of the user grade report (gradereport_user_get_grade_items).

    ``cmid`` is None for items without an activity: the course total
    (itemtype "course") and columns a tool created through AGS (itemtype
    "manual"). ``graderaw`` is None when there is no grade yet.
    """

    id: int
    itemname: str | None
    itemtype: str
    itemmodule: str | None
    iteminstance: int | None
    cmid: int | None
    graderaw: float | None
    grademin: float
    grademax: float
    gradeformatted: str = ""
    #: As the report shows it ("85.00 %", "-"), in the user's locale; use
    #: ``percentage`` for arithmetic.
    percentageformatted: str = ""
    feedback: str = ""
    gradedategraded: int | None = None
    gradeishidden: bool = False
    idnumber: str = ""

    @property
    def percentage(self) -> float | None:
        """``graderaw`` within ``grademin``..``grademax``, in percent: what
        Moodle's own percentage column shows (40 of 50 -> 80.0)."""
        if self.graderaw is None or self.grademax <= self.grademin:
            return None
        return (self.graderaw - self.grademin) * 100 / (self.grademax - self.grademin)

    @classmethod
    def from_json(cls, r: Reader) -> GradeItem:
        return cls(
            id=r.integer("id"),
            itemname=r.text("itemname", None),
            itemtype=r.text("itemtype"),
            itemmodule=r.text("itemmodule", None),
            iteminstance=r.integer("iteminstance", None),
            cmid=r.integer("cmid", None),
            graderaw=r.number("graderaw", None),
            grademin=r.number("grademin", 0.0),
            grademax=r.number("grademax", 0.0),
            gradeformatted=r.text("gradeformatted", ""),
            percentageformatted=r.text("percentageformatted", ""),
            feedback=r.text("feedback", ""),
            gradedategraded=r.timestamp("gradedategraded"),
            gradeishidden=r.flag("gradeishidden", False),
            idnumber=r.text("idnumber", ""),
        )


@dataclass(frozen=True)
class UserGrades:
    """One user's grade items in one course."""

    courseid: int
    userid: int
    userfullname: str
    items: tuple[GradeItem, ...]

    def for_cmid(self, cmid: int) -> GradeItem | None:
        return next((item for item in self.items if item.cmid == cmid), None)

    @classmethod
    def from_json(cls, r: Reader) -> UserGrades:
        return cls(
            courseid=r.integer("courseid"),
            userid=r.integer("userid"),
            userfullname=r.text("userfullname", ""),
            items=tuple(GradeItem.from_json(g) for g in r.objects("gradeitems", [])),
        )


# -- groups -----------------------------------------------------------------------


@dataclass(frozen=True)
class NewGroup:
    """A group for core_group_create_groups. ``None`` fields are not sent, so
    Moodle's defaults apply."""

    courseid: int
    name: str
    description: str = ""
    descriptionformat: int = FORMAT_HTML
    idnumber: str | None = None
    #: 0 all, 1 members, 2 own membership, 3 none (GROUPS_VISIBILITY_*).
    visibility: int | None = None
    participation: bool | None = None


@dataclass(frozen=True)
class Group:
    id: int
    courseid: int
    name: str
    description: str = ""
    descriptionformat: int = FORMAT_HTML
    #: Moodle sends "" or null when unset; both become "".
    idnumber: str = ""
    visibility: int = 0
    participation: bool = True

    @classmethod
    def from_json(cls, r: Reader) -> Group:
        return cls(
            id=r.integer("id"),
            courseid=r.integer("courseid"),
            name=r.text("name"),
            description=r.text("description", ""),
            descriptionformat=r.integer("descriptionformat", FORMAT_HTML),
            idnumber=r.text("idnumber", ""),
            visibility=r.integer("visibility", 0),
            participation=r.flag("participation", True),
        )


# -- calendar and messages ---------------------------------------------------------


@dataclass(frozen=True)
class NewCalendarEvent:
    """An event for core_calendar_create_calendar_events.

    ``eventtype`` is required here although Moodle defaults it to "user": a
    course event sent without it silently becomes the token user's own event.
    """

    name: str
    eventtype: str
    timestart: int
    timeduration: int = 0
    courseid: int = 0
    groupid: int = 0
    description: str = ""
    format: int = FORMAT_HTML
    repeats: int = 0
    visible: bool = True


@dataclass(frozen=True)
class CalendarEvent:
    id: int
    name: str
    eventtype: str
    timestart: int
    timeduration: int
    courseid: int
    groupid: int
    userid: int
    description: str = ""
    visible: bool = True

    @classmethod
    def from_json(cls, r: Reader) -> CalendarEvent:
        return cls(
            id=r.integer("id"),
            name=r.text("name"),
            eventtype=r.text("eventtype"),
            timestart=r.integer("timestart"),
            timeduration=r.integer("timeduration", 0),
            courseid=r.integer("courseid", 0),
            groupid=r.integer("groupid", 0),
            userid=r.integer("userid", 0),
            description=r.text("description", ""),
            visible=r.flag("visible", True),
        )


@dataclass(frozen=True)
class CreatedEvents:
    """Moodle skips an event it may not create and reports it in ``warnings``
    instead of failing the call, so check both."""

    events: tuple[CalendarEvent, ...]
    warnings: tuple[MoodleWarning, ...] = ()


@dataclass(frozen=True)
class NewMessage:
    """A message for core_message_send_instant_messages. ``clientmsgid`` is
    echoed back so results can be matched to the messages sent."""

    touserid: int
    text: str
    textformat: int = FORMAT_HTML
    clientmsgid: str | None = None


@dataclass(frozen=True)
class SentMessage:
    """The result for one message. Moodle reports a refused message (blocked,
    messaging disabled) here with ``msgid`` -1 and ``errormessage``, not as an
    error of the call."""

    msgid: int
    clientmsgid: str | None = None
    text: str = ""
    timecreated: int | None = None
    conversationid: int | None = None
    useridfrom: int | None = None
    errormessage: str | None = None

    @property
    def sent(self) -> bool:
        return self.msgid != -1 and not self.errormessage

    @classmethod
    def from_json(cls, r: Reader) -> SentMessage:
        return cls(
            msgid=r.integer("msgid"),
            clientmsgid=r.text("clientmsgid", None),
            text=r.text("text", ""),
            timecreated=r.timestamp("timecreated"),
            conversationid=r.integer("conversationid", None),
            useridfrom=r.integer("useridfrom", None),
            errormessage=r.text("errormessage", None) or None,
        )
