"""End-to-end fixtures: Padu over HTTP, the test LTI platform over HTTP, a browser between them.

The platform is shaped on the Moodle 4.5.6 captures: course 2 "Pelatihan Dasar
LATSAR CPNS 2026", admin 2, teacher 3 (Siti Rahmawati), students 4 (Budi
Santoso) and 5 (Dewi Lestari), resource link 1 with a gradebook column.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from unittest import mock

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import select

from lti_tool.lti1p3.oidc import sign_state
from lti_tool.lti1p3.registry import add_platform
from lti_tool.models import Platform
from tests.lms import LtiBrowser, TestPlatform
from tests.padu_server import PaduServer

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"
LEARNER = LIS + "membership#Learner"
INSTRUCTOR = LIS + "membership#Instructor"
ADMIN_ROLES = [LIS + "institution/person#Administrator", INSTRUCTOR, LIS + "system/person#Administrator"]


@pytest.fixture
def padu(tmp_path):
    server = PaduServer(tmp_path / "padu").start()
    yield server
    server.stop()


@pytest.fixture
def lms():
    platform = TestPlatform()
    platform.start()
    yield platform
    platform.stop()


def populate(lms: TestPlatform, padu: PaduServer, *, register_in_padu: bool = True) -> str:
    """Moodle's side of a manual registration, and (optionally) Padu's; returns the client_id."""
    client_id = lms.add_tool(
        login_url=padu.url + "/lti/login",
        redirect_uris=[padu.url + "/lti/launch"],
        jwks_url=padu.url + "/.well-known/jwks.json",
        deployment_ids=("1",),
    )
    lms.add_course(course_id="2", label="LATSAR-CPNS-2026", title="Pelatihan Dasar LATSAR CPNS 2026")
    lms.add_user(user_id="2", given_name="Admin", family_name="User", email="admin@example.com",
                 username="admin", roles=ADMIN_ROLES)
    lms.add_user(user_id="3", given_name="Siti", family_name="Rahmawati", email="teacher1@example.com",
                 username="teacher1", roles=[INSTRUCTOR], course_id="2")
    lms.add_user(user_id="4", given_name="Budi", family_name="Santoso", email="student1@example.com",
                 username="student1", roles=[LEARNER], course_id="2")
    lms.add_user(user_id="5", given_name="Dewi", family_name="Lestari", email="student2@example.com",
                 username="student2", roles=[LEARNER], course_id="2")
    lms.add_resource_link(course_id="2", resource_link_id="1", title="Acceptance LTI activity", lineitem=True)
    if register_in_padu:
        with padu.session() as session:
            add_platform(
                session, issuer=lms.issuer, client_id=client_id,
                auth_login_url=lms.url + "/mod/lti/auth.php", auth_token_url=lms.url + "/mod/lti/token.php",
                key_set_url=lms.url + "/mod/lti/certs.php", deployment_ids=["1"],
            )
            session.commit()
    return client_id


def signed_state(padu, nonce: str, *, age: dt.timedelta = dt.timedelta(0), secret_key: str | None = None) -> str:
    """A login state for ``nonce`` and Padu's one platform, signed as ``/lti/login`` signs one
    (``oidc.sign_state``): what a replay with a state of its own needs. ``age`` dates it back;
    ``secret_key`` signs it with a secret other than Padu's."""
    with padu.session() as db:
        platform_id = db.scalars(select(Platform.id)).one()
    signed_at = int(time.time() - age.total_seconds())
    with mock.patch.object(TimestampSigner, "get_timestamp", lambda _signer: signed_at):
        return sign_state(padu.settings.secret_key if secret_key is None else secret_key, platform_id, nonce)


@dataclasses.dataclass
class Connected:
    lms: TestPlatform
    padu: PaduServer
    client_id: str

    def lti_browser(self) -> LtiBrowser:
        return LtiBrowser()

    def launch(self, user_id: str, resource_link_id: str | None = "1", *, deep_link: bool = False,
               browser: LtiBrowser | None = None):
        browser = browser or LtiBrowser()
        response = browser.launch(
            self.lms, self.client_id, user_id, resource_link_id=None if deep_link else resource_link_id,
            deep_link=deep_link, tool_login_url=self.padu.url + "/lti/login",
            target_link_uri=self.padu.url + "/lti/launch",
        )
        return browser, response


@pytest.fixture
def connected(lms, padu):
    return Connected(lms, padu, populate(lms, padu))
