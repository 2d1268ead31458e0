"""LTI roles to Padu roles.

LTI 1.3 §5.3.7 and Appendix A: roles are full URIs in the id_token (Moodle sends
``http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor`` and, for site
admins, the institution and system ``Administrator`` too); NRPS members carry
short names (``"Instructor"``, ``"Learner"``). Both map here.
"""

from __future__ import annotations

from activities.core import Role

_STAFF = {"Administrator", "Instructor", "ContentDeveloper"}
_FACILITATOR = {"TeachingAssistant", "Mentor"}
_LEARNER = {"Learner"}


def _short(role: str) -> str:
    """``…/membership#Instructor`` → ``Instructor``; ``…/membership/Instructor#TeachingAssistant``
    (a sub-role) → ``TeachingAssistant``; short names pass through."""
    if "#" in role:
        return role.rsplit("#", 1)[1]
    return role.rsplit("/", 1)[-1]


def map_roles(lti_roles: list[str]) -> Role | None:
    """The strongest Padu role the LTI roles give, or None if none applies.

    An Instructor's sub-role ``TeachingAssistant`` counts as facilitator, not staff:
    the sub-role is what the platform says the person is.
    """
    names = {_short(role) for role in lti_roles}
    if names & _STAFF:
        return Role.STAFF
    if names & _FACILITATOR:
        return Role.FACILITATOR
    if names & _LEARNER:
        return Role.LEARNER
    return None
