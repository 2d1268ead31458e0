"""A Moodle admin connects Padu: Dynamic Registration with a one-time invitation URL, or by hand with the CLI."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import threading

import pytest
from click.testing import CliRunner
from flask import request
from sqlalchemy import select, update

from lti_tool.cli import main
from lti_tool.lti1p3 import invitations
from lti_tool.lti1p3.registry import add_platform
from lti_tool.models import Platform, RegistrationInvite
from tests.lms import LtiBrowser
from tests.padu_server import PaduServer

CONFIG_PATH = "/mod/lti/openid-configuration.php"


def invite(padu, lifetime=dt.timedelta(hours=1), note="BPSDM test") -> str:
    """An invitation URL, as `padu platform invite` makes it."""
    with padu.session() as db:
        made = invitations.create(db, padu.settings, lifetime=lifetime, note=note)
        db.commit()
        return made.url


def watch(lms, **document_changes) -> list[str]:
    """Every path the test platform is asked for, in order; ``document_changes`` rewrite its OpenID configuration."""
    seen: list[str] = []

    @lms.app.after_request
    def _record(response):
        seen.append(request.path)
        if request.path == CONFIG_PATH and document_changes:
            document = json.loads(response.get_data())
            document.update({name: value.format(lms=lms.url) for name, value in document_changes.items()})
            response.set_data(json.dumps(document))
        return response

    return seen


def platforms(padu) -> list[Platform]:
    with padu.session() as db:
        return list(db.scalars(select(Platform)))


def test_dynamic_registration_by_invitation_then_a_launch(lms, padu):
    url = invite(padu)
    assert url.startswith(padu.url + "/lti/register/")
    browser = LtiBrowser()
    page = browser.session.get(lms.start_registration(url))
    assert page.status_code == 200
    assert "Pending" in page.text or "Tertunda" in page.text
    assert re.search(r"registration-close(\.[0-9a-f]+)?\.js", page.text)
    [body] = lms.registrations
    assert body["initiate_login_uri"] == padu.url + "/lti/login"
    assert body["jwks_uri"] == padu.url + "/.well-known/jwks.json"
    messages = body["https://purl.imsglobal.org/spec/lti-tool-configuration"]["messages"]
    assert {m["type"] for m in messages} == {"LtiResourceLinkRequest", "LtiDeepLinkingRequest"}
    assert "https://purl.imsglobal.org/spec/lti-ags/scope/score" in body["scope"]
    with padu.session() as db:
        platform = db.scalars(select(Platform)).one()
        assert platform.issuer == lms.issuer
        assert platform.registered_by == "dynamic"
        assert platform.deployment_ids
        client_id = platform.client_id
        used = db.scalars(select(RegistrationInvite)).one()
        assert used.used_at is not None and used.platform_id == platform.id
    # The registered tool can launch.
    from tests.lti_tool.conftest import Connected, populate

    populate(lms, padu, register_in_padu=False)
    connected = Connected(lms, padu, client_id)
    _browser, landing = connected.launch("4")
    assert landing.status_code == 200


def test_an_invitation_works_once(lms, padu):
    url = invite(padu)
    seen = watch(lms)
    assert LtiBrowser().session.get(lms.start_registration(url)).status_code == 200
    assert CONFIG_PATH in seen
    seen.clear()
    again = LtiBrowser().session.get(lms.start_registration(url))
    assert again.status_code == 410
    assert "padu platform invite" in again.text
    assert seen == []  # Padu fetched nothing for the used code
    assert len(platforms(padu)) == 1 and len(lms.registrations) == 1


def test_two_registrations_racing_on_one_invitation_store_one_platform(lms, padu):
    url = invite(padu)
    starts = [lms.start_registration(url) for _ in range(2)]
    answers = []
    barrier = threading.Barrier(2)

    def register(start):
        barrier.wait()
        answers.append(LtiBrowser().session.get(start).status_code)

    threads = [threading.Thread(target=register, args=(start,)) for start in starts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(answers) == [200, 410]
    assert len(platforms(padu)) == 1


def test_registration_without_an_invitation_fetches_nothing(lms, padu):
    seen = watch(lms)
    page = LtiBrowser().session.get(lms.start_registration(padu.url + "/lti/register"),
                                    headers={"Accept-Language": "id"})
    assert page.status_code == 403
    assert "padu platform invite" in page.text
    assert "undangan" in page.text  # Indonesian first
    english = LtiBrowser().session.get(padu.url + "/lti/register", params={"lang": "en"})
    assert english.status_code == 403
    assert "invitation" in english.text and "padu platform invite" in english.text
    assert seen == []
    assert platforms(padu) == [] and lms.registrations == []


@pytest.mark.parametrize("case", ["expired", "unknown", "garbage"])
def test_an_expired_or_unknown_invitation_fetches_nothing(lms, padu, case):
    url = invite(padu)
    if case == "expired":
        with padu.session() as db:
            db.execute(update(RegistrationInvite).values(expires_at=invitations.utcnow() - dt.timedelta(seconds=1)))
            db.commit()
    elif case == "unknown":
        url = padu.url + "/lti/register/" + "A" * 43
    else:
        url = padu.url + "/lti/register/" + "x" * 5000
    seen = watch(lms)
    page = LtiBrowser().session.get(lms.start_registration(url), headers={"Accept-Language": "en"})
    assert page.status_code == 410
    assert "unknown, already used or expired" in page.text and "padu platform invite" in page.text
    assert seen == []
    assert platforms(padu) == []


def test_a_valid_invitation_opened_by_hand_explains_itself_and_stays_usable(lms, padu):
    url = invite(padu)
    page = LtiBrowser().session.get(url)
    assert page.status_code == 200
    assert "Tool URL" in page.text
    assert LtiBrowser().session.get(lms.start_registration(url)).status_code == 200


def test_open_registration_setting_keeps_the_plain_url(lms, tmp_path):
    padu = PaduServer(tmp_path / "padu", open_registration=True).start()
    try:
        page = LtiBrowser().session.get(lms.start_registration(padu.url + "/lti/register"))
        assert page.status_code == 200
        [platform] = platforms(padu)
        assert platform.registered_by == "dynamic"
    finally:
        padu.stop()


def test_registration_without_a_valid_token_is_refused_and_keeps_the_invitation(lms, padu):
    url = invite(padu)
    start_url = lms.start_registration(url)
    tampered = start_url.split("registration_token=")[0] + "registration_token=forged"
    page = LtiBrowser().session.get(tampered)
    assert 400 <= page.status_code < 500
    assert "Moodle" in page.text
    assert platforms(padu) == []
    # A failed attempt does not use the invitation up.
    assert LtiBrowser().session.get(lms.start_registration(url)).status_code == 200


def test_registration_with_an_unreachable_configuration_is_a_clear_error(padu):
    page = LtiBrowser().session.get(invite(padu), params={"openid_configuration": "http://127.0.0.1:9/openid",
                                                          "registration_token": "t"})
    assert page.status_code == 502
    assert "Moodle" in page.text


@pytest.mark.parametrize("endpoint", ["authorization_endpoint", "token_endpoint", "jwks_uri"])
@pytest.mark.parametrize("elsewhere", ["https://phish.example/mod/lti/auth.php", "{other_port}/mod/lti/auth.php",
                                       "https://127.0.0.1/mod/lti/auth.php"])
def test_endpoints_on_another_origin_are_refused(lms, padu, endpoint, elsewhere):
    """Another host, another port, another scheme."""
    url = invite(padu)
    host, port = lms.url.rsplit(":", 1)
    watch(lms, **{endpoint: elsewhere.format(other_port=f"{host}:{int(port) % 65535 + 1}")})
    page = LtiBrowser().session.get(lms.start_registration(url), headers={"Accept-Language": "en"})
    assert page.status_code == 400
    assert "same scheme, host and port" in page.text
    assert "phish" not in page.text
    assert platforms(padu) == [] and lms.registrations == []  # refused before Padu registered itself


def _login(lms, padu, client_id):
    form = lms.login_initiation_form(client_id, "4", padu.url + "/lti/launch", resource_link_id="1")
    return LtiBrowser().session.post(padu.url + "/lti/login", data=form, allow_redirects=False)


def test_login_never_redirects_a_dynamic_platform_off_its_origin(lms, padu):
    # A row stored before registration checked origins: its auth URL points elsewhere.
    with padu.session() as db:
        add_platform(db, issuer=lms.issuer, client_id="dyn", auth_login_url="https://phish.example/auth",
                     auth_token_url=lms.url + "/mod/lti/token.php", key_set_url=lms.url + "/mod/lti/certs.php",
                     deployment_ids=["1"], registered_by="dynamic")
        db.commit()
    response = _login(lms, padu, "dyn")
    assert response.status_code == 400
    assert "phish" not in response.headers.get("Location", "") and "phish" not in response.text


def test_login_follows_a_hand_added_platform_to_its_auth_url(lms, padu):
    """Documented choice: an operator's `padu platform add` values are trusted (Canvas authorises on another host)."""
    with padu.session() as db:
        add_platform(db, issuer=lms.issuer, client_id="manual", auth_login_url="https://sso.example/authorize",
                     auth_token_url=lms.url + "/mod/lti/token.php", key_set_url=lms.url + "/mod/lti/certs.php",
                     deployment_ids=["1"])
        db.commit()
    response = _login(lms, padu, "manual")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("https://sso.example/authorize?")


@pytest.mark.parametrize("path", ["/lti/register", "invitation"])
def test_a_newline_in_openid_configuration_does_not_forge_a_log_line(padu, caplog, path):
    caplog.set_level(logging.INFO)
    url = invite(padu) if path == "invitation" else padu.url + path
    forged = "http://127.0.0.1:9/openid\nCRITICAL padu: FORGED operator password reset"
    page = LtiBrowser().session.get(url, params={"openid_configuration": forged, "registration_token": "t"})
    assert 400 <= page.status_code < 600
    padu_records = [r for r in caplog.records if r.name.startswith(("lti_tool", "padu"))]
    assert any("FORGED" in r.getMessage() for r in padu_records)  # it was logged, escaped
    for record in padu_records:
        assert "\n" not in record.getMessage() and "\r" not in record.getMessage()
    assert not [line for line in caplog.text.splitlines() if line.startswith("CRITICAL padu: FORGED")]


def test_cli_adds_lists_and_removes_platforms(tmp_path, monkeypatch):
    monkeypatch.setenv("PADU_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    added = runner.invoke(main, ["platform", "add", "--issuer", "https://lms.bpsdm.example.go.id/",
                                 "--client-id", "abc123", "--deployment-id", "1", "--deployment-id", "4"])
    assert added.exit_code == 0, added.output
    listed = runner.invoke(main, ["platform", "list"])
    assert "https://lms.bpsdm.example.go.id\tabc123\tdeployments=1,4" in listed.output
    bad = runner.invoke(main, ["platform", "add", "--issuer", "not a url", "--client-id", "x", "--deployment-id", "1"])
    assert bad.exit_code != 0 and "issuer must be an http(s) URL" in bad.output
    removed = runner.invoke(main, ["platform", "remove", "1", "--yes"])
    assert removed.exit_code == 0
    assert "no platforms registered yet" in runner.invoke(main, ["platform", "list"]).output


def test_config_page_shows_the_values_to_paste(padu):
    page = LtiBrowser().session.get(padu.url + "/lti/config")
    for path in ("/lti/launch", "/lti/login", "/.well-known/jwks.json", "/lti/register"):
        assert padu.url + path in page.text
