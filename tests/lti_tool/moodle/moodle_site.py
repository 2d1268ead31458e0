"""A Moodle site on 127.0.0.1 that answers web-service calls by function, in the recorded shapes.

Unlike ``tests/moodle_client/fake_moodle.py`` (a script of answers in order), a
sync makes many calls whose order is Padu's business, so this site keeps state
the way Moodle does: activities, each user's completion and grades, groups and
their members, calendar events; ``core_group_*`` and ``core_calendar_*`` calls change it. Every answer is built from the
recorded Moodle 4.5.6 answer of the same function (``tests/fixtures/moodle``),
changed only in its values, so the shapes are Moodle's own.
"""

from __future__ import annotations

import copy
import json
import re
import threading
from collections import defaultdict

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.fixtures import moodle as recorded

WRITES = ("core_group_create_groups", "core_group_add_group_members", "core_group_delete_group_members",
          "core_calendar_create_calendar_events", "core_calendar_delete_calendar_events")


def _body(name: str):
    return copy.deepcopy(recorded(name)["response"]["body"])


def _indexed(form, prefix: str) -> list[dict[str, str]]:
    """``members[0][groupid]=1&members[0][userid]=4`` → ``[{"groupid": "1", "userid": "4"}]``."""
    rows: dict[int, dict[str, str]] = defaultdict(dict)
    for key, value in form.items(multi=True):
        match = re.fullmatch(rf"{prefix}\[(\d+)\](?:\[(\w+)\])?", key)
        if match:
            rows[int(match.group(1))][match.group(2) or ""] = value
    return [rows[i] for i in sorted(rows)]


class MoodleSite:
    def __init__(self):
        self.token = "site-token-0123456789abcdef"
        self._lock = threading.Lock()
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self.reset()
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="moodle-site")
        self._thread.start()

    def reset(self) -> None:
        """The recorded site: course 2's activities, group 1 "Fase 2 - Jarak Jauh" with user 4."""
        self.calls: list[str] = []
        #: Answer 503 (maintenance) to every call while True.
        self.down = False
        self.site_info = _body("ws_core_webservice_get_site_info.json")
        self.site_info["siteurl"] = self.url
        self.contents = _body("ws_core_course_get_contents.json")
        #: userid → {cmid: state}
        self.completion: dict[int, dict[int, int]] = defaultdict(dict)
        #: userid → {cmid: graderaw} (range 0–100)
        self.grades: dict[int, dict[int, float]] = defaultdict(dict)
        self.groups: dict[int, dict] = {g["id"]: g for g in _body("ws_core_group_get_course_groups.json")}
        self.members: dict[int, set[int]] = defaultdict(set)
        #: (touserid, text) of every message sent.
        self.messages: list[tuple[int, str]] = []
        #: Calendar events by id, as core_calendar_create_calendar_events answered them.
        self.events: dict[int, dict] = {}
        self._next_event = 1
        #: Names of functions to answer with "the server did not answer" (HTTP 500) after running them.
        self.fail_after: set[str] = set()
        for row in _body("ws_core_group_get_group_members.json"):
            self.members[row["groupid"]] = set(row["userids"])

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def writes(self) -> list[str]:
        return [name for name in self.calls if name in WRITES]

    # -- answers -------------------------------------------------------------------------

    def _app(self, environ, start_response):
        request = Request(environ)
        form = request.form
        function = form.get("wsfunction", "")
        with self._lock:
            self.calls.append(function)
            if self.down:
                response = Response("Site is under maintenance", status=503, content_type="text/html")
                return response(environ, start_response)
            if form.get("wstoken") != self.token:
                body = _body("ws_error_invalid_token.json")
            elif not any(f["name"] == function for f in self.site_info["functions"]):
                body = _body("ws_error_function_not_in_service.json")
            else:
                body = getattr(self, function)(form)
                if function in self.fail_after:
                    response = Response("Internal Server Error", status=500, content_type="text/html")
                    return response(environ, start_response)
        return Response(json.dumps(body), content_type="application/json")(environ, start_response)

    def core_webservice_get_site_info(self, form):
        return self.site_info

    def core_course_get_contents(self, form):
        return self.contents

    def core_completion_get_activities_completion_status(self, form):
        body = _body("ws_core_completion_get_activities_completion_status.json")
        template = body["statuses"][1]  # the manual Page's status
        userid = int(form["userid"])
        statuses = []
        for cmid, state in sorted(self.completion[userid].items()):
            status = dict(template, cmid=cmid, state=state, isoverallcomplete=state in (1, 2))
            status["timecompleted"] = 1796082327 if state else None
            statuses.append(status)
        body["statuses"] = statuses
        return body

    def gradereport_user_get_grade_items(self, form):
        body = _body("ws_gradereport_user_get_grade_items.json")
        user_template = body["usergrades"][0]
        item_template = user_template["gradeitems"][0]
        users = []
        for userid in sorted(set(self.grades) | set(self.completion)):
            items = [dict(item_template, id=100 + cmid, cmid=cmid, graderaw=self.grades[userid].get(cmid),
                          grademin=0, grademax=100) for cmid in (2, 6, 7)]
            users.append(dict(user_template, userid=userid, gradeitems=items))
        body["usergrades"] = users
        return body

    def core_group_get_course_groups(self, form):
        return [self.groups[i] for i in sorted(self.groups)]

    def core_group_get_group_members(self, form):
        ids = [int(row[""]) for row in _indexed(form, "groupids")]
        return [{"groupid": i, "userids": sorted(self.members[i])} for i in ids]

    def core_group_create_groups(self, form):
        template = _body("ws_core_group_create_groups.json")[0]
        made = []
        for row in _indexed(form, "groups"):
            new_id = max(self.groups, default=0) + 1
            group = dict(template, id=new_id, courseid=int(row["courseid"]), name=row["name"],
                         idnumber=row.get("idnumber", ""), description=row.get("description", ""))
            self.groups[new_id] = group
            made.append(group)
        return made

    def core_group_add_group_members(self, form):
        for row in _indexed(form, "members"):
            self.members[int(row["groupid"])].add(int(row["userid"]))
        return None

    def core_group_delete_group_members(self, form):
        for row in _indexed(form, "members"):
            self.members[int(row["groupid"])].discard(int(row["userid"]))
        return None

    def core_message_send_instant_messages(self, form):
        template = _body("ws_core_message_send_instant_messages.json")[0]
        sent = []
        for row in _indexed(form, "messages"):
            self.messages.append((int(row["touserid"]), row["text"]))
            sent.append(dict(template, msgid=len(self.messages), clientmsgid=row.get("clientmsgid"),
                             text=row["text"]))
        return sent

    def core_calendar_create_calendar_events(self, form):
        body = _body("ws_core_calendar_create_calendar_events.json")
        template = body["events"][0]
        made = []
        for row in _indexed(form, "events"):
            event = dict(template, id=self._next_event, name=row["name"], description=row.get("description", ""),
                         format=int(row.get("format", 1)), courseid=int(row.get("courseid", 0)),
                         groupid=int(row.get("groupid", 0)), eventtype=row.get("eventtype", "user"),
                         timestart=int(row["timestart"]), timeduration=int(row.get("timeduration", 0)),
                         visible=int(row.get("visible", 1)))
            self._next_event += 1
            self.events[event["id"]] = event
            made.append(event)
        body["events"] = made
        return body

    def core_calendar_delete_calendar_events(self, form):
        ids = [int(row["eventid"]) for row in _indexed(form, "events")]
        if any(i not in self.events for i in ids):  # calendar_event::load fails; the transaction deletes nothing
            return _body("ws_error_invalid_courseid.json") | {"message": "Can't find data record in database table "
                                                                          "event."}
        for i in ids:
            del self.events[i]
        return None
