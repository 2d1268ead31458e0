"""The user's browser inside Moodle: login initiation, auth.php, the id_token post."""

from __future__ import annotations

import html
import json
import re
from urllib.parse import urljoin

import requests

from .forms import first_form


class LtiBrowser:
    def __init__(self) -> None:
        self.session = requests.Session()

    def begin_login(self, lms, client_id: str, user_id: str, *, tool_login_url: str, target_link_uri: str,
                    resource_link_id: str | None = None, deep_link: bool = False, deployment_id: str = "1") -> str:
        """POST Moodle's login initiation form to the tool; returns the tool's redirect (to auth.php)."""
        fields = lms.login_initiation_form(client_id, user_id, target_link_uri, resource_link_id=resource_link_id,
                                           deep_link=deep_link, deployment_id=deployment_id)
        response = self.session.post(tool_login_url, data=fields, allow_redirects=False)
        if response.status_code != 302:
            raise AssertionError(f"login initiation answered {response.status_code}: {response.text[:300]}")
        return response.headers["Location"]

    def authorize(self, location: str) -> tuple[str, dict]:
        """GET auth.php; returns the ltiAuthForm's action and fields (id_token, state)."""
        response = self.session.get(location)
        if response.status_code != 200:
            raise AssertionError(f"auth.php answered {response.status_code}: {response.text[:300]}")
        form = first_form(response.text, "ltiAuthForm")
        return form["action"], form["fields"]

    def login_and_authorize(self, lms, client_id: str, user_id: str, **kwargs) -> tuple[str, dict]:
        return self.authorize(self.begin_login(lms, client_id, user_id, **kwargs))

    def launch(self, lms, client_id: str, user_id: str, **kwargs) -> requests.Response:
        action, fields = self.login_and_authorize(lms, client_id, user_id, **kwargs)
        return as_shown(self.session.post(action, data=fields))

    def submit_autopost_form(self, response: requests.Response) -> requests.Response:
        """Do what an auto-submitting page's script does: post its first form."""
        form = first_form(response.text)
        return as_shown(self.session.post(form["action"], data=form["fields"]))


#: The line of script by which a launch's first page puts its own URL in the history (lti_tool/first_page.py).
_OWN_URL = re.compile(r'<script data-url="([^"]+)">history\.replaceState\(')


def as_shown(response: requests.Response) -> requests.Response:
    """``response`` with the URL a browser shows once the page's scripts ran: a launch's first
    page, answered to the launch POST, names itself (its ``url`` is the page's, not ``/lti/launch``)."""
    match = _OWN_URL.search(response.text) if "html" in response.headers.get("Content-Type", "") else None
    if match:
        response.url = urljoin(response.url, html.unescape(match.group(1)))
    return response


def message_hint(hint: str) -> dict:
    return json.loads(hint)
