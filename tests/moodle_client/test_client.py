"""The HTTP side: retries only where they are safe, timeouts, odd answers, and
the token kept out of URLs, logs and messages."""

from __future__ import annotations

import logging
import socket
import time

import pytest
import requests

import moodle_client as mc
from lti_tool.outbound import GuardedSession, Policy
from tests.fixtures import moodle

TOKEN = "s3cret-ws-token-0123456789abcdef"
SITE_INFO = "ws_core_webservice_get_site_info.json"


def client(fake, **options) -> mc.MoodleClient:
    options.setdefault("backoff", 0)
    return mc.MoodleClient(fake.url, TOKEN, **options)


def test_retries_on_503_then_succeeds_with_exponential_backoff(fake):
    fake.answer("maintenance", status=503, content_type="text/html")
    fake.answer("maintenance", status=503, content_type="text/html")
    fake.replay(moodle(SITE_INFO))
    started = time.monotonic()
    info = mc.get_site_info(client(fake, retries=3, backoff=0.05))
    assert info.userid == 2
    assert len(fake.received) == 3
    assert time.monotonic() - started >= 0.05 + 0.10
    assert fake.received[0].fields == fake.received[2].fields


def test_gives_up_after_the_configured_retries(fake):
    for _ in range(5):
        fake.answer("bad gateway", status=502, content_type="text/html")
    with pytest.raises(mc.TransportError) as caught:
        client(fake, retries=2).call("core_webservice_get_site_info")
    assert caught.value.status == 502 and caught.value.retryable
    assert len(fake.received) == 3


def test_never_retries_an_error_moodle_reported(fake):
    fake.replay(moodle("ws_error_invalid_token.json"))
    fake.replay(moodle(SITE_INFO))  # would be the answer to a retry
    with pytest.raises(mc.InvalidToken):
        client(fake, retries=3).call("core_webservice_get_site_info")
    assert len(fake.received) == 1


def test_a_timeout_is_a_transport_error(fake):
    fake.answer("null", delay=0.5)
    started = time.monotonic()
    with pytest.raises(mc.TransportError) as caught:
        client(fake, timeout=0.1, retries=0).call("core_webservice_get_site_info")
    assert time.monotonic() - started < 0.45
    assert isinstance(caught.value.__cause__, requests.Timeout)
    assert caught.value.maybe_processed  # the request had arrived


def test_a_timeout_is_retried_for_a_read(fake):
    fake.answer("null", delay=0.5)
    fake.replay(moodle(SITE_INFO))
    assert mc.get_site_info(client(fake, timeout=0.2, retries=1)).userid == 2
    assert len(fake.received) == 2


def test_a_write_is_not_repeated_when_moodle_may_have_run_it(fake):
    fake.answer("Internal Server Error", status=500, content_type="text/html")
    fake.replay(moodle("ws_core_group_create_groups.json"))
    with pytest.raises(mc.TransportError) as caught:
        mc.create_groups(client(fake, retries=3), [mc.NewGroup(courseid=2, name="Fase 2 - Jarak Jauh")])
    assert caught.value.status == 500
    assert len(fake.received) == 1


def test_a_write_is_repeated_after_a_503_since_nothing_ran(fake):
    fake.answer("maintenance", status=503, content_type="text/html")
    fake.replay(moodle("ws_core_message_send_instant_messages.json"))
    (sent,) = mc.send_instant_messages(client(fake, retries=3), [mc.NewMessage(touserid=4, text="Halo")])
    assert sent.sent
    assert len(fake.received) == 2


def test_a_refused_connection_never_reached_moodle():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port now.
    with pytest.raises(mc.TransportError) as caught:
        mc.MoodleClient(f"http://127.0.0.1:{port}", TOKEN, retries=0).call("core_webservice_get_site_info")
    assert caught.value.retryable and not caught.value.maybe_processed


def test_a_body_that_is_neither_json_nor_xml_is_retried(fake):
    fake.answer("<br />\n<b>Fatal error</b>: Allowed memory size exhausted", content_type="text/html")
    fake.replay(moodle(SITE_INFO))
    assert mc.get_site_info(client(fake, retries=1)).userid == 2
    assert len(fake.received) == 2


def test_a_body_that_is_neither_json_nor_xml(fake):
    fake.answer("<!DOCTYPE html><html><body>Proxy error</body></html>", content_type="text/html")
    with pytest.raises(mc.TransportError, match="neither JSON nor XML"):
        client(fake, retries=0).call("core_webservice_get_site_info")


def test_a_client_error_status_is_final(fake):
    fake.answer("Not Found", status=404, content_type="text/html")
    with pytest.raises(mc.TransportError) as caught:
        client(fake, retries=3).call("core_webservice_get_site_info")
    assert (caught.value.status, caught.value.retryable) == (404, False)
    assert len(fake.received) == 1


def test_a_redirect_is_not_followed(fake):
    """requests would turn the POST into a GET without the form."""
    fake.answer("", status=301, content_type="text/html",
                headers={"Location": "https://lms.example.go.id/webservice/rest/server.php"})
    with pytest.raises(mc.TransportError, match="https://lms.example.go.id"):
        client(fake, retries=3).call("core_webservice_get_site_info")
    assert len(fake.received) == 1


def test_null_is_a_valid_answer(fake):
    fake.answer("null")
    assert client(fake).call("core_group_add_group_members", members=[{"groupid": 1, "userid": 4}]) is None


def test_a_utf8_bom_before_the_json_is_tolerated(fake):
    """A PHP file saved with a BOM in a Moodle plugin puts it before every answer."""
    fake.answer(b"\xef\xbb\xbf" + b'{"status": true, "warnings": []}')
    assert mc.update_activity_completion_status_manually(client(fake), 6, True).status is True


def test_a_base_url_with_a_path_and_a_trailing_slash(fake):
    fake.answer("null")
    mc.MoodleClient(fake.url + "/moodle/", TOKEN).call("core_group_add_group_members")
    assert fake.received[0].path == "/moodle/webservice/rest/server.php"


def test_the_token_goes_in_the_body_only_and_is_never_logged(fake, caplog):
    caplog.set_level(logging.DEBUG)
    fake.answer("oops", status=500, content_type="text/html")
    fake.replay(moodle("ws_error_invalid_token.json"))
    moodle_client = client(fake, retries=1)
    with pytest.raises(mc.InvalidToken) as caught:
        moodle_client.call("core_webservice_get_site_info")
    assert "retry 1 of 1" in caplog.text
    assert TOKEN not in caplog.text
    assert TOKEN not in str(caught.value) and TOKEN not in repr(moodle_client)
    assert all(TOKEN not in r.query and TOKEN not in r.path for r in fake.received)
    assert ("wstoken", TOKEN) in fake.received[0].fields


def test_the_client_owns_the_protocol_fields():
    with pytest.raises(ValueError, match="wstoken"):
        mc.MoodleClient("https://lms.example.go.id", TOKEN).call("x", wstoken="other")


def test_a_given_session_is_used_and_left_open(fake):
    session = GuardedSession(Policy.parse("127.0.0.1", "*"))
    fake.answer("null")
    with mc.MoodleClient(fake.url, TOKEN, session=session) as moodle_client:
        moodle_client.call("core_group_add_group_members")
    fake.answer("null")
    assert session.post(fake.url + "/webservice/rest/server.php").status_code == 200
    session.close()


def test_rejects_a_base_url_without_a_scheme():
    with pytest.raises(ValueError):
        mc.MoodleClient("lms.example.go.id", TOKEN)
