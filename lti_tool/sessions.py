"""Launch sessions: server-side rows, carried as a signed token rather than only a cookie.

Moodle shows Padu in an iframe, where browsers block third-party cookies. So the
session token rides in every link and form Padu renders (query parameter ``s``,
added by ``url_for`` through a URL default), in ``fetch`` headers
(``X-Padu-Session``), and only as a fallback in a cookie. Flask's ``session`` is
the launch session's ``data``, so Flask-WTF keeps its CSRF secret there too.

A session ends at the first of: its absolute lifetime (``PADU_SESSION_LIFETIME``),
``PADU_SESSION_IDLE_SECONDS`` without a request, or a newer launch of the same
person in the same course with another role; an older token then meets "open the
activity again from Moodle", never the rights it had. Every live session of a
person in a course therefore carries the role of their latest launch.

An explicit token (query, form field, header) always wins over the cookie, and a
request never rewrites a cookie that belongs to someone else: otherwise a link
carrying another person's ``?s=`` would log the browser in as them (session
fixation, login CSRF). Only a launch, or a cookie that is absent or the same
person's, gets the cookie set; a request that already carries this very cookie gets
no ``Set-Cookie`` (sending it again would change nothing).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import secrets
from typing import Any

from flask import Request, current_app, g, request
from flask.sessions import SessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Select, and_, bindparam, exists, insert, literal, literal_column, or_, select, true, update
from sqlalchemy.orm import Session, lazyload
from werkzeug.datastructures import CallbackDict
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from activities.core import (
    LAUNCH_MARK_INTERVAL,
    Activity,
    Course,
    LaunchFacts,
    LaunchRows,
    Person,
    Role,
    bind_resource_link,
    launch_known,
    mark_launch,
    record_launch,
    record_membership,
    record_relaunch,
)
from activities.db import WRITE_ON_ITS_OWN, utcnow

from .lti1p3.commits import WITHOUT_DISK_WAIT_EXPRESSION, disk_wait_dropped
from .lti1p3.deep_linking import activity_for_new_link
from .lti1p3.exceptions import Forbidden
from .lti1p3.launch import (
    DEEP_LINKING_REQUEST,
    NONCE_RECORDED,
    VerifiedLaunch,
    nonce_parameters,
    not_used_up,
    sweep_nonces,
    use_up,
)
from .lti1p3.roles import map_roles
from .models import LaunchSession
from .runtime import current, db

TOKEN_PARAM = "s"
TOKEN_HEADER = "X-Padu-Session"
COOKIE_NAME = "padu_s"
#: ``last_seen_at`` is written at most this often, so that requests do not all write.
TOUCH_INTERVAL = dt.timedelta(minutes=1)


def _serializer() -> URLSafeTimedSerializer:
    return _serializer_for(current().settings.secret_key)


@functools.lru_cache(maxsize=8)
def _serializer_for(secret_key: str) -> URLSafeTimedSerializer:
    """Made once per key: making one (it tries its JSON on a sample) cost as much as a signature."""
    return URLSafeTimedSerializer(secret_key, salt="padu-launch-session")


def new_session_id() -> str:
    return secrets.token_urlsafe(24)


def token_for(launch: LaunchSession | StartedSession) -> str:
    return _serializer().dumps(launch.id)


def _token_from_request(request: Request) -> str | None:
    """The explicit token if the request carries one (even a dead one: never the cookie
    instead), else the cookie. ``request`` is the one Flask opens the session for: the
    context-local proxy would be looked up again at each of its uses."""
    token = request.args.get(TOKEN_PARAM) or request.headers.get(TOKEN_HEADER)
    if not token and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data") \
            and not request.path.startswith("/lti/"):
        try:
            token = request.form.get(TOKEN_PARAM)
        except HTTPException:
            # Too large or malformed: the view meets the same error and answers it
            # with a 4xx page; here it only means "no token in the form".
            token = None
    return token or request.cookies.get(COOKIE_NAME)


def load_launch(token: str | None) -> LaunchSession | None:
    """The live launch session a token names, or None (absent, forged, expired)."""
    if not token or len(token) > 512:
        return None
    try:
        session_id = _serializer().loads(token, max_age=current().settings.session_lifetime)
    except BadSignature:
        return None
    launch = _load_with_person_and_activity(session_id)
    now = utcnow()
    if launch is None or launch.expires_at <= now:
        return None
    last_seen = launch.last_seen_at or launch.created_at
    if now - last_seen > dt.timedelta(seconds=current().settings.session_idle_seconds):
        return None
    if now - last_seen >= TOUCH_INTERVAL:
        launch.last_seen_at = now
        db().commit()
    return launch


#: Built once: a statement made per request costs more CPU than running it. The course
#: is an entity of the row, not a joined eager load of the activity (the ORM's eager-join
#: machinery cost more than the query): ``Activity.course`` then finds it in the identity
#: map. The platform is not read: a page needs only its issuer, and only for a "back to
#: the course" link outside the LMS's frame (``app._launch_context``, from the registry's cache).
#: Measured and left: a Core row made into persistent objects by hand saved ~20 µs of ~210 on
#: SQLite, ~50 of ~520 on PostgreSQL (the identity map's bookkeeping is most of the ORM's cost),
#: and deferring the session's JSON columns nothing measurable.
_LAUNCH_WITH_ROWS = (
    select(LaunchSession, Person, Course, Activity)
    .join(Person, Person.id == LaunchSession.person_id)
    .join(Course, Course.id == LaunchSession.course_id)
    .outerjoin(Activity, Activity.id == LaunchSession.activity_id)
    .where(LaunchSession.id == bindparam("session_id"))
    .options(lazyload(LaunchSession.platform), lazyload(Activity.course))
)


def _load_with_person_and_activity(session_id: str) -> LaunchSession | None:
    """The session row, and in the same query the person and the activity (with its course)
    every page asks for next (``auth.current_person``, ``auth.activity_in_context``,
    ``auth.current_course``): their ``get`` then finds them in the identity map, two
    queries fewer per page. The identity map holds rows weakly, so the request keeps them."""
    found = db().execute(_LAUNCH_WITH_ROWS, {"session_id": session_id}).first()
    if found is None:
        return None
    g.launch_rows = tuple(found)
    return found[0]


def _cookie_owner(token: str) -> tuple[int, int] | None:
    """(platform, person) of the session a cookie names, live or not; None if it names none."""
    if len(token) > 512:
        return None
    try:
        session_id = _serializer().loads(token)
    except BadSignature:
        return None
    row = db().get(LaunchSession, session_id)
    return (row.platform_id, row.person_id) if row is not None else None


def _may_set_cookie(launch: LaunchSession, cookie: str | None) -> bool:
    """Whether this request may replace ``cookie``, the one it carries, with its session's
    token: only if it is absent, names no session, or one of the same person on the same platform."""
    if not cookie:
        return True
    owner = _cookie_owner(cookie)
    return owner is None or owner == (launch.platform_id, launch.person_id)


def set_cookie(response: Response, token: str) -> None:
    """The cookie fallback for a top-level window. Inside a cross-site iframe only
    SameSite=None; Secure cookies are sent at all."""
    secure = request.is_secure
    response.set_cookie(
        COOKIE_NAME,
        token,
        max_age=current().settings.session_lifetime,
        httponly=True,
        secure=secure,
        samesite="None" if secure else "Lax",
        path="/",
    )
    g.padu_cookie_set = True


class LaunchSessionData(CallbackDict, SessionMixin):
    def __init__(self, initial=None, launch: LaunchSession | None = None, token: str | None = None):
        def on_update(self):
            self.modified = True

        super().__init__(initial, on_update)
        self.launch = launch
        self.token = token
        self.modified = False


class LaunchSessionInterface(SessionInterface):
    def open_session(self, app, request):
        token = _token_from_request(request)
        launch = load_launch(token)
        if launch is None:
            return LaunchSessionData()
        g.launch_token = token
        return LaunchSessionData(dict(launch.data or {}), launch=launch, token=token)

    def save_session(self, app, session, response):
        if session.launch is None:  # no launch session (a login, a launch, a page without one)
            return
        flags = g._get_current_object()  # the context-local proxy looked up once, not per flag
        if flags.get("database_unavailable"):  # the outage page (outage.py)
            return
        if session.modified:
            launch = db().merge(session.launch)
            launch.data = dict(session)
            db().commit()
        # A request carrying this very cookie gets no Set-Cookie: its max_age (the session's
        # whole lifetime, counted from when it was set) already outlasts the session, so the
        # ~200 bytes on every page, to phones on weak connections, would change nothing.
        cookie = request.cookies.get(COOKIE_NAME)
        if cookie != session.token and not flags.get("padu_cookie_set") and _may_set_cookie(session.launch, cookie):
            set_cookie(response, session.token)


#: Built once (see ``_LAUNCH_WITH_ROWS``): a person's live sessions in a course with another role end.
_END_OTHER_ROLES = (
    update(LaunchSession)
    .where(LaunchSession.platform_id == bindparam("the_platform_id"), LaunchSession.course_id == bindparam("the_course_id"),
           LaunchSession.person_id == bindparam("the_person_id"), LaunchSession.expires_at > bindparam("the_now"),
           LaunchSession.role != bindparam("the_role"))
    .values(expires_at=bindparam("the_now"))  # names unlike the columns': UPDATE reserves those
)


_NEW_SESSION = insert(LaunchSession)
#: The columns of a launch session the launch's read finds (the rest are the launch's own).
_FOUND_COLUMNS = ("course_id", "person_id", "activity_id")
_NEW = "new_"


def _launch_on_postgresql() -> Select[Any]:
    """PostgreSQL: a relaunch in one statement, in autocommit (no ``BEGIN`` and ``COMMIT``
    round trips), without waiting for the disk (``commits.py``):

    - the state used up (``launch.NONCE_RECORDED``), and only if it is, the rest:
    - what the launch compares (``core.launch_known``: course, person, membership, bound
      activity), returned for the caller to compare and write what the platform changed;
    - when the person's role in the course is the one this launch brings and the activity is
      bound (or none is needed), the launch session opened and the membership's launch mark
      moved (``core.mark_launch``).

    Always one row: the found columns (NULL before a first launch), ``used_up`` and ``opened``.
    A launch that opened nothing here (a first launch in the course, one of an unbound link,
    one with another role) goes on in a transaction: a new role's session opens in the
    transaction that ends the person's sessions with the old one (``_END_OTHER_ROLES``).
    Measured: ending them within this statement too cost more than all its other parts.
    """
    known = launch_known().cte("known")
    used_up = exists(select(NONCE_RECORDED.c.nonce))
    relaunch = and_(used_up, or_(known.c.activity_id.is_not(None), bindparam("without_activity")),
                    known.c.role == bindparam("the_role"), known.c.source == "launch")
    # Every column, each from its parameter (``new_`` and its name) or from the read: a column
    # start_session gives no value fails loudly here, never written as NULL on PostgreSQL only.
    # No parameter of this statement is named as a column of a table it updates: SQLAlchemy
    # would add that column to the UPDATE's SET.
    columns = LaunchSession.__table__.columns
    row = select(*[known.c[column.key] if column.key in _FOUND_COLUMNS
                   else bindparam(_NEW + column.key, type_=column.type) for column in columns]).where(relaunch)
    opened = (insert(LaunchSession).from_select([column.key for column in columns], row)
              .returning(LaunchSession.id).cte("opened"))
    marked = mark_launch(known.c.membership_id).where(relaunch).cte("marked")
    one_row = select(literal(1).label("one")).subquery("one_row")
    return (
        select(known, used_up.label("used_up"), exists(select(opened.c.id)).label("opened"),
               literal_column(WITHOUT_DISK_WAIT_EXPRESSION).label("without_disk_wait"))
        .select_from(one_row.outerjoin(known, true()))
        .add_cte(NONCE_RECORDED, opened, marked)
        .execution_options(**{WRITE_ON_ITS_OWN: True})
    )


_LAUNCH_ON_POSTGRESQL = _launch_on_postgresql()


@dataclasses.dataclass(frozen=True)
class StartedSession:
    """A launch session just opened: what the launch view needs of it (an ORM object
    for a row written by a Core INSERT would cost more to make than the INSERT)."""

    id: str
    course_id: int
    platform_id: int
    activity_id: int | None
    #: Whether the platform has a Moodle web-services token, if the launch's read found it
    #: out (see ``LaunchRows``); None: not read.
    moodle_connected: bool | None = None
    #: The activity's kind ("" while not set up; None without an activity), so that the launch
    #: sends the browser straight to its page.
    activity_kind: str | None = None


def start_session(verified: VerifiedLaunch, *, known_kinds: set[str], data: dict | None = None) -> StartedSession:
    """Record who launched from where, and open their launch session with ``data``.

    Course, person, membership and (for a resource link) the activity are
    upserted; the session row keeps the role and the service endpoints of this
    launch so later requests never need the id_token again. The state is used up
    (its nonce recorded: ``launch.use_up``, last; on PostgreSQL first, in the one
    statement that does a whole relaunch, :func:`_launch_on_postgresql`), and a
    concurrent launch with the same state that came first makes this raise. Nothing
    else is committed here: the caller commits the launch at once.

    The session starts with its CSRF secret (Flask-WTF's session key), so the
    first page, which has a form or a fetch to protect, need not write the
    session again.
    """
    session = db()
    role = map_roles(verified.roles)
    if role is None:
        raise Forbidden(f"roles {verified.roles!r} give no access to Padu")
    now = utcnow()
    values = _session_values(verified, role, now, data)
    facts = _launch_facts(verified)
    connection = session.connection()
    rows: LaunchRows | None = None
    if connection.dialect.name == "postgresql":
        rows, opened = _relaunch_on_postgresql(session, verified, role, facts, values, now)
        if opened and rows is not None:
            return _started(values, rows, rows.activity_id, rows.activity_kind)
    if rows is None:
        rows = record_launch(session, verified.platform.id, verified.context["id"], verified.claims["sub"], role, facts,
                             resource_link_id=_resource_link_id(verified))
    if rows.role_changed:
        # A newer launch in the same course is the truth about this person's roles:
        # their older sessions there with another role end, so an old staff token
        # cannot outlive a relaunch as learner. Sessions with the same role stay, so
        # a learner who opened two activities of the course (two tabs, or the
        # browser's back button on a phone) keeps both. A membership whose role this
        # launch confirms has no such sessions: the launch that set the role ended them.
        connection.execute(  # Core: no ORM objects to keep in step with it
            _END_OTHER_ROLES, {"the_platform_id": verified.platform.id, "the_course_id": rows.course_id,
                               "the_person_id": rows.person_id, "the_now": now, "the_role": role.value})
    activity_id, activity_kind = rows.activity_id, rows.activity_kind  # bound already (line item URLs brought up to date)
    if verified.message_type != DEEP_LINKING_REQUEST and activity_id is None:
        activity = _bind_activity(session, verified, rows, facts, known_kinds)
        activity_id, activity_kind = activity.id, activity.kind
    # Core: the ORM's unit of work for one new row costs more than the INSERT itself.
    connection.execute(_NEW_SESSION, values | {"course_id": rows.course_id, "person_id": rows.person_id,
                                               "activity_id": activity_id})
    if connection.dialect.name != "postgresql":  # there the state was used up first
        use_up(session, verified)
    return _started(values, rows, activity_id, activity_kind)


def _relaunch_on_postgresql(session: Session, verified: VerifiedLaunch, role: Role, facts: LaunchFacts,
                            values: dict[str, Any], now: dt.datetime) -> tuple[LaunchRows | None, bool]:
    """:data:`_LAUNCH_ON_POSTGRESQL` run: the launch's rows (None before a person's first launch
    in the course) and whether it opened the session. Raises if the state was used up before."""
    connection = session.connection()
    found = connection.execute(_LAUNCH_ON_POSTGRESQL, {_NEW + key: value for key, value in values.items()} | {
        "sub": verified.claims["sub"], "context_id": verified.context["id"],
        "resource_link_id": _resource_link_id(verified),
        "without_activity": verified.message_type == DEEP_LINKING_REQUEST, "the_role": role.value,
        "the_now": now, "mark_since": now - LAUNCH_MARK_INTERVAL,
    } | nonce_parameters(verified.platform.id, verified.claims["nonce"])).one()
    if not found.used_up:
        raise not_used_up(session, verified)
    disk_wait_dropped(session)
    sweep_nonces(session)
    if found.course_id is None:
        return None, False
    if not found.opened:  # the membership is the statement's only when it opened the session
        record_membership(connection, found, role)
    return record_relaunch(connection, found, role, facts), found.opened


def _bind_activity(session: Session, verified: VerifiedLaunch, rows: LaunchRows, facts: LaunchFacts,
                   known_kinds: set[str]) -> Activity:
    """The activity of a resource link launched for the first time: the one its Deep Linking
    made, else one bound as ``core.bind_resource_link`` says; with the launch's line item URLs."""
    course = rows.course or session.get_one(Course, rows.course_id)  # read by record_launch a moment ago
    custom = verified.custom
    kind_hint = str(custom.get("padu_activity") or "")
    activity = activity_for_new_link(session, current().settings.secret_key, course, verified)
    activity = activity or bind_resource_link(
        session, course, verified.resource_link["id"],
        key=str(custom.get("padu_key") or "") or None,
        kind_hint=kind_hint if kind_hint in known_kinds else "",
        title=str(verified.resource_link.get("title") or ""),
    )
    # Compared first: an attribute set, even to its value, makes the commit flush the row.
    if facts.lineitem_url and activity.lineitem_url != facts.lineitem_url:
        activity.lineitem_url = facts.lineitem_url
    if facts.lineitems_url and activity.lineitems_url != facts.lineitems_url:
        activity.lineitems_url = facts.lineitems_url
    return activity


def _resource_link_id(verified: VerifiedLaunch) -> str | None:
    """The launch's resource link (None for Deep Linking, or if the platform sent no string)."""
    if verified.message_type == DEEP_LINKING_REQUEST:
        return None
    value = verified.resource_link.get("id")
    return value if isinstance(value, str) else None


def _launch_facts(verified: VerifiedLaunch) -> LaunchFacts:
    """What the launch's claims say about its course, person and resource link."""
    context, claims = verified.context, verified.claims
    ext = verified.claim("ext") or {}
    ags = (verified.ags or {}) if verified.message_type != DEEP_LINKING_REQUEST else {}
    nrps = verified.nrps or {}
    return LaunchFacts(
        label=str(context.get("label") or ""), title=str(context.get("title") or ""),
        memberships_url=_text(nrps.get("context_memberships_url")),
        lineitem_url=_text(ags.get("lineitem")), lineitems_url=_text(ags.get("lineitems")),
        name=str(claims.get("name") or " ".join(filter(None, [claims.get("given_name"), claims.get("family_name")]))),
        email=str(claims.get("email") or ""),
        username=str(ext.get("user_username") or "") if isinstance(ext, dict) else "",
    )


def _session_values(verified: VerifiedLaunch, role: Role, now: dt.datetime, data: dict | None) -> dict[str, Any]:
    """The launch session's columns, but the course, person and activity (found or made later)."""
    return dict(
        id=new_session_id(),
        platform_id=verified.platform.id,
        deployment_id=verified.deployment_id,
        message_type=verified.message_type,
        role=role.value,
        lti_roles=list(verified.roles),
        locale=verified.locale or "id",
        ags=verified.ags,
        nrps=verified.nrps,
        deep_linking=verified.deep_linking,
        return_url=verified.return_url,
        data={**(data or {}), _csrf_key(): secrets.token_hex(20)},
        created_at=now,
        last_seen_at=now,
        expires_at=now + dt.timedelta(seconds=current().settings.session_lifetime),
    )


def _started(values: dict[str, Any], rows: LaunchRows, activity_id: int | None,
             activity_kind: str | None) -> StartedSession:
    return StartedSession(id=values["id"], course_id=rows.course_id, platform_id=values["platform_id"],
                          activity_id=activity_id, moodle_connected=rows.moodle_connected, activity_kind=activity_kind)


def _text(value: object) -> str:
    """A claim's value if it is a non-empty string (the platform's JSON may hold anything), else ""."""
    return value if isinstance(value, str) else ""


def _csrf_key() -> str:
    """Where Flask-WTF keeps the CSRF secret in the session (it makes one there when absent)."""
    return str(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
