"""One exception class per way a Moodle web-service call can fail.

Moodle reports its own errors with HTTP 200 and a body of
``{"exception", "errorcode", "message"[, "debuginfo"]}`` (JSON) or an
``<EXCEPTION>`` document (XML). The ``exception`` class name is not stable:
Moodle 4.5 namespaces some classes (``core\\exception\\moodle_exception``,
``core\\exception\\invalid_parameter_exception``) and not others
(``dml_missing_record_exception``, ``webservice_access_exception``), so the
class is chosen by ``errorcode``, which is the same across versions.
``debuginfo`` only appears when the site runs with developer debugging; never
depend on it.
"""

from __future__ import annotations


class MoodleError(Exception):
    """Base of every error this package raises.

    A Moodle error whose ``errorcode`` has no class of its own is raised as a
    plain :class:`MoodleError`.
    """

    def __init__(
        self,
        message: str,
        *,
        errorcode: str | None = None,
        exception: str | None = None,
        debuginfo: str | None = None,
        wsfunction: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.errorcode = errorcode
        #: Moodle's exception class name, e.g. ``dml_missing_record_exception``.
        self.exception = exception
        #: Present only on sites with developer debugging; may contain SQL.
        self.debuginfo = debuginfo
        self.wsfunction = wsfunction

    def __str__(self) -> str:
        where = f"{self.wsfunction}: " if self.wsfunction else ""
        code = f" [{self.errorcode}]" if self.errorcode else ""
        return f"{where}{self.message}{code}"


class InvalidToken(MoodleError):
    """``invalidtoken``: the token is unknown, expired or its user is suspended."""


class RecordNotFound(MoodleError):
    """``invalidrecord``: an id in the request names nothing, e.g. courseid 99999
    ("Can't find data record in database table course.")."""


class InvalidParameter(MoodleError):
    """``invalidparameter``: a parameter is missing, malformed or refused.

    Moodle also uses it for conflicts. Creating a group whose name already
    exists in the course gives exactly this error; only ``debuginfo`` says
    "Group with the same name already exists in the course", and a production
    site leaves ``debuginfo`` out. So a duplicate cannot be told apart from
    other bad input: look the group up (core_group_get_course_groups) before
    creating it instead of catching an error.
    """


class MissingCapability(MoodleError):
    """The token's user lacks a capability: ``nopermissions`` (e.g. a student
    creating groups, "Manage groups"), ``nopermissiontoviewgrades`` (a student
    reading another user's grades) and any ``required_capability_exception``."""


class AccessDenied(MoodleError):
    """``accessexception``: the token may not run this function at all.

    The reasons Moodle lists are configuration, not data: the token's external
    service does not contain the function, or the service is restricted by
    user, IP, time or capability. Fix it in Site administration > Server > Web
    services > External services.
    """


class UnknownFunction(AccessDenied):
    """The site has no web-service function of that name.

    Moodle does not say so with ``accessexception``: it fails while loading the
    function's description and reports ``invalidrecord`` ("Can't find data
    record in database table external_functions."). That would read as
    :class:`RecordNotFound` and could be mistaken for a missing course or user,
    so it is recognised by the table name and raised as a kind of
    :class:`AccessDenied`: the site (its version or plugins) cannot do what was
    asked, whatever the parameters.
    """


class TransportError(MoodleError):
    """No usable answer came back: network failure, timeout, HTTP error status,
    or a body that is neither JSON nor a Moodle XML document (a PHP fatal error,
    a proxy's HTML page).

    ``retryable`` says whether repeating could help (a 404 from a wrong base URL
    or a certificate error will not). ``maybe_processed`` is False only when
    Moodle certainly did not run the function (the connection was never made,
    or 503), so even a call that creates something may be repeated.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = True,
        maybe_processed: bool = True,
        wsfunction: str | None = None,
    ):
        super().__init__(message, wsfunction=wsfunction)
        self.status = status
        self.retryable = retryable
        self.maybe_processed = maybe_processed


class UnexpectedResponse(MoodleError):
    """Moodle answered, but not in the shape this client expects: a field of the
    wrong type, an XML success document, a DOCTYPE in XML."""


_BY_ERRORCODE: dict[str, type[MoodleError]] = {
    "invalidtoken": InvalidToken,
    "invalidrecord": RecordNotFound,
    "invalidparameter": InvalidParameter,
    "nopermissions": MissingCapability,
    "nopermissiontoviewgrades": MissingCapability,
    "accessexception": AccessDenied,
}


def error_from_moodle(
    *,
    errorcode: str | None,
    message: str | None,
    exception: str | None = None,
    debuginfo: str | None = None,
    wsfunction: str | None = None,
) -> MoodleError:
    """The exception for an error Moodle reported (from JSON or XML alike)."""
    cls = _BY_ERRORCODE.get(errorcode or "", MoodleError)
    if cls is MoodleError and exception and exception.endswith("required_capability_exception"):
        cls = MissingCapability
    if cls is RecordNotFound and "external_functions" in f"{message} {debuginfo}":
        cls = UnknownFunction
    return cls(
        message or errorcode or "Moodle reported an error",
        errorcode=errorcode,
        exception=exception,
        debuginfo=debuginfo,
        wsfunction=wsfunction,
    )
