"""A stand-in for Moodle's REST server on 127.0.0.1, answering from a script.

It records every request it gets (method, path, query, form fields as PHP
would see them) and answers with the next scripted answer, which may be a
recorded Moodle response from ``tests/fixtures/moodle``.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


@dataclass
class Received:
    method: str
    path: str
    query: str
    content_type: str
    fields: list[tuple[str, str]]


@dataclass
class Answer:
    body: bytes
    status: int = 200
    content_type: str = "application/json"
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


class FakeMoodle:
    def __init__(self):
        self.received: list[Received] = []
        self._answers: deque[Answer] = deque()
        self._lock = threading.Lock()
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True, name="fake-moodle")
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        with self._lock:
            self.received.clear()
            self._answers.clear()

    def answer(self, body: str | bytes, *, status: int = 200, content_type: str = "application/json",
               delay: float = 0.0, headers: dict[str, str] | None = None) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        with self._lock:
            self._answers.append(Answer(data, status, content_type, delay, headers or {}))

    def answer_json(self, value: object) -> None:
        self.answer(json.dumps(value, ensure_ascii=False))

    def replay(self, fixture: dict) -> None:
        """Answer the next request exactly as Moodle did in ``fixture``."""
        response = fixture["response"]
        body = response.get("body_raw")
        if body is None:
            body = json.dumps(response["body"], ensure_ascii=False)
        headers = {name.lower(): value for name, value in response["headers"].items()}
        self.answer(body, status=response["status"], content_type=headers["content-type"])

    def _app(self, environ, start_response):
        request = Request(environ)
        received = Received(
            method=request.method,
            path=request.path,
            query=request.query_string.decode(),
            content_type=request.mimetype,
            fields=list(request.form.items(multi=True)),
        )
        with self._lock:
            self.received.append(received)
            answer = self._answers.popleft() if self._answers else None
        if answer is None:
            response = Response("the test scripted no answer for this request", status=599)
        else:
            if answer.delay:
                time.sleep(answer.delay)
            response = Response(answer.body, status=answer.status, content_type=answer.content_type,
                                headers=answer.headers)
        return response(environ, start_response)


def recorded_fields(fixture: dict) -> list[tuple[str, str]]:
    """The form fields of a recording as they travelled (all values are text)."""
    return sorted((name, str(value)) for name, value in fixture["request"]["form_fields"])


def assert_sent_as_recorded(fake: FakeMoodle, fixture: dict) -> None:
    assert len(fake.received) == 1, "one request, no retries"
    sent = fake.received[0]
    assert (sent.method, sent.path, sent.query) == ("POST", "/webservice/rest/server.php", "")
    assert sent.content_type == "application/x-www-form-urlencoded"
    assert sorted(sent.fields) == recorded_fields(fixture)
