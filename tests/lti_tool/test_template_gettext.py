"""Templates translate as Jinja's newstyle gettext does, from a catalogue looked up once per page
(``i18n.template_gettext``), and follow the locale wherever Flask-Babel changes it; the login's
redirect carries no HTML note (``responses.bare_redirect``)."""

from __future__ import annotations

import pytest
from flask import render_template_string
from flask_babel import force_locale, refresh

from lti_tool.app import create_app
from lti_tool.i18n import CATALOGUE

SKIP_ID = "Langsung ke konten"


@pytest.fixture
def app(settings):
    app = create_app(settings)
    yield app
    app.extensions["padu"].engine.dispose()


def test_a_page_is_indonesian_first_and_english_when_asked(app):
    with app.test_request_context("/"):
        assert render_template_string('{{ _("Skip to content") }}') == SKIP_ID
    with app.test_request_context("/?lang=en"):
        assert render_template_string('{{ _("Skip to content") }}') == "Skip to content"
        assert render_template_string('{{ gettext("Skip to content") }}') == "Skip to content"


def test_the_catalogue_follows_force_locale_and_refresh_within_one_request(app):
    with app.test_request_context("/"):
        assert render_template_string('{{ _("Skip to content") }}') == SKIP_ID
        with force_locale("en"):
            assert render_template_string('{{ _("Skip to content") }}') == "Skip to content"
        assert render_template_string('{{ _("Skip to content") }}') == SKIP_ID
    with app.test_request_context("/?lang=en"):
        assert render_template_string('{{ _("Skip to content") }}') == "Skip to content"
        from flask import request

        request.args = type(request.args)({"lang": "id"})
        refresh()
        assert render_template_string('{{ _("Skip to content") }}') == SKIP_ID


def test_a_macro_imported_without_context_still_translates(app):
    # An imported template has no page context, hence no catalogue in it: it finds the request's.
    template = app.jinja_env.from_string('{{ _("Skip to content") }}')
    with app.test_request_context("/"):
        assert CATALOGUE not in template.new_context().parent
        assert template.render() == SKIP_ID


def test_variables_are_escaped_and_the_text_is_always_a_format_string(app):
    with app.test_request_context("/?lang=en"):
        page = render_template_string('{{ _("%(name)s is larger than %(mb)s MB.", name="<b>x</b>", mb=2) }}')
        assert page == "&lt;b&gt;x&lt;/b&gt; is larger than 2 MB."
        # Newstyle gettext applies % even without variables, so a literal percent is written %%.
        assert render_template_string('{{ _("100%% done") }}') == "100% done"
        assert render_template_string('{{ _("no percent") }}') == "no percent"
        with pytest.raises(KeyError):
            render_template_string('{{ _("%(missing)s") }}')


def test_the_login_redirect_is_a_bare_302_with_every_security_header(app):
    from activities.db import Base
    from lti_tool.lti1p3.registry import add_platform

    runtime = app.extensions["padu"]
    Base.metadata.create_all(runtime.engine)
    issuer = "https://moodle.example.go.id"
    with runtime.session_factory() as session:
        add_platform(session, issuer=issuer, client_id="tool-1", auth_login_url=issuer + "/mod/lti/auth.php",
                     auth_token_url=issuer + "/mod/lti/token.php", key_set_url=issuer + "/mod/lti/certs.php",
                     deployment_ids=["1"])
        session.commit()
    answer = app.test_client().post("/lti/login", data={
        "iss": issuer, "login_hint": "5", "target_link_uri": "http://127.0.0.1:5000/lti/launch",
        "lti_message_hint": '{"launchid":"x"}', "client_id": "tool-1", "lti_deployment_id": "1"})
    assert answer.status_code == 302
    assert answer.headers["Location"].startswith(issuer + "/mod/lti/auth.php?")
    assert answer.data == b"" and answer.headers["Content-Length"] == "0"
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "Cache-Control"):
        assert name in answer.headers
