"""A Moodle admin connects Padu: Dynamic Registration with one URL, or by hand with the CLI."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from lti_tool.cli import main
from lti_tool.models import Platform
from tests.lms import LtiBrowser


def test_dynamic_registration_then_a_launch(lms, padu):
    browser = LtiBrowser()
    start_url = lms.start_registration(padu.url + "/lti/register")
    page = browser.session.get(start_url)
    assert page.status_code == 200
    assert "Pending" in page.text or "Tertunda" in page.text
    assert "registration-close.js" in page.text
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
    # The registered tool can launch.
    from tests.lti_tool.conftest import Connected, populate

    populate(lms, padu, register_in_padu=False)
    connected = Connected(lms, padu, client_id)
    _browser, landing = connected.launch("4")
    assert landing.status_code == 200


def test_registration_without_a_valid_token_is_refused_with_a_page(lms, padu):
    start_url = lms.start_registration(padu.url + "/lti/register")
    tampered = start_url.split("registration_token=")[0] + "registration_token=forged"
    page = LtiBrowser().session.get(tampered)
    assert 400 <= page.status_code < 500
    with padu.session() as db:
        assert db.scalars(select(Platform)).all() == []


def test_registration_with_an_unreachable_configuration_is_a_clear_error(padu):
    page = LtiBrowser().session.get(padu.url + "/lti/register",
                                    params={"openid_configuration": "http://127.0.0.1:9/openid", "registration_token": "t"})
    assert page.status_code == 502
    assert "Moodle" in page.text


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
