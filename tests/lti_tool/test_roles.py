"""LTI roles map to Padu roles, from full URIs (id_token) and short names (NRPS); only context
roles count (LTI 1.3 Appendix A.2.3), never institution or system roles."""

import pytest

from activities.core import Role
from lti_tool.lti1p3.roles import map_roles

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"

#: The roles claims of Moodle 4.5.6's launches (the captures launch_*_cmid2_id_token.json).
MOODLE_STUDENT = [LIS + "membership#Learner"]
MOODLE_TEACHER = [LIS + "membership#Instructor"]
MOODLE_ADMIN = [LIS + "institution/person#Administrator", LIS + "membership#Instructor",
                LIS + "system/person#Administrator"]


@pytest.mark.parametrize(
    "roles, expected",
    [(MOODLE_STUDENT, Role.LEARNER), (MOODLE_TEACHER, Role.STAFF), (MOODLE_ADMIN, Role.STAFF)],
)
def test_moodle_launch_roles(roles, expected):
    assert map_roles(roles) is expected


@pytest.mark.parametrize(
    "roles, expected",
    [
        ([LIS + "membership#ContentDeveloper"], Role.STAFF),
        ([LIS + "membership#Administrator"], Role.STAFF),
        ([LIS + "membership#TeachingAssistant"], Role.FACILITATOR),
        ([LIS + "membership/Instructor#TeachingAssistant"], Role.FACILITATOR),
        ([LIS + "membership/Instructor#Grader"], Role.FACILITATOR),
        ([LIS + "membership/Instructor#PrimaryInstructor"], Role.STAFF),
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


@pytest.mark.parametrize(
    "roles, expected",
    [
        # Institution roles (A.2.2) say what someone is at the agency, not in this course.
        ([LIS + "institution/person#Instructor"], None),
        ([LIS + "institution/person#Administrator"], None),
        ([LIS + "institution/person#Instructor", LIS + "membership#Learner"], Role.LEARNER),
        # System roles (A.2.1) neither.
        ([LIS + "system/person#Administrator"], None),
        ([LIS + "system/person#SysAdmin", LIS + "membership#Learner"], Role.LEARNER),
        # A sub-role never lifts a person above its principal role (A.2.3.1).
        ([LIS + "membership/Learner#Instructor"], Role.LEARNER),
        ([LIS + "membership/Learner#Instructor", LIS + "membership#Learner"], Role.LEARNER),
        ([LIS + "membership/Learner#Administrator"], Role.LEARNER),
        # LTI 1.1 URNs and vendor URIs are not LTI 1.3 context roles.
        (["urn:lti:instrole:ims/lis/Instructor"], None),
        (["http://example.com/roles#Instructor"], None),
    ],
)
def test_only_context_roles_make_staff(roles, expected):
    assert map_roles(roles) is expected
