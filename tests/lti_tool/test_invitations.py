"""Invitations from the shell: ``padu platform invite``, ``padu platform list``, and ``padu serve``'s start banner."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from click.testing import CliRunner

from activities.db import make_engine, make_session_factory, utcnow
from config import load_settings
from lti_tool.cli import main, start_banner
from lti_tool.logsafe import clean
from lti_tool.lti1p3 import invitations
from lti_tool.lti1p3.registry import add_platform


@pytest.fixture
def shell(tmp_path, monkeypatch):
    """The CLI on an upgraded SQLite instance in ``tmp_path``, and a session on that database."""
    monkeypatch.setenv("PADU_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PADU_BASE_URL", "https://padu.bpsdm.example.go.id")
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade"]).exit_code == 0
    settings = load_settings(environ={}, data_dir=tmp_path, base_url="https://padu.bpsdm.example.go.id")
    engine = make_engine(settings.sqlalchemy_url)
    session = make_session_factory(engine)()
    yield runner, settings, session
    session.close()
    engine.dispose()


def _code(url: str) -> str:
    return url.rsplit("/", 1)[1]


def test_cli_invite_prints_a_one_time_url_as_its_last_line(shell):
    runner, settings, session = shell
    result = runner.invoke(main, ["platform", "invite", "--note", "BPSDM Jawa Barat", "--expires", "30m"])
    assert result.exit_code == 0, result.output
    last = result.output.rstrip("\n").splitlines()[-1]
    assert last.startswith("https://padu.bpsdm.example.go.id/lti/register/")
    invite = invitations.find_usable(session, _code(last))
    assert invite is not None and invite.note == "BPSDM Jawa Barat"
    assert dt.timedelta(minutes=29) < invite.expires_at - utcnow() <= dt.timedelta(minutes=30)
    assert _code(last) not in invite.code_hash  # only a hash is stored
    default = runner.invoke(main, ["platform", "invite"]).output.splitlines()[-1]
    assert invitations.find_usable(session, _code(default)).expires_at - utcnow() > dt.timedelta(days=6, hours=23)


@pytest.mark.parametrize("expires", ["7", "7w", "-1d", "0m", "400d", ""])
def test_cli_invite_refuses_a_bad_duration(shell, expires):
    runner, _settings, _session = shell
    result = runner.invoke(main, ["platform", "invite", "--expires", expires])
    assert result.exit_code != 0
    assert "/lti/register/" not in result.output


@pytest.mark.parametrize("text, minutes", [("30m", 30), ("24h", 24 * 60), ("7d", 7 * 24 * 60), (" 2h ", 120)])
def test_durations(text, minutes):
    assert invitations.parse_duration(text) == dt.timedelta(minutes=minutes)


def test_platform_list_shows_how_each_platform_was_registered(shell):
    runner, settings, session = shell
    made = invitations.create(session, settings, lifetime=dt.timedelta(days=1), note="BPSDM Jawa Barat")
    values = dict(auth_login_url="https://a.example/auth", auth_token_url="https://a.example/token",
                  key_set_url="https://a.example/certs", deployment_ids=["1"])
    by_hand = add_platform(session, issuer="https://a.example", client_id="hand", **values)
    invited = add_platform(session, issuer="https://a.example", client_id="invited", registered_by="dynamic", **values)
    add_platform(session, issuer="https://a.example", client_id="open", registered_by="dynamic",
                 name="moodle\x1b[2J", **values)
    assert invitations.consume(session, made.invite.id, invited)
    session.commit()
    lines = runner.invoke(main, ["platform", "list"]).output.splitlines()
    assert f"{by_hand.id}\thttps://a.example\thand\tdeployments=1\tby hand (padu platform add)\t" in lines[0]
    assert f"dynamic registration, invitation {made.invite.id} (BPSDM Jawa Barat)" in lines[1]
    assert "dynamic registration, open (no invitation)" in lines[2]
    assert "\x1b" not in lines[2] and "\\x1b[2J" in lines[2]  # a platform's name cannot drive the terminal


def test_an_invitation_is_consumed_once(db, settings, platform):
    made = invitations.create(db, settings, lifetime=dt.timedelta(hours=1))
    assert invitations.consume(db, made.invite.id, platform)
    assert not invitations.consume(db, made.invite.id, platform)
    assert invitations.find_usable(db, made.code) is None


def test_serve_banner_on_an_empty_instance_prints_a_fresh_invitation(db, settings):
    lines = start_banner(settings, db)
    [line] = [line for line in lines if "/lti/register" in line]
    url = line.split()[-1]
    assert url.startswith(settings.url("/lti/register/"))
    invite = invitations.find_usable(db, _code(url))
    assert invite is not None
    assert dt.timedelta(hours=23, minutes=59) < invite.expires_at - utcnow() <= dt.timedelta(hours=24)
    assert any(settings.url("/lti/login") in line for line in lines)  # manual values still shown


def test_serve_banner_with_a_platform_makes_no_invitation(db, settings, platform):
    db.commit()
    lines = start_banner(settings, db)
    assert not [line for line in lines if "/lti/register/" in line]
    assert any("padu platform invite" in line for line in lines)
    assert db.query(invitations.RegistrationInvite).count() == 0


def test_serve_banner_with_open_registration_prints_the_plain_url(db, tmp_path):
    settings = load_settings(environ={}, data_dir=tmp_path / "instance", open_registration=True)
    lines = start_banner(settings, db)
    assert any(line.rstrip().endswith("(open to anyone: PADU_OPEN_REGISTRATION)") and settings.url("/lti/register ")
               in line for line in lines)


def test_open_registration_setting_reads_the_environment(tmp_path):
    assert load_settings(environ={}, data_dir=tmp_path).open_registration is False
    assert load_settings(environ={"PADU_OPEN_REGISTRATION": "true"}, data_dir=tmp_path).open_registration is True


def test_clean_keeps_a_log_record_on_one_line(caplog):
    caplog.set_level(logging.INFO)
    logging.getLogger("lti_tool.test").info("value=%s", clean("https://x\r\nCRITICAL forged\x1b[31m"))
    [record] = caplog.records
    assert "\n" not in record.getMessage() and "\r" not in record.getMessage() and "\x1b" not in record.getMessage()
    assert clean("a" * 1000, limit=10) == "'aaaaaaaaaa'…(1000 chars)"
    assert clean(None) == "'None'"
