"""Moodle's recorded errors become the right exception, from JSON and XML,
and are never retried."""

from __future__ import annotations

import pytest

import moodle_client as mc
from moodle_client import errors
from tests.fixtures import FIXTURES, moodle

from .fake_moodle import assert_sent_as_recorded, recorded_fields

RECORDED_ERRORS = [
    ("ws_error_invalid_token.json", lambda c: mc.get_site_info(c), mc.InvalidToken),
    ("ws_error_invalid_courseid.json", lambda c: mc.get_course_contents(c, 99999), mc.RecordNotFound),
    ("ws_error_missing_parameter.json", lambda c: c.call("core_course_get_contents"), mc.InvalidParameter),
    ("ws_error_missing_capability.json",
     lambda c: mc.create_groups(c, [mc.NewGroup(courseid=2, name="Not allowed")]), mc.MissingCapability),
    ("ws_error_student_reads_other_user_grades.json", lambda c: mc.get_grade_items(c, 2, 5), mc.MissingCapability),
    ("ws_error_function_not_in_service.json", lambda c: mc.get_enrolled_users(c, 2), mc.AccessDenied),
    ("ws_error_unknown_function.json", lambda c: c.call("local_padu_does_not_exist"), mc.UnknownFunction),
    # Moodle has no "duplicate" error: a group name used twice is invalidparameter.
    ("ws_error_core_group_create_groups_duplicate.json",
     lambda c: mc.create_groups(c, [mc.NewGroup(courseid=2, name="Fase 2 - Jarak Jauh", description="dup")]),
     mc.InvalidParameter),
]


@pytest.mark.parametrize("name, call, expected", RECORDED_ERRORS, ids=[r[0] for r in RECORDED_ERRORS])
def test_recorded_error(fake, replay, name, call, expected):
    fixture, client = replay(name, retries=3)
    with pytest.raises(mc.MoodleError) as caught:
        call(client)
    assert type(caught.value) is expected
    assert_sent_as_recorded(fake, fixture)  # also: exactly one request, no retry
    body = fixture["response"]["body"]
    error = caught.value
    assert (error.errorcode, error.message, error.exception) == (body["errorcode"], body["message"], body["exception"])
    assert error.debuginfo == body.get("debuginfo")
    assert error.wsfunction == dict(fixture["request"]["form_fields"])["wsfunction"]
    assert body["message"] in str(error) and body["errorcode"] in str(error)


def test_every_error_recording_is_covered():
    recordings = {p.name for p in FIXTURES.glob("ws_error_*.json")}
    assert recordings == {name for name, _, _ in RECORDED_ERRORS} | {"ws_error_invalid_token_xml_default.json"}


def test_a_record_that_is_missing_is_not_an_unknown_function():
    error = errors.error_from_moodle(errorcode="invalidrecord", message="Can't find data record in database table course.")
    assert type(error) is mc.RecordNotFound
    assert not isinstance(error, mc.AccessDenied)


def test_a_function_not_in_the_service_is_not_an_unknown_function():
    body = moodle("ws_error_function_not_in_service.json")["response"]["body"]
    error = errors.error_from_moodle(errorcode=body["errorcode"], message=body["message"], debuginfo=body["debuginfo"])
    assert type(error) is mc.AccessDenied


def test_required_capability_exception_is_matched_on_its_class_too():
    error = errors.error_from_moodle(errorcode="somefuturecode", message="x",
                                     exception="core\\exception\\required_capability_exception")
    assert type(error) is mc.MissingCapability


def test_an_unknown_errorcode_is_a_plain_moodle_error():
    error = errors.error_from_moodle(errorcode="sitemaintenance", message="Site is under maintenance")
    assert type(error) is mc.MoodleError and error.errorcode == "sitemaintenance"


# -- XML ------------------------------------------------------------------------


def test_recorded_xml_error(fake, replay):
    """Moodle answers XML when moodlewsrestformat is missing; the same error results."""
    fixture, client = replay("ws_error_invalid_token_xml_default.json")
    with pytest.raises(mc.InvalidToken) as caught:
        mc.get_site_info(client)
    error = caught.value
    assert (error.errorcode, error.message) == ("invalidtoken", "Invalid token - token not found")
    assert error.exception == "core\\exception\\moodle_exception" and error.debuginfo is None
    # The recording left the format out on purpose; this client always asks for JSON.
    (sent,) = fake.received
    assert sorted(sent.fields) == sorted(recorded_fields(fixture) + [("moodlewsrestformat", "json")])


def test_xml_debuginfo_and_escaped_text(fake):
    fake.answer(
        '<?xml version="1.0" encoding="UTF-8" ?>\n<EXCEPTION class="webservice_access_exception">\n'
        "<ERRORCODE>accessexception</ERRORCODE>\n<MESSAGE>Access control exception</MESSAGE>\n"
        "<DEBUGINFO>Access to the function core_enrol_get_enrolled_users() &amp; more</DEBUGINFO>\n</EXCEPTION>\n",
        content_type="application/xml; charset=utf-8",
    )
    with pytest.raises(mc.AccessDenied) as caught:
        mc.MoodleClient(fake.url, "t").call("core_enrol_get_enrolled_users", courseid=2)
    assert caught.value.debuginfo == "Access to the function core_enrol_get_enrolled_users() & more"
    assert len(fake.received) == 1


BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>\n'
    "<EXCEPTION class=\"x\"><ERRORCODE>&lol2;</ERRORCODE><MESSAGE>m</MESSAGE></EXCEPTION>"
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?>\n<!doctype e [<!entity xxe SYSTEM "file:///etc/passwd">]>\n'
    "<EXCEPTION><ERRORCODE>&xxe;</ERRORCODE><MESSAGE>m</MESSAGE></EXCEPTION>"
)


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["entity-expansion", "external-entity"])
def test_xml_with_a_dtd_is_refused_unparsed(fake, body):
    fake.answer(body, content_type="application/xml")
    with pytest.raises(mc.UnexpectedResponse, match="DOCTYPE"):
        mc.MoodleClient(fake.url, "t", backoff=0).call("core_webservice_get_site_info")
    assert len(fake.received) == 1


def test_an_xml_success_is_unexpected(fake):
    fake.answer('<?xml version="1.0" encoding="UTF-8" ?>\n<RESPONSE><SINGLE></SINGLE></RESPONSE>',
                content_type="application/xml")
    with pytest.raises(mc.UnexpectedResponse, match="XML"):
        mc.MoodleClient(fake.url, "t").call("core_webservice_get_site_info")


def test_broken_xml_is_a_transport_error(fake):
    fake.answer('<?xml version="1.0"?>\n<EXCEPTION><ERRORCODE>x</MESSAGE>', content_type="application/xml")
    with pytest.raises(mc.TransportError, match="does not parse"):
        mc.MoodleClient(fake.url, "t", retries=0).call("core_webservice_get_site_info")
