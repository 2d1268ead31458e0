"""LTI roles map to Padu roles, from full URIs (id_token) and short names (NRPS)."""

import pytest

from activities.core import Role
from lti_tool.roles import map_roles
from tests.fixtures import moodle

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


@pytest.mark.parametrize(
    "fixture, expected",
    [
        ("launch_student_cmid2_id_token.json", Role.LEARNER),
        ("launch_teacher_cmid2_id_token.json", Role.STAFF),
        ("launch_admin_cmid2_id_token.json", Role.STAFF),
    ],
)
def test_moodle_launch_roles(fixture, expected):
    roles = moodle(fixture)["payload"]["https://purl.imsglobal.org/spec/lti/claim/roles"]
    assert map_roles(roles) is expected


@pytest.mark.parametrize(
    "roles, expected",
    [
        ([LIS + "membership#ContentDeveloper"], Role.STAFF),
        ([LIS + "institution/person#Administrator"], Role.STAFF),
        ([LIS + "membership#TeachingAssistant"], Role.FACILITATOR),
        ([LIS + "membership/Instructor#TeachingAssistant"], Role.FACILITATOR),
        ([LIS + "membership#Mentor"], Role.FACILITATOR),
        (["Learner"], Role.LEARNER),
        (["Instructor"], Role.STAFF),
        ([LIS + "membership#Learner", LIS + "membership#Mentor"], Role.FACILITATOR),
        ([], None),
        ([LIS + "institution/person#Guest"], None),
    ],
)
def test_role_mapping(roles, expected):
    assert map_roles(roles) is expected
