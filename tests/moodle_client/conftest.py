from __future__ import annotations

import pytest

import moodle_client.client
from lti_tool.outbound import Policy
from moodle_client import MoodleClient
from tests.fixtures import moodle as load_fixture

from .fake_moodle import FakeMoodle


@pytest.fixture(autouse=True)
def _allow_loopback(monkeypatch):
    """The fake Moodle listens on 127.0.0.1 and a random port, which Padu refuses by default."""
    monkeypatch.setattr(moodle_client.client, "DEFAULT_POLICY", Policy.parse("127.0.0.1", "*"))


@pytest.fixture(scope="session")
def _fake_moodle_server():
    server = FakeMoodle()
    yield server
    server.close()


@pytest.fixture
def fake(_fake_moodle_server):
    """The fake Moodle, with no requests recorded and no answers queued."""
    _fake_moodle_server.reset()
    yield _fake_moodle_server
    _fake_moodle_server.reset()


@pytest.fixture
def replay(fake):
    """``fixture, client = replay("ws_….json")``: the fake will answer as Moodle
    did, and the client holds the token the recording used."""

    def start(name: str, **client_options) -> tuple[dict, MoodleClient]:
        fixture = load_fixture(name)
        fake.replay(fixture)
        token = dict(fixture["request"]["form_fields"])["wstoken"]
        client_options.setdefault("backoff", 0)
        return fixture, MoodleClient(fake.url, token, **client_options)

    return start

