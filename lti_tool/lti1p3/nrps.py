"""Names and Role Provisioning Services 2.0: the course roster.

Facilitators must also see the learners who never opened Padu. The roster is
fetched page by page (``Link: rel="next"``, §2.4.1) and written into
memberships with source "roster". Pages never fetch it: a staff page asks for a
refresh (:func:`request_refresh`: at most once per ``roster_cache_seconds`` per
course, and one pending job per course), shows the memberships stored so far,
and a worker runs the job (:func:`refresh`, the ``nrps.roster`` job kind). A
platform without NRPS, or one that fails, leaves the people who have launched
— the page still works, and never waits for a platform.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from activities.core import Course, upsert_membership, upsert_person
from activities.jobs import Job, enqueue

from ..cache import Cache
from ..models import Platform
from .exceptions import ServiceError
from .roles import map_roles
from .service_http import ServiceClient, next_link

log = logging.getLogger(__name__)

SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
CONTAINER_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
MAX_PAGES = 200
#: One page of members; Moodle sends the whole course in one page unless asked to page.
MAX_PAGE_BYTES = 16 * 1024 * 1024


def fetch_members(services: ServiceClient, platform: Platform, memberships_url: str | None) -> list[dict[str, Any]]:
    """Every member on every page. No URL (the claim may lack one) is refused like a foreign one."""
    result: list[dict[str, Any]] = []
    url: str | None = memberships_url
    for _page in range(MAX_PAGES):
        response = services.request(platform, (SCOPE,), "GET", url, headers={"Accept": CONTAINER_TYPE},
                                    purpose="course roster", max_bytes=MAX_PAGE_BYTES)
        try:
            body = response.json()
        except ValueError as error:
            raise ServiceError("the membership container is not JSON", retryable=False) from error
        page = body.get("members") if isinstance(body, dict) else None
        if not isinstance(page, list):
            raise ServiceError("the membership container has no members list", retryable=False)
        result.extend(member for member in page if isinstance(member, dict))
        url = next_link(response.headers.get("Link"))
        if not url:
            break
    return result


def _store(session: Session, course: Course, raw_members: list[dict[str, Any]]) -> int:
    stored = 0
    for member in raw_members:
        user_id = member.get("user_id")
        roles = member.get("roles")
        if not isinstance(user_id, str) or not isinstance(roles, list):
            continue
        if member.get("status", "Active") != "Active":
            continue
        role = map_roles([r for r in roles if isinstance(r, str)])
        if role is None:
            continue
        person = upsert_person(
            session, course.platform_id, user_id,
            name=str(member.get("name") or " ".join(filter(None, [member.get("given_name"), member.get("family_name")]))),
            email=str(member.get("email") or ""),
        )
        upsert_membership(session, course, person, role, source="roster")
        stored += 1
    return stored


def refresh(session: Session, services: ServiceClient, course: Course) -> int:
    """Fetch the course's roster and store it; commits. Returns how many members were stored.

    Raises ``ServiceError`` (Padu's reason) when the platform cannot give it.
    """
    platform = session.get(Platform, course.platform_id)
    if platform is None:  # deleted since the job was queued
        raise ServiceError("the course's platform is no longer registered in Padu", retryable=False)
    raw = fetch_members(services, platform, course.memberships_url)
    stored = _store(session, course, raw)
    session.commit()
    return stored


#: The job kind that runs :func:`refresh` (registered in ``lti_tool.job_kinds``).
JOB_KIND = "nrps.roster"


def request_refresh(session: Session, cache: Cache, ttl: int, course: Course) -> Job | None:
    """Queue a roster refresh for a worker, inside the caller's transaction, unless the
    course has no NRPS endpoint or one was asked for less than ``ttl`` seconds ago.

    While a refresh is pending, asking again returns that job (its dedup key is the course).
    """
    if not course.memberships_url or not cache.add(f"roster:{course.id}", 1, ttl):
        return None
    return enqueue(session, JOB_KIND, {"course_id": course.id}, platform_id=course.platform_id,
                   dedup_key=f"roster:{course.id}")
