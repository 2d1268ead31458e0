"""The gated course of the gating web tests (readiness, coaching, two gating columns; Rahmat coaches Budi
and Dewi; Sri is only on Moodle's roster), plus a "course dashboard" link placed with Deep Linking."""

from __future__ import annotations

import pytest

from tests.lti_tool.gating.conftest import GatedCourse, set_up_course
from tests.lti_tool.test_deep_linking import select_content

DASHBOARD_LINK = "5"


@pytest.fixture
def course(connected) -> GatedCourse:
    gated = set_up_course(connected)
    item = select_content(connected, kind="dashboard", title="Dashboard kursus")
    connected.lms.add_resource_link(course_id="2", resource_link_id=DASHBOARD_LINK, title=item["title"],
                                    custom=item["custom"], lineitem=False)
    gated.dashboard_item = item
    return gated
