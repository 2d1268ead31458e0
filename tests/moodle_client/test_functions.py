"""Every recorded Moodle 4.5.6 success: the client sends exactly the recorded
form fields and reads the recorded answer into the right typed result."""

from __future__ import annotations

import pytest

import moodle_client as mc
from tests.fixtures import FIXTURES

from .fake_moodle import assert_sent_as_recorded

COVERED: set[str] = set()


def recording(name: str):
    """Run the test with ``recording`` = ``name``; noted at import time so that
    the completeness check works under ``-k`` and xdist too."""
    COVERED.add(name)
    return pytest.mark.parametrize("recording", [name])


@recording("ws_core_webservice_get_site_info.json")
def test_site_info(fake, replay, recording):
    fixture, client = replay(recording)
    info = mc.get_site_info(client)
    assert_sent_as_recorded(fake, fixture)
    assert (info.sitename, info.userid, info.username) == ("Agency Moodle (acceptance)", 2, "admin")
    assert (info.version, info.release) == ("2024100706", "4.5.6 (Build: 20250811)")
    assert info.siteurl == "http://127.0.0.1:8080" and info.userissiteadmin
    assert len(info.functions) == 763
    assert info.has_function("core_course_get_contents")
    assert not info.has_function("local_padu_does_not_exist")
    assert "REDACTED_PRIVATE_ACCESS_KEY" not in repr(info)


@recording("ws_core_course_get_contents.json")
def test_course_contents(fake, replay, recording):
    fixture, client = replay(recording)
    sections = mc.get_course_contents(client, 2)
    assert_sent_as_recorded(fake, fixture)
    assert [s.section for s in sections] == [0, 1, 2, 3]
    modules = {m.id: m for s in sections for m in s.modules}
    lti = modules[2]
    assert (lti.modname, lti.instance, lti.completion) == ("lti", 1, mc.models.TRACKING_AUTOMATIC)
    # The admin is not enrolled, so the completion shown is untracked.
    assert lti.completiondata.cmid == 2 and lti.completiondata.state == 0
    assert lti.completiondata.istrackeduser is False and lti.completiondata.timecompleted is None
    page = modules[6]
    assert (page.modname, page.name, page.completion) == ("page", "Materi Fase 1 - Orientasi", mc.models.TRACKING_MANUAL)
    assert modules[7].instance == 5 and modules[7].completiondata is None
    assert modules[1].visible is True and modules[1].uservisible is True


@recording("ws_core_course_get_course_module.json")
def test_course_module(fake, replay, recording):
    fixture, client = replay(recording)
    cm = mc.get_course_module(client, 2)
    assert_sent_as_recorded(fake, fixture)
    assert (cm.id, cm.course, cm.modname, cm.instance, cm.sectionnum) == (2, 2, "lti", 1, 1)
    assert (cm.grade, cm.gradepass, cm.completion) == (100.0, 0.0, 2)


@recording("ws_core_enrol_get_enrolled_users.json")
def test_enrolled_users(fake, replay, recording):
    fixture, client = replay(recording)
    users = mc.get_enrolled_users(client, 2)
    assert_sent_as_recorded(fake, fixture)
    assert [(u.id, u.username) for u in users] == [(3, "teacher1"), (4, "student1"), (5, "student2")]
    assert users[0].roles == (mc.Role(roleid=3, shortname="editingteacher", name=""),)
    assert users[1].fullname == "Budi Santoso" and users[1].lastcourseaccess == 1796082153


@recording("ws_core_user_get_users_by_field.json")
def test_users_by_field(fake, replay, recording):
    fixture, client = replay(recording)
    (user,) = mc.get_users_by_field(client, "username", ["student1"])
    assert_sent_as_recorded(fake, fixture)
    assert (user.id, user.email, user.suspended, user.roles) == (4, "student1@example.com", False, ())


@recording("ws_core_completion_get_activities_completion_status.json")
def test_activities_completion_status(fake, replay, recording):
    fixture, client = replay(recording)
    statuses = mc.get_activities_completion_status(client, 2, 4)
    assert_sent_as_recorded(fake, fixture)
    assert set(statuses) == {2, 6}
    by_grade = statuses[2]  # completed by the AGS score
    assert (by_grade.state, by_grade.timecompleted, by_grade.isoverallcomplete) == (1, 1796082154, True)
    assert by_grade.isautomatic and by_grade.modname == "lti" and by_grade.tracking == 2
    assert statuses[6].isautomatic is False and statuses[6].isoverallcomplete


@recording("ws_core_completion_update_activity_completion_status_manually.json")
def test_update_completion_manually(fake, replay, recording):
    fixture, client = replay(recording)
    result = mc.update_activity_completion_status_manually(client, 6, True)
    assert_sent_as_recorded(fake, fixture)
    assert result == mc.CompletionUpdate(status=True, warnings=())


@recording("ws_gradereport_user_get_grade_items.json")
def test_grade_items(fake, replay, recording):
    fixture, client = replay(recording)
    (grades,) = mc.get_grade_items(client, 2, 4)
    assert_sent_as_recorded(fake, fixture)
    assert (grades.courseid, grades.userid, grades.userfullname) == (2, 4, "Budi Santoso")
    lti = grades.for_cmid(2)
    assert (lti.itemname, lti.graderaw, lti.grademax, lti.percentage) == ("Acceptance LTI activity (manual reg)", 85.0, 100.0, 85.0)
    assert lti.feedback == "Skor readiness fase 1" and lti.gradedategraded == 1796082268
    assert grades.for_cmid(3).graderaw is None and grades.for_cmid(3).percentage is None
    by_id = {item.id: item for item in grades.items}
    tool_column = by_id[7]  # created by the tool through AGS: no activity
    assert (tool_column.itemtype, tool_column.cmid, tool_column.graderaw, tool_column.percentage) == ("manual", None, 40.0, 80.0)
    total = by_id[1]
    assert (total.itemtype, total.itemname, total.cmid) == ("course", None, None)
    # The computed percentage agrees with what Moodle's report prints.
    for item in grades.items:
        if item.percentage is not None:
            assert f"{item.percentage:.2f} %" == item.percentageformatted


@recording("ws_core_group_create_groups.json")
def test_create_groups(fake, replay, recording):
    fixture, client = replay(recording)
    new = mc.NewGroup(courseid=2, name="Fase 2 - Jarak Jauh", description="Peserta fase 2 (jarak jauh)", idnumber="fase-2-pjj")
    (group,) = mc.create_groups(client, [new])
    assert_sent_as_recorded(fake, fixture)
    assert group == mc.Group(id=1, courseid=2, name="Fase 2 - Jarak Jauh", description="Peserta fase 2 (jarak jauh)",
                             descriptionformat=1, idnumber="fase-2-pjj", visibility=0, participation=True)


@recording("ws_core_group_add_group_members.json")
def test_add_group_members_accepts_a_null_answer(fake, replay, recording):
    fixture, client = replay(recording)
    assert fixture["response"]["body_raw"] == "null"
    assert mc.add_group_members(client, [(1, 4)]) is None
    assert_sent_as_recorded(fake, fixture)


@recording("ws_core_group_get_course_groups.json")
def test_course_groups(fake, replay, recording):
    fixture, client = replay(recording)
    (group,) = mc.get_course_groups(client, 2)
    assert_sent_as_recorded(fake, fixture)
    assert (group.id, group.name, group.idnumber) == (1, "Fase 2 - Jarak Jauh", "fase-2-pjj")
    assert not hasattr(group, "enrolmentkey")


@recording("ws_core_group_get_group_members.json")
def test_group_members(fake, replay, recording):
    fixture, client = replay(recording)
    assert mc.get_group_members(client, [1]) == {1: (4,)}
    assert_sent_as_recorded(fake, fixture)


@recording("ws_core_calendar_create_calendar_events.json")
def test_create_calendar_events(fake, replay, recording):
    fixture, client = replay(recording)
    event = mc.NewCalendarEvent(name="Tatap muka Fase 2", eventtype="course", timestart=1796687127, timeduration=3600,
                                courseid=2, description="Sesi sinkron fase 2")
    result = mc.create_calendar_events(client, [event])
    assert_sent_as_recorded(fake, fixture)
    (created,) = result.events
    assert (created.id, created.eventtype, created.courseid, created.userid, created.timestart) == (1, "course", 2, 2, 1796687127)
    assert result.warnings == ()


@recording("ws_core_message_send_instant_messages.json")
def test_send_instant_messages(fake, replay, recording):
    fixture, client = replay(recording)
    message = mc.NewMessage(touserid=4, text="Halo Budi, jadwal Fase 2 sudah tersedia.", clientmsgid="padu-msg-0001")
    (sent,) = mc.send_instant_messages(client, [message])
    assert_sent_as_recorded(fake, fixture)
    assert sent.sent and (sent.msgid, sent.clientmsgid, sent.useridfrom) == (1, "padu-msg-0001", 2)
    assert sent.text == "<p>Halo Budi, jadwal Fase 2 sudah tersedia.</p>"


def test_every_success_recording_is_replayed():
    """A new ws_core_* recording must get a test here (errors: test_errors.py)."""
    recordings = {p.name for p in FIXTURES.glob("ws_*.json") if not p.name.startswith("ws_error_")}
    assert recordings == COVERED
