"""The body of a web-service answer, turned into a value or an exception.

Moodle's REST server answers HTTP 200 whether the call worked or not. With
``moodlewsrestformat=json`` an error is a JSON object with ``exception``,
``errorcode`` and ``message``; a success is any JSON value, including the
literal ``null`` (core_group_add_group_members returns ``null``). When the
format parameter is missing or ignored, Moodle answers in XML: errors are
``<EXCEPTION class="…"><ERRORCODE>…</ERRORCODE><MESSAGE>…</MESSAGE>``. Both
error forms become the same exception classes.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from .errors import MoodleError, TransportError, UnexpectedResponse, error_from_moodle

# Moodle never sends a DTD. Refusing DOCTYPE and ENTITY declarations outright
# keeps entity expansion (billion laughs) and external entities out of the
# parser, which is what defusedxml would do for us.
_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_XML_START = ("<?xml", "<EXCEPTION", "<RESPONSE")


def decode_body(content: bytes, wsfunction: str) -> object:
    """The JSON value Moodle returned, or raise the error it reported.

    A body that is neither JSON nor a Moodle XML document (a PHP fatal error,
    a proxy's HTML page) raises :class:`TransportError`, since such bodies come
    from a failing server rather than from Moodle's answer.
    """
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TransportError(f"{wsfunction}: the answer is not UTF-8 text", wsfunction=wsfunction) from None
    stripped = text.lstrip()
    if stripped.startswith(_XML_START):
        raise _xml_error(stripped, wsfunction)
    try:
        data = json.loads(text)
    except ValueError:
        raise TransportError(
            f"{wsfunction}: the answer is neither JSON nor XML: {stripped[:200]!r}", wsfunction=wsfunction
        ) from None
    if isinstance(data, dict) and "exception" in data:
        raise error_from_moodle(
            errorcode=_text(data.get("errorcode")),
            message=_text(data.get("message")),
            exception=_text(data.get("exception")),
            debuginfo=_text(data.get("debuginfo")),
            wsfunction=wsfunction,
        )
    return data


def _xml_error(text: str, wsfunction: str) -> MoodleError:
    """The error in an XML answer. An XML answer is never a success for this
    client, which always asks for JSON."""
    if _DTD.search(text):
        return UnexpectedResponse(f"{wsfunction}: refusing an XML answer with a DOCTYPE or ENTITY", wsfunction=wsfunction)
    try:
        root = ET.fromstring(text)
    except ET.ParseError as error:
        return TransportError(f"{wsfunction}: the XML answer does not parse: {error}", wsfunction=wsfunction)
    if root.tag != "EXCEPTION":
        return UnexpectedResponse(
            f"{wsfunction}: Moodle answered in XML (<{root.tag}>) although JSON was asked for", wsfunction=wsfunction
        )
    return error_from_moodle(
        errorcode=root.findtext("ERRORCODE"),
        message=root.findtext("MESSAGE"),
        exception=root.get("class"),
        debuginfo=root.findtext("DEBUGINFO"),
        wsfunction=wsfunction,
    )


def _text(value: object) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return str(value)
