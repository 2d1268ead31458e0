"""The one way Padu calls out over HTTP, guarded like Moodle's cURL security.

Every URL Padu calls comes, in the end, from a platform: a registration
document, a launch's AGS and NRPS claims, a ``Link`` header. A platform that
registered itself may name anything, so every call here:

- goes only to ports 80 and 443 and to public addresses: the host is resolved
  and loopback, private, link-local, multicast, reserved and unspecified
  addresses are refused, unless ``PADU_OUTBOUND_ALLOW_HOSTS`` /
  ``PADU_OUTBOUND_ALLOW_PORTS`` allow them;
- connects to the very address that was checked (no second DNS lookup that a
  rebinding name could answer differently), while the ``Host`` header, TLS SNI
  and the certificate check keep the host name;
- never follows a redirect (a 3xx is the answer);
- has one *total* deadline (name lookup, connect, send, answer), however
  slowly the platform drips its answer;
- reads the body as a stream and stops at a per-call size cap.

Connections are kept alive and reused per scheme, host and port (and policy):
a grade delivery would otherwise pay a TCP (and TLS) handshake per score. A
pooled connection goes to the address that was checked when it was opened, with
the certificate checked then for the host name; an idle one is dropped after
:data:`IDLE_SECONDS` or when the server has closed it. A call holds its
connection alone, so the deadline still closes exactly the socket of that call,
and a connection whose call did not end cleanly (deadline, size cap, any error,
``Connection: close``) is closed, never pooled. The deadlines of all calls are
watched by one thread per process (no thread started per call). The errors are
``requests.RequestException`` subclasses: code that handles a failed call keeps
working, and can tell them apart.

Flask-free: ``moodle_client`` uses it too.
"""

from __future__ import annotations

import heapq
import http.client
import ipaddress
import itertools
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import certifi
import requests
import urllib3
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.util.ssl_match_hostname import CertificateError

DEFAULT_PORTS = frozenset({80, 443})
DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_BYTES = 1024 * 1024
CHUNK = 8192  # small reads bound what one gzip chunk can inflate to
#: A kept-alive connection idle longer than this is closed rather than reused (Apache's
#: KeepAliveTimeout is 5 s by default: a server may close it any moment after that).
IDLE_SECONDS = 4.0
#: Idle connections kept per scheme, host and port.
MAX_IDLE_PER_HOST = 64
HOSTS_SETTING = "PADU_OUTBOUND_ALLOW_HOSTS"
PORTS_SETTING = "PADU_OUTBOUND_ALLOW_PORTS"


class OutboundError(requests.RequestException):
    """An outbound call did not give a usable answer; ``reason`` is Padu's own words."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class OutboundRefused(OutboundError):
    """Padu will not call this URL (scheme, port or address); the message names the setting."""


class CannotConnect(OutboundError, requests.ConnectionError):
    """No connection was made: the request certainly never reached the server."""


class ConnectionLost(OutboundError, requests.ConnectionError):
    """The connection failed after the request may have been sent."""


class TlsFailed(OutboundError, requests.exceptions.SSLError):
    """The TLS handshake or the certificate check failed."""


class DeadlineExceeded(OutboundError, requests.Timeout):
    """The whole call (connect, send, headers, body) took longer than its deadline."""


class ConnectTimedOut(DeadlineExceeded, CannotConnect):
    """The deadline passed before a connection was made."""


class ResponseTooLarge(OutboundError):
    """The answer's body is larger than this call accepts."""


def _address_kind(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why Padu does not call ``ip`` by default, or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind in ("loopback", "unspecified", "link_local", "multicast", "private", "reserved"):
        if getattr(ip, "is_" + kind):
            return kind.replace("_", "-")
    if not ip.is_global:  # 100.64/10 shared address space and the like
        return "non-public"
    return None


@dataclass(frozen=True)
class Policy:
    """Where Padu may connect. Default: public addresses on ports 80 and 443 only."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    #: None means any port.
    ports: frozenset[int] | None = DEFAULT_PORTS
    resolve: Callable[..., list[Any]] | None = field(default=None, compare=False)  # tests may pass a getaddrinfo

    @classmethod
    def parse(cls, hosts: str = "", ports: str = "") -> Policy:
        """From the settings' comma-separated text; ValueError names the setting."""
        names: set[str] = set()
        networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for item in filter(None, (part.strip().lower() for part in hosts.split(","))):
            try:
                networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
            except ValueError:
                names.add(item.rstrip("."))
        allowed_ports: frozenset[int] | None
        if ports.strip() == "*":
            allowed_ports = None
        else:
            try:
                extra = {int(part) for part in ports.split(",") if part.strip()}
            except ValueError:
                raise ValueError(f"{PORTS_SETTING} must be port numbers separated by commas, or *") from None
            allowed_ports = DEFAULT_PORTS | extra
        return cls(frozenset(names), tuple(networks), allowed_ports)

    @classmethod
    def from_settings(cls, settings) -> Policy:
        return cls.parse(settings.outbound_allow_hosts, settings.outbound_allow_ports)

    def addresses(self, host: str, port: int, timeout: float = DEFAULT_TIMEOUT) -> list[str]:
        """The addresses of ``host`` Padu may connect to; refuses if any is not allowed."""
        if self.ports is not None and port not in self.ports:
            raise OutboundRefused(
                f"Padu calls ports 80 and 443 only, not {port}; to allow it, add it to {PORTS_SETTING}"
            )
        infos = self._resolve(host, port, timeout)
        addresses = list(dict.fromkeys(info[4][0] for info in infos))
        if not addresses:
            raise CannotConnect(f"the host name {host!r} has no address")
        if host.lower().rstrip(".") in self.hosts:
            return addresses
        for address in addresses:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
            if any(ip in network for network in self.networks):
                continue
            kind = _address_kind(ip)
            if kind is not None:
                raise OutboundRefused(
                    f"{host} is {address}, a {kind} address Padu does not call; "
                    f"to allow it, add the host or address to {HOSTS_SETTING}"
                )
        return addresses

    def _resolve(self, host: str, port: int, timeout: float) -> list[Any]:
        """``getaddrinfo`` within ``timeout``: a resolver that hangs must not outlast the call's
        deadline. The lookup runs in a daemon thread, left to the resolver's own timeout if it hangs."""
        resolve = self.resolve or socket.getaddrinfo
        outcome: dict[str, Any] = {}

        def run() -> None:
            try:
                outcome["infos"] = resolve(host, port, type=socket.SOCK_STREAM)
            except (OSError, UnicodeError, ValueError) as error:  # gaierror is an OSError
                outcome["error"] = error

        thread = threading.Thread(target=run, daemon=True, name="padu-resolve")
        thread.start()
        thread.join(timeout)
        if thread.is_alive():
            raise ConnectTimedOut(f"resolving {host!r} took longer than the deadline")
        if "infos" not in outcome:
            raise CannotConnect(f"cannot resolve the host name {host!r}") from outcome.get("error")
        infos: list[Any] = outcome["infos"]
        return infos


class _Watchdog:
    """One thread per process that expires the calls' deadlines (a timer thread per call cost
    more than the call itself on a kept-alive connection)."""

    def __init__(self) -> None:
        self._pid = -1
        self._start()

    def _start(self) -> None:
        self._pid = os.getpid()
        self._condition = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int, _Deadline]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, deadline: _Deadline) -> None:
        if self._pid != os.getpid():  # forked: the parent's thread and lock are not ours
            self._start()
        with self._condition:
            heapq.heappush(self._heap, (deadline.at, next(self._order), deadline))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, daemon=True, name="padu-outbound-deadlines")
                self._thread.start()
            if self._heap[0][2] is deadline:
                self._condition.notify()

    def _run(self) -> None:
        while True:
            with self._condition:
                while self._heap and self._heap[0][2].cancelled:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._condition.wait()
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._condition.wait(wait)
                    continue
                due = heapq.heappop(self._heap)[2]
            due.expire()


_WATCHDOG = _Watchdog()


class _Deadline:
    """Shuts the call's socket down when its time is up, whatever it is blocked in."""

    def __init__(self, seconds: float):
        self.at = time.monotonic() + seconds
        self.expired = threading.Event()
        self.cancelled = False
        self._lock = threading.Lock()
        self._connection: HTTPConnection | None = None
        _WATCHDOG.add(self)

    def left(self) -> float:
        return max(0.001, self.at - time.monotonic())

    def watch(self, connection: HTTPConnection) -> None:
        self._connection = connection

    def expire(self) -> None:
        with self._lock:
            if self.cancelled:
                return
            self.expired.set()
            sock = getattr(self._connection, "sock", None)
            if sock is not None:
                try:
                    socket.socket.shutdown(sock, socket.SHUT_RDWR)  # the raw socket, under any TLS layer
                except OSError:
                    pass

    def cancel(self) -> bool:
        """Stop watching; True if the deadline had already passed (the socket may be shut down).
        After this returns False, the socket is certainly left alone: it may be pooled."""
        with self._lock:
            self.cancelled = True
            return self.expired.is_set()

    def passed(self, error: BaseException | None = None) -> bool:
        """True if the call failed for time: the deadline fired, or a socket timeout
        (never set longer than what was left) beat it by a hair."""
        if self.expired.is_set():
            return True
        if isinstance(error, urllib3.exceptions.NewConnectionError):  # a ConnectTimeoutError subclass, oddly
            return False
        return isinstance(error, (TimeoutError, urllib3.exceptions.TimeoutError))


class GuardedSession(requests.Session):
    """A ``requests.Session`` whose every call follows :class:`Policy`, one deadline and a size cap.

    ``request()`` takes ``timeout`` (total seconds) and ``max_bytes`` per call;
    ``allow_redirects`` is accepted and ignored: redirects are never followed.
    """

    def __init__(self, policy: Policy | None = None, *, timeout: float = DEFAULT_TIMEOUT,
                 max_bytes: int = DEFAULT_MAX_BYTES, user_agent: str | None = None, ca_certs: str | None = None):
        super().__init__()
        self.ca_certs = ca_certs or certifi.where()
        self.trust_env = False  # an environment proxy would connect where the policy never looked
        self.policy = policy or Policy()
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.headers["Accept-Encoding"] = "identity"
        if user_agent:
            self.headers["User-Agent"] = user_agent
        self._idle: dict[tuple[Any, ...], list[tuple[HTTPConnection, float]]] = {}
        self._idle_lock = threading.Lock()
        self._idle_pid = os.getpid()

    def request(self, method, url, params=None, data=None, headers=None, cookies=None, files=None, auth=None,
                timeout=None, allow_redirects=False, proxies=None, hooks=None, stream=None, verify=None, cert=None,
                json=None, *, max_bytes: int | None = None) -> requests.Response:
        if proxies or verify is False or cert or files or stream:
            raise TypeError("the guarded session takes no proxies, verify, cert, files or stream")
        prepared = self.prepare_request(requests.Request(
            method=method.upper(), url=url, headers=headers, data=data or {}, json=json, params=params or {},
            auth=auth, cookies=cookies, hooks=hooks,
        ))
        total = float(timeout if isinstance(timeout, (int, float)) else self.timeout)
        return self._call(prepared, total, self.max_bytes if max_bytes is None else max_bytes)

    def get(self, url: str | bytes, *, max_bytes: int | None = None, **kwargs: Any) -> requests.Response:
        """Like ``Session.get``, and takes ``max_bytes``: the size cap is part of the typed signature."""
        return self.request("GET", url, max_bytes=max_bytes, **kwargs)

    def post(self, url: str | bytes, data: Any = None, json: Any = None, *, max_bytes: int | None = None,
             **kwargs: Any) -> requests.Response:
        """Like ``Session.post``, and takes ``max_bytes``."""
        return self.request("POST", url, data=data, json=json, max_bytes=max_bytes, **kwargs)

    def send(self, request, **kwargs):
        raise TypeError("use request(): send() would bypass the outbound checks")

    def _call(self, prepared: requests.PreparedRequest, total: float, max_bytes: int) -> requests.Response:
        parts = urlsplit(prepared.url or "")  # prepare_request always sets it
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise OutboundRefused("Padu calls http:// and https:// URLs only")
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError as error:
            raise OutboundRefused("the URL has an invalid port") from error
        host = parts.hostname
        # The policy and the CA file are part of the key: a connection is reused only under
        # the rules it was checked by.
        key = (scheme, host.lower(), port, self.policy, self.ca_certs)
        deadline = _Deadline(total)
        connection: HTTPConnection | None = None
        reusable = False
        try:
            connection = self._checkout(key)
            if connection is None:
                addresses = self.policy.addresses(host, port, timeout=deadline.left())
                connection = self._connect(scheme, host, port, addresses, deadline)
            else:
                deadline.watch(connection)
                connection.timeout = deadline.left()  # applied to the socket by request() and getresponse()
                if connection.sock is not None:
                    connection.sock.settimeout(connection.timeout)
            response, reusable = self._exchange(connection, prepared, scheme, host, port, parts, deadline, max_bytes)
            return response
        finally:
            fired = deadline.cancel()
            if connection is not None:
                if reusable and not fired:
                    self._checkin(key, connection)
                else:
                    connection.close()

    def _checkout(self, key: tuple[Any, ...]) -> HTTPConnection | None:
        """An idle kept-alive connection for ``key`` that the server has not closed, or None."""
        now = time.monotonic()
        with self._idle_lock:
            if self._idle_pid != os.getpid():  # forked: the parent's sockets are not ours to use
                self._idle, self._idle_pid = {}, os.getpid()
            idle = self._idle.get(key)
            while idle:
                connection, since = idle.pop()
                if now - since < IDLE_SECONDS and connection.is_connected:
                    return connection
                connection.close()
        return None

    def _checkin(self, key: tuple[Any, ...], connection: HTTPConnection) -> None:
        with self._idle_lock:
            idle = self._idle.setdefault(key, [])
            if len(idle) < MAX_IDLE_PER_HOST and self._idle_pid == os.getpid():
                idle.append((connection, time.monotonic()))
                return
        connection.close()

    def close(self) -> None:
        """Close the idle connections too (``requests.Session.close`` closes only its adapters)."""
        with self._idle_lock:
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection, _since in connections:
                connection.close()
        super().close()

    def _connect(self, scheme, host, port, addresses, deadline: _Deadline) -> HTTPConnection:
        last_error: Exception | None = None
        for address in addresses:
            connection: HTTPConnection
            if scheme == "https":
                connection = HTTPSConnection(
                    address, port, timeout=deadline.left(), server_hostname=host, assert_hostname=host,
                    cert_reqs="CERT_REQUIRED", ca_certs=self.ca_certs,
                )
            else:
                connection = HTTPConnection(address, port, timeout=deadline.left())
            deadline.watch(connection)
            try:
                connection.connect()
                return connection
            except OutboundError:
                raise
            except (ssl.SSLError, ssl.CertificateError, urllib3.exceptions.SSLError, CertificateError) as error:
                connection.close()
                raise TlsFailed(f"TLS with {host} failed: {error}") from error
            except (OSError, urllib3.exceptions.HTTPError) as error:
                connection.close()
                last_error = error
                if deadline.passed(error):
                    raise ConnectTimedOut(f"connecting to {host} took longer than the deadline") from error
        raise CannotConnect(f"cannot connect to {host} port {port}") from last_error

    def _exchange(self, connection, prepared, scheme, host, port, parts, deadline: _Deadline,
                  max_bytes: int) -> tuple[requests.Response, bool]:
        """The request and its answer, and whether the connection may serve another call."""
        headers = dict(prepared.headers)
        default_port = 443 if scheme == "https" else 80
        name = f"[{host}]" if ":" in host else host
        headers["Host"] = name if port == default_port else f"{name}:{port}"
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            connection.request(prepared.method, target, body=prepared.body, headers=headers,
                               preload_content=False, decode_content=True, enforce_content_length=True)
            raw = connection.getresponse()
            length = raw.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > max_bytes:
                raise ResponseTooLarge(f"{host} announced {length} bytes; this call accepts {max_bytes}")
            body = bytearray()
            for chunk in raw.stream(CHUNK, decode_content=True):
                body += chunk
                if len(body) > max_bytes:
                    raise ResponseTooLarge(f"{host} sent more than the {max_bytes} bytes this call accepts")
                if deadline.expired.is_set():
                    break
        except OutboundError:
            raise
        except (OSError, http.client.HTTPException, urllib3.exceptions.HTTPError) as error:
            if deadline.passed(error):
                raise DeadlineExceeded(f"{host} did not answer within the deadline") from error
            raise ConnectionLost(f"the connection to {host} failed: {type(error).__name__}") from error
        if deadline.expired.is_set():  # a shut-down socket may look like a clean end of the body
            raise DeadlineExceeded(f"{host} did not answer within the deadline")
        response = requests.Response()
        response.status_code = raw.status
        response.reason = raw.reason
        response.headers = CaseInsensitiveDict(raw.headers)
        response.encoding = get_encoding_from_headers(response.headers)
        response.url = prepared.url
        response.request = prepared
        response._content = bytes(body)
        response._content_consumed = True  # type: ignore[attr-defined]  # requests' own flag, not in its stubs
        # Reusable only when the whole answer was read and the server keeps the connection open
        # (http.client drops the socket on "Connection: close" or an HTTP/1.0 answer).
        reusable = raw.isclosed() and connection.sock is not None
        return response, reusable
