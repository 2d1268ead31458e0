"""`padu platform set-ws`: the token is checked at once against the platform's own site, the
functions its service lacks are named with the admin steps, and it is stored sealed, never shown."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from activities.db import make_engine, make_session_factory
from activities.moodle.models import Connection
from config import load_settings
from lti_tool.cli import main
from lti_tool.migrations import upgrade
from lti_tool.moodle import connection
from tests.padu_server import LOOPBACK_ALLOWED_ENV
from tests.rows import new_platform


@pytest.fixture
def instance(tmp_path, monkeypatch, site):
    monkeypatch.setenv("PADU_DATA_DIR", str(tmp_path))
    for name, value in LOOPBACK_ALLOWED_ENV.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    upgrade(settings)
    engine = make_engine(settings.sqlalchemy_url)
    factory = make_session_factory(engine)
    with factory() as db:
        platform = new_platform()
        platform.issuer = site.url
        db.add(platform)
        db.commit()
        platform_id = platform.id
    yield factory, platform_id
    engine.dispose()


def _stored(factory, platform_id):
    with factory() as db:
        return db.scalar(select(Connection).where(Connection.platform_id == platform_id))


def test_a_full_token_is_stored_sealed_and_never_shown(instance, site):
    factory, platform_id = instance
    result = CliRunner().invoke(main, ["platform", "set-ws", str(platform_id), "--token", site.token])
    assert result.exit_code == 0, result.output
    assert "Agency Moodle (acceptance)" in result.output and "every function Padu needs" in result.output
    assert site.token not in result.output
    row = _stored(factory, platform_id)
    assert row.missing_functions == [] and site.token not in row.token_sealed
    assert site.calls == ["core_webservice_get_site_info"]
    cleared = CliRunner().invoke(main, ["platform", "set-ws", str(platform_id), "--clear"])
    assert "removed" in cleared.output and _stored(factory, platform_id) is None


def test_functions_the_service_lacks_are_named_with_the_admin_steps(instance, site):
    factory, platform_id = instance
    site.site_info["functions"] = [f for f in site.site_info["functions"]
                                   if f["name"] not in ("core_group_create_groups", "gradereport_user_get_grade_items")]
    result = CliRunner().invoke(main, ["platform", "set-ws", str(platform_id), "--token", site.token])
    assert result.exit_code == 0, result.output
    assert "lacks 2 function(s) Padu needs: gradereport_user_get_grade_items, core_group_create_groups" in result.output
    assert "Site administration > Server > Web services > External services" in result.output
    row = _stored(factory, platform_id)
    assert row.missing_functions == ["gradereport_user_get_grade_items", "core_group_create_groups"]
    assert connection.missing_for(row, "grades") == ("gradereport_user_get_grade_items",)
    assert connection.missing_for(row, "groups") == ()


def test_a_token_of_another_site_or_a_refused_token_is_not_stored(instance, site):
    factory, platform_id = instance
    site.site_info["siteurl"] = "https://other-agency.example.go.id"
    other = CliRunner().invoke(main, ["platform", "set-ws", str(platform_id), "--token", site.token])
    assert other.exit_code != 0 and "belongs to https://other-agency.example.go.id" in other.output
    refused = CliRunner().invoke(main, ["platform", "set-ws", str(platform_id), "--token", "wrong-token"])
    assert refused.exit_code != 0 and "does not accept this token" in refused.output
    assert "wrong-token" not in refused.output
    assert _stored(factory, platform_id) is None


def test_same_site_compares_the_wwwroot_not_its_spelling():
    assert connection.same_site("https://LMS.example.go.id/", "https://lms.example.go.id")
    assert connection.same_site("https://lms.example.go.id:443/moodle", "https://lms.example.go.id/moodle/")
    assert not connection.same_site("https://lms.example.go.id", "http://lms.example.go.id")
    assert not connection.same_site("https://lms.example.go.id", "https://lms.example.go.id/moodle")
