"""What the link rests on: Moodle's user id is the launch's ``sub``, Moodle's course id is the
context id (checked against the recorded Moodle 4.5.6 exchanges), and the token is sealed."""

from __future__ import annotations

import pytest

from activities.moodle import store
from lti_tool.moodle.token import TokenUnreadable, seal, unseal
from tests.fixtures import moodle as recorded

CONTEXT = "https://purl.imsglobal.org/spec/lti/claim/context"


def _fields(name: str) -> dict:
    return dict(recorded(name)["request"]["form_fields"])


def test_moodle_user_id_is_the_launch_sub_and_course_id_is_the_context_id(learners):
    launch = recorded("launch_student_cmid2_id_token.json")["payload"]
    grades = recorded("ws_gradereport_user_get_grade_items.json")["response"]["body"]["usergrades"][0]
    # Budi's launch says sub "4"; Moodle's web services know Budi Santoso as user 4 in course 2.
    assert launch["sub"] == "4" and launch["name"] == grades["userfullname"] == "Budi Santoso"
    assert int(launch["sub"]) == _fields("ws_core_completion_get_activities_completion_status.json")["userid"]
    assert int(launch["sub"]) == grades["userid"]
    assert launch[CONTEXT]["id"] == "2"
    assert int(launch[CONTEXT]["id"]) == _fields("ws_core_course_get_contents.json")["courseid"] == grades["courseid"]
    assert launch[CONTEXT]["label"] == grades["courseidnumber"]
    # …so Padu maps them without asking Moodle.
    assert store.moodle_course_id(learners.course) == 2
    assert store.learners_by_moodle_id(store_session(learners), learners.course.id) == {
        4: learners.budi.id, 5: learners.dewi.id}


def store_session(learners):
    from sqlalchemy.orm import object_session

    return object_session(learners.course)


def test_the_token_is_sealed_with_a_key_from_the_secret_key():
    sealed = seal("secret-one", "abcdef0123456789")
    assert "abcdef0123456789" not in sealed
    assert unseal("secret-one", sealed) == "abcdef0123456789"
    with pytest.raises(TokenUnreadable):
        unseal("secret-two", sealed)
