"""The guarded HTTP client refuses where Padu must not call, and bounds what a server can make it do.

A real listener on 127.0.0.1 (or 127.0.0.2) plays the internal service or the
hostile server; whether it was reached is what the tests look at.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
from flask import Flask, Response, request
from werkzeug.serving import make_server

from lti_tool.logsafe import excerpt
from lti_tool.outbound import (
    CannotConnect,
    DeadlineExceeded,
    GuardedSession,
    OutboundRefused,
    Policy,
    ResponseTooLarge,
)

LOOPBACK = Policy.parse("127.0.0.1", "*")


class Listener:
    """An HTTP server that records every request it gets."""

    def __init__(self, host: str = "127.0.0.1"):
        self.requests: list[dict] = []
        self.sent = 0
        app = Flask("listener")

        @app.route("/<path:path>", methods=["GET", "POST"])
        def anything(path):
            self.requests.append({"path": path, "host": request.headers.get("Host")})
            return self.answer(path)

        self._server = make_server(host, 0, app, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def answer(self, path):
        if path == "redirect":
            return Response("", 302, headers={"Location": request.args["to"]})
        if path == "drip":
            def drip():
                for _ in range(60):
                    yield b"x"
                    time.sleep(0.25)
            return Response(drip(), direct_passthrough=True)
        if path == "flood":
            def flood():
                for _ in range(3200):  # 200 MB
                    self.sent += 65536
                    yield b"y" * 65536
            return Response(flood(), direct_passthrough=True)
        return {"ok": True}

    def stop(self):
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.stop()


def test_loopback_is_refused_by_default_and_the_message_names_the_setting(listener):
    with pytest.raises(OutboundRefused, match="PADU_OUTBOUND_ALLOW_HOSTS") as refused:
        GuardedSession(Policy.parse("", "*")).get(listener.url + "/internal")
    assert "loopback" in str(refused.value)
    assert listener.requests == []


def test_a_port_other_than_80_and_443_is_refused_naming_its_setting(listener):
    with pytest.raises(OutboundRefused, match="PADU_OUTBOUND_ALLOW_PORTS"):
        GuardedSession(Policy.parse("127.0.0.1", "")).get(listener.url + "/internal")
    assert listener.requests == []


@pytest.mark.parametrize("address", ["10.1.2.3", "192.168.0.10", "172.16.5.5", "169.254.169.254", "0.0.0.0",
                                     "224.0.0.1", "100.64.0.1", "::1", "fe80::1", "::ffff:127.0.0.1", "240.0.0.1"])
def test_private_link_local_multicast_reserved_and_unspecified_addresses_are_refused(address):
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(OutboundRefused, match="PADU_OUTBOUND_ALLOW_HOSTS"):
        GuardedSession(Policy.parse("", "*")).get(f"http://{host}/x", timeout=1)


def test_a_name_that_resolves_to_loopback_is_refused(listener, monkeypatch):
    real = socket.getaddrinfo

    def resolve(host, port, *args, **kwargs):
        return real("127.0.0.1" if host == "lms.example.go.id" else host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    with pytest.raises(OutboundRefused, match="PADU_OUTBOUND_ALLOW_HOSTS"):
        GuardedSession(Policy.parse("", "*")).get(f"http://lms.example.go.id:{listener.port}/x")
    with pytest.raises(OutboundRefused):
        GuardedSession(Policy.parse("", "*")).get(f"http://localhost:{listener.port}/x")
    assert listener.requests == []


def test_an_allowed_name_or_network_is_called():
    policy = Policy.parse("moodle.internal, 10.2.0.0/16", "8080")
    def fake(host, port, **kw):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.9.9.9" if host == "moodle.internal" else host, port))]

    policy = Policy(policy.hosts, policy.networks, policy.ports, resolve=fake)
    assert policy.addresses("moodle.internal", 8080) == ["10.9.9.9"]
    assert policy.addresses("10.2.3.4", 443) == ["10.2.3.4"]
    with pytest.raises(OutboundRefused):
        policy.addresses("10.3.0.1", 443)
    with pytest.raises(OutboundRefused, match="PADU_OUTBOUND_ALLOW_PORTS"):
        policy.addresses("moodle.internal", 8081)


def test_the_checked_address_is_the_one_connected_to(listener, monkeypatch):
    """DNS rebinding: a second lookup would answer 10.0.0.1; there is none, and Host keeps the name."""
    real = socket.getaddrinfo
    lookups = []

    def rebinding(host, port, *args, **kwargs):
        if host == "rebind.example":
            lookups.append(host)
            return real("127.0.0.1" if len(lookups) == 1 else "10.0.0.1", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    response = GuardedSession(LOOPBACK).get(f"http://rebind.example:{listener.port}/x")
    assert response.status_code == 200 and response.json() == {"ok": True}
    assert lookups == ["rebind.example"]
    assert listener.requests == [{"path": "x", "host": f"rebind.example:{listener.port}"}]


def test_a_redirect_to_loopback_is_not_followed(listener):
    inner = Listener("127.0.0.2")
    try:
        response = GuardedSession(LOOPBACK).get(listener.url + "/redirect", params={"to": inner.url + "/secret"},
                                                allow_redirects=True)
        assert response.status_code == 302
        assert inner.requests == []
        with pytest.raises(OutboundRefused, match="PADU_OUTBOUND_ALLOW_HOSTS"):  # and 127.0.0.2 is not allowed
            GuardedSession(LOOPBACK).get(response.headers["Location"])
    finally:
        inner.stop()


def test_an_oversized_body_stops_at_the_cap_without_being_read(listener):
    started = time.monotonic()
    with pytest.raises(ResponseTooLarge):
        GuardedSession(LOOPBACK).get(listener.url + "/flood", max_bytes=64 * 1024)
    assert time.monotonic() - started < 3
    time.sleep(0.2)
    assert listener.sent < 20 * 1024 * 1024, "the client kept reading a body it had refused"


def test_a_slow_drip_hits_the_total_deadline_not_a_per_read_one(listener):
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        GuardedSession(LOOPBACK).get(listener.url + "/drip", timeout=1.5)  # a byte every 0.25 s, for 15 s
    assert 1.4 < time.monotonic() - started < 2.5


def test_a_closed_port_cannot_connect():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(CannotConnect):
        GuardedSession(LOOPBACK).get(f"http://127.0.0.1:{port}/x", timeout=2)


def test_only_http_and_https_and_no_bypass_through_send():
    with pytest.raises(OutboundRefused):
        GuardedSession(LOOPBACK).get("file:///etc/passwd")
    session = GuardedSession(LOOPBACK)
    with pytest.raises(TypeError):
        session.send(session.prepare_request(__import__("requests").Request("GET", "http://127.0.0.1/")))


def test_the_log_excerpt_is_short_and_escaped():
    text = excerpt(b"INTERNAL-SECRET\r\n<script>" + b"z" * 1000)
    assert len(text) <= 200 and "\\r\\n" in text and text.startswith("'")


def _certificate(tmp_path, name: str):
    """A CA and a server certificate for ``name`` signed by it; returns (ca file, cert file, key file)."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    files = tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"
    files[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return [str(file) for file in files]


@pytest.mark.parametrize("certified_name, ok", [("lms.example.go.id", True), ("other.example.go.id", False)])
def test_tls_goes_to_the_checked_address_with_the_host_name_for_sni_and_the_certificate(
        tmp_path, monkeypatch, certified_name, ok):
    import ssl

    from lti_tool.outbound import TlsFailed

    ca, cert, key = _certificate(tmp_path, certified_name)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    seen_sni = []
    context.sni_callback = lambda sock, name, ctx: seen_sni.append(name)
    app = Flask("tls")
    app.get("/x")(lambda: {"host": request.headers["Host"]})
    server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=context)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    real = socket.getaddrinfo
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *a, **k: real(
        "127.0.0.1" if host == "lms.example.go.id" else host, port, *a, **k))
    session = GuardedSession(LOOPBACK, ca_certs=ca)
    url = f"https://lms.example.go.id:{server.server_port}/x"
    try:
        if ok:
            assert session.get(url).json() == {"host": f"lms.example.go.id:{server.server_port}"}
        else:
            with pytest.raises(TlsFailed):
                session.get(url)
        assert seen_sni and set(seen_sni) == {"lms.example.go.id"}
    finally:
        server.shutdown()
        server.server_close()


def test_a_hanging_name_lookup_counts_against_the_deadline(monkeypatch):
    release = threading.Event()

    def hanging(host, port, *args, **kwargs):
        release.wait(10)
        raise socket.gaierror("gave up")

    monkeypatch.setattr(socket, "getaddrinfo", hanging)
    started = time.monotonic()
    try:
        with pytest.raises(DeadlineExceeded):
            GuardedSession(LOOPBACK).get("http://slow-dns.example/x", timeout=0.5)
        assert time.monotonic() - started < 1.5
    finally:
        release.set()



class KeepAliveListener:
    """An HTTP/1.1 server that keeps connections open (as Apache and nginx do; werkzeug's
    development server closes each one) and records each request's client port."""

    def __init__(self):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.requests: list[str] = []
        self.client_ports: list[int] = []
        listener = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _answer(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                path = self.path.strip("/")
                listener.requests.append(path)
                listener.client_ports.append(self.client_address[1])
                if path == "drip":
                    self.send_response(200)
                    self.send_header("Content-Length", "60")
                    self.end_headers()
                    for _ in range(60):
                        self.wfile.write(b"x")
                        self.wfile.flush()
                        time.sleep(0.25)
                    return
                size = 4 * 1024 * 1024 if path == "flood" else 0
                body = b"y" * size if size else b'{"ok": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                if path == "then-close":
                    self.close_connection = True

            do_GET = do_POST = _answer

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self):
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def keep_alive():
    server = KeepAliveListener()
    yield server
    server.stop()


def test_calls_to_one_host_reuse_one_kept_alive_connection_and_start_no_thread(keep_alive, monkeypatch):
    session = GuardedSession(LOOPBACK)
    assert session.get(keep_alive.url + "/a").json() == {"ok": True}
    started = []
    real_start = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda thread: (started.append(thread.name), real_start(thread)))
    for _ in range(5):
        assert session.post(keep_alive.url + "/b", json={"n": 1}).json() == {"ok": True}
    assert len(set(keep_alive.client_ports)) == 1, "each call opened its own connection"
    assert started == [], "a call started a thread (name lookup or deadline timer)"


def test_the_deadline_still_holds_on_a_reused_connection(keep_alive):
    session = GuardedSession(LOOPBACK)
    session.get(keep_alive.url + "/a")
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        session.get(keep_alive.url + "/drip", timeout=1.0)
    assert 0.9 < time.monotonic() - started < 2.0
    assert session.get(keep_alive.url + "/c").json() == {"ok": True}  # a fresh connection, not the shut one
    assert len(set(keep_alive.client_ports)) == 2


def test_a_connection_whose_answer_was_cut_off_is_not_reused(keep_alive):
    session = GuardedSession(LOOPBACK)
    with pytest.raises(ResponseTooLarge):
        session.get(keep_alive.url + "/flood", max_bytes=64 * 1024)
    assert session.get(keep_alive.url + "/a").json() == {"ok": True}
    assert session.get(keep_alive.url + "/b").json() == {"ok": True}
    ports = keep_alive.client_ports
    assert ports[0] != ports[1] and ports[1] == ports[2]


def test_a_connection_the_server_closed_is_not_used_again(keep_alive):
    session = GuardedSession(LOOPBACK)
    assert session.get(keep_alive.url + "/then-close").json() == {"ok": True}  # closed without saying so
    time.sleep(0.1)
    assert session.post(keep_alive.url + "/b", json={}).json() == {"ok": True}
    assert len(set(keep_alive.client_ports)) == 2


def test_another_policy_does_not_reuse_a_connection_opened_under_the_first(keep_alive):
    session = GuardedSession(LOOPBACK)
    session.get(keep_alive.url + "/a")
    session.policy = Policy()  # the default: loopback refused
    with pytest.raises(OutboundRefused):
        session.get(keep_alive.url + "/b")
    assert keep_alive.requests == ["a"]
