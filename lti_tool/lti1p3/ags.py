"""The one place that talks Assignment and Grade Services (LTI AGS 2.0).

Scores go to ``{lineitem}/scores`` (§3.4), line items are found or created in
the ``lineitems`` container (§3.2). Moodle's URLs carry a query string
(``…/lineitem?type_id=1``): the ``/scores`` segment goes into the path, before
the query, and ``type_id`` stays.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from ..models import Platform
from .exceptions import ServiceError
from .service_http import ServiceClient, next_link

SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_LINEITEM_READ = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly"
SCOPE_RESULT_READ = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCORE_SCOPES = (SCOPE_LINEITEM, SCOPE_SCORE)
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
CONTAINER_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
MAX_PAGES = 50
#: Moodle answers a score with an empty body; anything big is not an answer.
MAX_SCORE_ANSWER_BYTES = 64 * 1024
#: One page of line items (Moodle sends every column of the course unless asked to page).
MAX_PAGE_BYTES = 4 * 1024 * 1024


def service_url(lineitem_url: str, segment: str) -> str:
    """``…/lineitem?type_id=1`` + ``scores`` → ``…/lineitem/scores?type_id=1``."""
    parts = urlsplit(lineitem_url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + "/" + segment))


class AgsClient:
    def __init__(self, services: ServiceClient):
        self._services = services

    def post_score(self, platform: Platform, lineitem_url: str, user_id: str, score: dict[str, Any]) -> None:
        """POST one score; raises ServiceError with the platform's status on refusal.

        Moodle insists on exactly ``application/vnd.ims.lis.v1.score+json`` and
        answers 200 with an empty body.
        """
        body = dict(score, userId=user_id)
        self._services.request(
            platform, SCORE_SCOPES, "POST", service_url(lineitem_url, "scores"), json=body,
            headers={"Content-Type": SCORE_TYPE}, purpose="score", max_bytes=MAX_SCORE_ANSWER_BYTES,
        )

    def find_or_create_lineitem(
        self, platform: Platform, lineitems_url: str, *, resource_link_id: str | None, resource_id: str, tag: str,
        label: str, score_maximum: float,
    ) -> str:
        """The URL of the line item for this resource, made if the platform has none (§3.2)."""
        for item in self._lineitems(platform, lineitems_url):
            item_id: str = item["id"]  # _lineitems yields only items whose id is a string
            if item.get("resourceId") == resource_id and (not tag or item.get("tag") == tag):
                return item_id
            if resource_link_id and item.get("resourceLinkId") == resource_link_id and (not tag or item.get("tag") == tag):
                return item_id
        new_item: dict[str, Any] = {"scoreMaximum": score_maximum, "label": label, "resourceId": resource_id, "tag": tag}
        if resource_link_id:
            new_item["resourceLinkId"] = resource_link_id
        response = self._services.request(
            platform, (SCOPE_LINEITEM,), "POST", lineitems_url, json=new_item,
            headers={"Content-Type": LINEITEM_TYPE, "Accept": LINEITEM_TYPE}, purpose="new gradebook column",
        )
        created = _json(response)
        if not isinstance(created, dict) or not isinstance(created.get("id"), str):
            raise ServiceError("the platform created a line item without an id", retryable=False)
        created_id: str = created["id"]
        return created_id

    def _lineitems(self, platform: Platform, url: str) -> Iterator[dict[str, Any]]:
        for _page in range(MAX_PAGES):
            response = self._services.request(platform, (SCOPE_LINEITEM,), "GET", url, headers={"Accept": CONTAINER_TYPE},
                                              purpose="list of gradebook columns", max_bytes=MAX_PAGE_BYTES)
            items = _json(response)
            if not isinstance(items, list):
                raise ServiceError("the line items container is not a list", retryable=False)
            yield from (item for item in items if isinstance(item, dict) and isinstance(item.get("id"), str))
            next_url = next_link(response.headers.get("Link"))
            if not next_url:
                return
            url = next_url


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError as error:
        raise ServiceError("the platform's gradebook service did not answer JSON", retryable=False) from error
