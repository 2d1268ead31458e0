"""A typed client of Moodle's REST web services (``wstoken``): errors, retries,
paging. Nothing in here knows about Padu.

    from moodle_client import MoodleClient, get_course_contents
    with MoodleClient("https://lms.example.go.id", token) as moodle:
        sections = get_course_contents(moodle, courseid=2)
"""

from .client import MoodleClient
from .errors import (
    AccessDenied,
    InvalidParameter,
    InvalidToken,
    MissingCapability,
    MoodleError,
    RecordNotFound,
    TransportError,
    UnexpectedResponse,
    UnknownFunction,
)
from .functions import (
    add_group_members,
    create_calendar_events,
    create_groups,
    delete_calendar_events,
    delete_group_members,
    get_activities_completion_status,
    get_course_contents,
    get_course_groups,
    get_course_module,
    get_enrolled_users,
    get_grade_items,
    get_group_members,
    get_site_info,
    get_users_by_field,
    iter_enrolled_users,
    send_instant_messages,
    update_activity_completion_status_manually,
)
from .models import (
    CalendarEvent,
    CompletionStatus,
    CompletionUpdate,
    CourseModule,
    CourseSection,
    CreatedEvents,
    GradeItem,
    Group,
    ModuleInfo,
    MoodleWarning,
    NewCalendarEvent,
    NewGroup,
    NewMessage,
    Role,
    SentMessage,
    SiteFunction,
    SiteInfo,
    User,
    UserGrades,
)
from .params import flatten

__all__ = [
    "MoodleClient", "flatten",
    "MoodleError", "InvalidToken", "RecordNotFound", "InvalidParameter", "MissingCapability",
    "AccessDenied", "UnknownFunction", "TransportError", "UnexpectedResponse",
    "get_site_info", "get_course_contents", "get_course_module", "get_enrolled_users",
    "iter_enrolled_users", "get_users_by_field", "get_activities_completion_status",
    "update_activity_completion_status_manually", "get_grade_items", "create_groups",
    "add_group_members", "delete_group_members", "get_course_groups", "get_group_members", "create_calendar_events",
    "delete_calendar_events",
    "send_instant_messages",
    "SiteInfo", "SiteFunction", "User", "Role", "CourseSection", "ModuleInfo", "CourseModule",
    "CompletionStatus", "CompletionUpdate", "GradeItem", "UserGrades", "NewGroup", "Group",
    "NewCalendarEvent", "CalendarEvent", "CreatedEvents", "NewMessage", "SentMessage", "MoodleWarning",
]
