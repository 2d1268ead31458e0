"""The web kit's formatting and refusals, the same for every activity.

Numbers take the page's decimal mark (Indonesian 12,5; English 12.5) through
Babel, moments are shown in the course's zone with its name, and one
``describe`` answers the refusals of every activity's domain.
"""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask_babel import Babel

from activities.coaching import exceptions as coaching
from activities.readiness import exceptions as readiness
from lti_tool.web import describe
from lti_tool.web import formatting as f


@pytest.fixture
def page_in():
    """A request context whose page language is the one given."""
    app = Flask(__name__)
    chosen = {"locale": "id"}
    Babel(app, locale_selector=lambda: chosen["locale"])

    def enter(locale: str):
        chosen["locale"] = locale
        return app.test_request_context("/")

    return enter


@pytest.mark.parametrize(("locale", "shown", "large"), [("id", "12,5", "1234,5"), ("en", "12.5", "1234.5")])
def test_a_number_has_the_pages_decimal_mark_and_no_grouping(page_in, locale, shown, large):
    with page_in(locale):
        assert f.number(12.46) == shown
        assert f.number(1234.5) == large
        assert f.number(3.0) == "3"
        assert f.number(None) == "—"


def test_scores_keep_their_decimals_with_the_pages_mark(page_in):
    with page_in("id"):
        assert f.decimal(7.25) == "7,25" and f.decimal(40.0) == "40"
    with page_in("en"):
        assert f.decimal(7.25) == "7.25"


def test_a_moment_is_shown_in_the_courses_zone_with_its_name(page_in):
    noon_utc = dt.datetime(2026, 12, 20, 10, 0, tzinfo=dt.UTC)
    with page_in("id"):
        assert f.when(noon_utc) == "20 Des 2026, 17.00 WIB"
        assert f.when(None) == ""


def test_a_file_size_reads_in_kilobytes_or_megabytes(page_in):
    with page_in("id"):
        assert f.size(700 * 1024) == "700 KB"
        assert f.size(3 * 1024 * 1024 // 2) == "1,5 MB"
        assert f.size(10) == "1 KB"


def test_one_describe_answers_every_activitys_refusals(page_in):
    import lti_tool.coaching  # noqa: F401  (each web package registers its table)
    import lti_tool.readiness  # noqa: F401

    with page_in("en"):
        assert describe(readiness.AttemptsExhausted(3)).status == 409
        assert describe(coaching.NoCoaches("none chosen")).field == "coach"
        assert "Padu could not do this" in describe(ValueError("not a domain refusal")).message


def test_a_refusal_is_the_kits_page_with_the_activitys_stylesheet_and_the_way_back(connected):
    """End to end: a readiness learner out of attempts posts "start" again."""
    import re

    from tests.lti_tool.readiness.helpers import BUDI, complete_attempt, set_up_readiness

    activity_id = set_up_readiness(connected, max_attempts=1)
    browser, result = complete_attempt(connected, BUDI)
    token = re.search(r'name="csrf-token" content="([^"]+)"', result.text).group(1)
    refused = browser.session.post(result.url.split("?")[0].replace("/result", "/start")
                                   + "?" + result.url.split("?", 1)[1], data={"csrf_token": token})
    assert refused.status_code == 409
    assert re.search(r'<p class="notice notice-error" role="alert">[^<]*\b1\b[^<]*</p>', refused.text)
    assert re.search(r'/static/readiness/readiness\.[0-9a-f]{12}\.css', refused.text)
    back = re.search(rf'<a href="(/a/{activity_id}[^"]*)">Kembali ke aktivitas</a>', refused.text)
    assert back, refused.text
    assert browser.session.get(connected.padu.url + back.group(1).replace("&amp;", "&")).status_code == 200
