"""Facilitators see the whole roster, also learners who never launched."""

from __future__ import annotations

from activities.core import Role, members
from lti_tool.models import Platform
from lti_tool.lti1p3.nrps import fetch_members, roster


def _course_and_platform(connected):
    from sqlalchemy import select

    from activities.core import Course

    db = connected.padu.session()
    return db, db.scalars(select(Course)).one(), db.scalars(select(Platform)).one()


def test_roster_over_two_pages_includes_learners_who_never_launched(connected):
    connected.lms.nrps_page_size = 2
    connected.launch("3")  # only the teacher has launched
    db, course, platform = _course_and_platform(connected)
    runtime = connected.padu.runtime
    raw = fetch_members(runtime.services, platform, course.memberships_url)
    assert len(raw) >= 3
    assert connected.lms.request_counts["nrps"] >= 2
    people = roster(db, runtime.services, runtime.cache, 600, course)
    by_sub = {m.person.sub: m for m in people}
    assert by_sub["4"].role == Role.LEARNER.value and by_sub["4"].source == "roster"
    assert by_sub["5"].person.name == "Dewi Lestari"
    assert by_sub["3"].source == "launch"
    db.close()


def test_roster_is_cached_for_its_time_limit(connected):
    connected.launch("3")
    db, course, _platform = _course_and_platform(connected)
    runtime = connected.padu.runtime
    roster(db, runtime.services, runtime.cache, 600, course)
    calls = connected.lms.request_counts["nrps"]
    roster(db, runtime.services, runtime.cache, 600, course)
    assert connected.lms.request_counts["nrps"] == calls
    db.close()


def test_a_failing_roster_degrades_to_launched_members(connected):
    connected.launch("3")
    connected.lms.inject("nrps", 500, 500, 500, 500)
    db, course, _platform = _course_and_platform(connected)
    runtime = connected.padu.runtime
    people = roster(db, runtime.services, runtime.cache, 600, course)
    assert [m.person.sub for m in people] == ["3"]
    assert [m.person.sub for m in members(db, course.id)] == ["3"]
    db.close()
