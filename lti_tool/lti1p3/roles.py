"""LTI roles to Padu roles: only what the person is *in this course* counts.

LTI 1.3 §5.3.7: the roles claim holds "URI values for roles that the user has
within the message's associated context", but Appendix A.2 gives those URIs
four vocabularies, and only one of them is about the context:

- A.2.1 system roles, ``http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator``;
- A.2.2 institution roles, ``http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor``;
- A.2.3 context roles, ``http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor``;
- A.2.3.1 context sub-roles, ``http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant``,
  a refinement of the principal role named in the path.

A system or institution role says what someone is on the whole site or at the
agency (a lecturer somewhere, a Moodle administrator), not in this course, so it
gives no access here: Moodle sends its site administrators ``membership#Instructor``
as well, which is what makes them staff. A sub-role never lifts a person above its
principal role: ``membership/Learner#Instructor`` is a learner who helps teach, a
learner. NRPS members carry the context roles as simple names (``"Instructor"``,
``"Learner"``), which A.2.3 also allows in the claim; those map here too.
"""

from __future__ import annotations

from activities.core import Role

CONTEXT_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
CONTEXT_SUB_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership/"

#: Context roles (A.2.3) by the Padu role they give.
_PRINCIPAL = {
    "Administrator": Role.STAFF,
    "ContentDeveloper": Role.STAFF,
    "Instructor": Role.STAFF,
    "TeachingAssistant": Role.FACILITATOR,
    "Mentor": Role.FACILITATOR,
    "Learner": Role.LEARNER,
}
#: Sub-roles (A.2.3.1) that mean less than their principal role: an Instructor who
#: only assists or grades is a facilitator. Other sub-roles keep their principal's rank.
_LESSER_SUB_ROLES = {"TeachingAssistant", "TeachingAssistantSection", "TeachingAssistantSectionAssociation",
                     "TeachingAssistantOffering", "TeachingAssistantTemplate", "TeachingAssistantGroup", "Grader"}
_RANK = {Role.LEARNER: 0, Role.FACILITATOR: 1, Role.STAFF: 2}


def context_role(role: str) -> Role | None:
    """The Padu role one LTI role gives in the course, or None (not a context role, unknown)."""
    if role.startswith(CONTEXT_ROLE):
        return _PRINCIPAL.get(role[len(CONTEXT_ROLE):])
    if role.startswith(CONTEXT_SUB_ROLE):
        principal, _, sub_role = role[len(CONTEXT_SUB_ROLE):].partition("#")
        rank = _PRINCIPAL.get(principal)
        if rank is Role.STAFF and sub_role in _LESSER_SUB_ROLES:
            return Role.FACILITATOR
        return rank
    if "/" in role or ":" in role or "#" in role:
        # Any other URI (institution, system, LTI 1.1 URNs, a vendor's): not a context role.
        return None
    return _PRINCIPAL.get(role)


def map_roles(lti_roles: list[str]) -> Role | None:
    """The strongest Padu role the context roles among ``lti_roles`` give, or None if none does."""
    roles = [mapped for mapped in map(context_role, lti_roles) if mapped is not None]
    return max(roles, key=_RANK.__getitem__) if roles else None
