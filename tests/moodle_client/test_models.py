"""Reading answers defensively: missing optional keys are fine, wrong types are
UnexpectedResponse naming the field; and paging through enrolled users."""

from __future__ import annotations

import copy

import pytest

import moodle_client as mc
from tests.fixtures import moodle


def client(fake) -> mc.MoodleClient:
    return mc.MoodleClient(fake.url, "t", backoff=0)


def recorded_body(name: str):
    return copy.deepcopy(moodle(name)["response"]["body"])


def test_a_field_of_the_wrong_type_names_its_path(fake):
    body = recorded_body("ws_core_course_get_contents.json")
    body[1]["modules"][0]["id"] = "2"
    fake.answer_json(body)
    with pytest.raises(mc.UnexpectedResponse, match=r"core_course_get_contents\[1\]\.modules\[0\]\.id: expected an integer, got str"):
        mc.get_course_contents(client(fake), 2)


@pytest.mark.parametrize("body", [{"id": 1}, None, "[]", 7])
def test_a_list_answer_that_is_not_a_list(fake, body):
    fake.answer_json(body)
    with pytest.raises(mc.UnexpectedResponse, match="expected a list"):
        mc.get_course_groups(client(fake), 2)


def test_a_required_field_that_is_missing(fake):
    fake.answer_json({"warnings": []})
    with pytest.raises(mc.UnexpectedResponse, match=r"core_course_get_course_module\.cm: missing"):
        mc.get_course_module(client(fake), 2)


@pytest.mark.parametrize("value", [2, "yes", None])
def test_a_flag_must_be_a_boolean_or_0_1(fake, value):
    fake.answer_json({"status": value})
    with pytest.raises(mc.UnexpectedResponse, match="status"):
        mc.update_activity_completion_status_manually(client(fake), 6, True)


def test_a_number_must_be_a_number(fake):
    body = recorded_body("ws_gradereport_user_get_grade_items.json")
    body["usergrades"][0]["gradeitems"][0]["graderaw"] = "lots"
    fake.answer_json(body)
    with pytest.raises(mc.UnexpectedResponse, match=r"gradeitems\[0\]\.graderaw"):
        mc.get_grade_items(client(fake), 2, 4)


def test_group_member_ids_must_be_integers(fake):
    fake.answer_json([{"groupid": 1, "userids": [4, "5"]}])
    with pytest.raises(mc.UnexpectedResponse, match="userids"):
        mc.get_group_members(client(fake), [1])


def test_only_the_essential_fields_are_required(fake):
    fake.answer_json([{"id": 1, "section": 0, "modules": [{"id": 9, "name": "Label", "modname": "label"}]}])
    (section,) = mc.get_course_contents(client(fake), 2)
    (module,) = section.modules
    assert (module.url, module.completion, module.completiondata, module.visible) == (None, 0, None, True)

    fake.answer_json({"usergrades": [{"courseid": 2, "userid": 4, "gradeitems": [{"id": 1, "itemtype": "course"}]}]})
    (grades,) = mc.get_grade_items(client(fake), 2, 4)
    (item,) = grades.items
    assert (item.graderaw, item.grademax, item.percentage, item.cmid, item.itemname) == (None, 0.0, None, None, None)

    fake.answer_json({"sitename": "S", "siteurl": "https://s", "userid": 3, "version": "2022041900"})
    info = mc.get_site_info(client(fake))
    assert info.functions == () and not info.has_function("core_course_get_contents")

    fake.answer_json([{"id": 4}])
    assert mc.get_users_by_field(client(fake), "id", [4]) == [mc.User(id=4)]


def test_overall_completion_falls_back_to_the_state_on_older_moodles(fake):
    fake.answer_json({"statuses": [
        {"cmid": 2, "state": 2, "timecompleted": 5},
        {"cmid": 3, "state": 0, "timecompleted": 0},
        {"cmid": 4, "state": 3, "timecompleted": 6},
    ]})
    statuses = mc.get_activities_completion_status(client(fake), 2, 4)
    assert [statuses[cmid].isoverallcomplete for cmid in (2, 3, 4)] == [True, False, False]
    assert statuses[3].timecompleted is None


def test_a_refused_message_is_a_result_not_an_error(fake):
    fake.answer_json([{"msgid": -1, "clientmsgid": "padu-1", "errormessage": "The user is blocking you"}])
    (result,) = mc.send_instant_messages(client(fake), [mc.NewMessage(touserid=5, text="x", clientmsgid="padu-1")])
    assert not result.sent and result.errormessage == "The user is blocking you"


def test_calendar_warnings_are_returned(fake):
    fake.answer_json({"events": [], "warnings": [
        {"item": "event", "itemid": 0, "warningcode": "nopermissions", "message": "No permission"}]})
    event = mc.NewCalendarEvent(name="x", eventtype="course", timestart=1, courseid=2)
    result = mc.create_calendar_events(client(fake), [event])
    assert result.events == ()
    assert result.warnings == (mc.MoodleWarning(warningcode="nopermissions", message="No permission", item="event", itemid=0),)


# -- paging -----------------------------------------------------------------------


def users(*ids: int) -> list[dict]:
    template = recorded_body("ws_core_enrol_get_enrolled_users.json")[1]
    return [dict(template, id=user_id, username=f"user{user_id}") for user_id in ids]


def paging_fields(received) -> dict[str, str]:
    fields = dict(received.fields)
    options = {}
    index = 0
    while f"options[{index}][name]" in fields:
        options[fields[f"options[{index}][name]"]] = fields[f"options[{index}][value]"]
        index += 1
    return options


def test_iter_enrolled_users_pages_with_limitfrom_and_limitnumber(fake):
    fake.answer_json(users(3, 4))
    fake.answer_json(users(5, 6))
    fake.answer_json(users(7))
    found = [user.id for user in mc.iter_enrolled_users(client(fake), 2, page_size=2, onlyactive=True)]
    assert found == [3, 4, 5, 6, 7]
    assert [paging_fields(r) for r in fake.received] == [
        {"limitfrom": str(start), "limitnumber": "2", "onlyactive": "1"} for start in (0, 2, 4)
    ]
    assert all(dict(r.fields)["courseid"] == "2" for r in fake.received)


def test_iter_enrolled_users_skips_a_user_seen_twice_and_stops_on_an_empty_page(fake):
    fake.answer_json(users(3, 4))
    fake.answer_json(users(4, 5))  # someone enrolled meanwhile shifted the page
    fake.answer_json([])
    assert [user.id for user in mc.iter_enrolled_users(client(fake), 2, page_size=2)] == [3, 4, 5]
    assert len(fake.received) == 3


def test_iter_enrolled_users_is_lazy(fake):
    fake.answer_json(users(3, 4))
    first = next(mc.iter_enrolled_users(client(fake), 2, page_size=2))
    assert first.id == 3 and len(fake.received) == 1


@pytest.mark.parametrize("options", [{"page_size": 0}, {"limitfrom": 5}])
def test_iter_enrolled_users_refuses_conflicting_paging(options):
    with pytest.raises(ValueError):
        next(mc.iter_enrolled_users(mc.MoodleClient("https://lms.example.go.id", "t"), 2, **options))
