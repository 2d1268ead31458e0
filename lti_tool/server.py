"""``padu serve``: waitress in several processes on one socket, and the worker.

Small agencies run this with no proxy in front, facing phones on slow mobile
links. waitress reads each request (headers and body) in its asynchronous
loop and hands it to a request thread only once it has arrived whole, so
clients that trickle a header line or a body every few seconds hold a socket,
not a thread: ``/healthz`` and every other page keep answering. (gunicorn's
threaded worker gives a thread to each connection that is still sending; ten
such clients stalled it for 27 s.)

Python runs one thread at a time per process, so one process cannot use a
second core. The parent binds the listening socket and forks ``processes``
children (one per core by default); each runs Padu under its own waitress on
that socket; a process takes a new connection only while one of its request
threads is free (:class:`_Server`), so a busy process leaves it to an idle one.
The parent serves no requests: it runs the grade worker as a thread (if wanted),
restarts a child that dies, and stops them all on SIGTERM or Ctrl-C. Without
Redis, the login rate limit's counters live in shared memory made before the
fork, so the limit holds across the children (``shared_counters.py``). On
SQLite the writers of every process and thread wait for the write lock in line
rather than in SQLite's busy handler (``sqlite_write_gate.py``). Several
hosts go through gunicorn behind a buffering proxy, see README "Behind HTTPS,
and scaling out".

waitress keeps no control socket and logs no requests; :class:`AccessLog`
writes Padu's own request lines, with the session tokens redacted.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
import time

from waitress.adjustments import Adjustments
from waitress.server import TcpWSGIServer
from waitress.task import ThreadedTaskDispatcher

from config import Settings

from . import sqlite_write_gate
from .access_log import AccessLog
from .gc_startup import freeze_startup_objects
from .shared_counters import SharedCounters, WithSharedCounters

log = logging.getLogger(__name__)

#: Seconds an idle or trickling connection may stay silent before waitress closes it.
CHANNEL_TIMEOUT = 60
#: Open connections at most, per process; more wait in the listen backlog.
CONNECTION_LIMIT = 200
#: Request threads per serving process by default (``padu serve --threads``).
DEFAULT_THREADS = 4
#: Serving processes at most by default, whatever the number of cores.
MAX_DEFAULT_PROCESSES = 4
#: A child that dies sooner than this after its start is restarted only after a pause.
RESTART_PAUSE = 1.0


def default_processes() -> int:
    """One serving process per core, up to :data:`MAX_DEFAULT_PROCESSES`."""
    return max(1, min(MAX_DEFAULT_PROCESSES, os.cpu_count() or 1))


def build(settings: Settings, *, worker: bool | None = None, counters: SharedCounters | None = None):
    """The WSGI callable one serving process runs: Padu, its access log, and (if wanted) the worker."""
    from .app import create_app

    app = create_app(settings)
    runtime = app.extensions["padu"]
    if counters is not None and not settings.redis_url:
        runtime.cache = WithSharedCounters(runtime.cache, counters)
    sqlite_write_gate.install(runtime.engine)
    if settings.embedded_worker if worker is None else worker:
        _start_worker(runtime)
    freeze_startup_objects()
    return AccessLog(app)


def _start_worker(runtime) -> threading.Thread:
    from .worker import run_forever

    thread = threading.Thread(target=run_forever, args=(runtime,), name="worker", daemon=True)
    thread.start()
    return thread


def listen(host: str, port: int) -> socket.socket:
    """The listening socket every serving process accepts on."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(1024)
    sock.setblocking(False)
    return sock


class _Dispatcher(ThreadedTaskDispatcher):
    """waitress's request threads, counting the requests handed to them and not yet answered."""

    server: _Server | None = None

    def __init__(self) -> None:
        super().__init__()
        self.pending = 0
        self.full = False

    def add_task(self, task) -> None:
        service = task.service

        def counted() -> None:
            try:
                service()
            finally:
                with self.lock:
                    self.pending -= 1
                    wake = self.full
                    self.full = False
                if wake and self.server is not None:
                    self.server.pull_trigger()  # the loop stopped accepting: it looks again

        task.service = counted
        with self.lock:
            self.pending += 1
        super().add_task(task)


class _Server(TcpWSGIServer):
    """waitress's server, that accepts a connection only while one of its request threads is free.

    The serving processes share one listening socket and each waitress loop
    accepts whatever it is woken for; a process whose threads were all busy went
    on accepting, and its new requests queued behind the running ones while
    another process sat idle. Leaving the connection in the listen backlog lets
    a process with a free thread take it. A slow client still costs no thread:
    its request is read by the loop, and counts only once it has arrived whole.
    """

    task_dispatcher: _Dispatcher

    def readable(self) -> bool:
        if not super().readable():
            return False
        dispatcher = self.task_dispatcher
        with dispatcher.lock:
            if dispatcher.pending < len(dispatcher.threads) - dispatcher.stop_count:
                return True
            dispatcher.full = True
            return False


def _waitress(app, settings: Settings, sock: socket.socket, threads: int) -> None:
    adj = Adjustments(
        threads=threads,
        ident="Padu",
        channel_timeout=CHANNEL_TIMEOUT,
        connection_limit=CONNECTION_LIMIT,
        # The app refuses larger bodies with a 413 page; waitress stops reading
        # well before a body could fill the disk.
        max_request_body_size=settings.max_upload_bytes + 1024 * 1024,
        # X-Forwarded-* are read by the app's ProxyFix (PADU_PROXY_COUNT), not here.
        clear_untrusted_proxy_headers=False,
    )
    dispatcher = _Dispatcher()
    dispatcher.set_thread_count(threads)
    sockinfo = (sock.family, sock.type, sock.proto, sock.getsockname())
    server = _Server(app, {}, True, sock, dispatcher=dispatcher, adj=adj, bind_socket=False, sockinfo=sockinfo)
    dispatcher.server = server
    server.run()


def serve(settings: Settings, *, host: str, port: int, threads: int = DEFAULT_THREADS, processes: int | None = None) -> None:
    processes = processes or default_processes()
    sock = listen(host, port)
    if processes == 1 or not hasattr(os, "fork"):
        _waitress(build(settings), settings, sock, threads)
        return
    Supervisor(settings, sock, threads, processes).run()


class Supervisor:
    """The parent of the serving processes: starts them, restarts the dead, stops them all."""

    def __init__(self, settings: Settings, sock: socket.socket, threads: int, processes: int) -> None:
        self.settings = settings
        self.sock = sock
        self.threads = threads
        self.processes = processes
        self.counters = SharedCounters()
        self.children: dict[int, float] = {}  # pid -> start time
        self.stopping = False

    def run(self) -> None:
        for _ in range(self.processes):
            self._fork()
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        log.info("padu serve: %d processes × %d request threads on %s", self.processes, self.threads,
                 self.sock.getsockname())
        if self.settings.embedded_worker:
            # Forked first: the children must not inherit the worker's thread or connections.
            from .runtime import Runtime

            runtime = Runtime.build(self.settings)
            sqlite_write_gate.install(runtime.engine)
            _start_worker(runtime)
        try:
            while not self.stopping:
                try:
                    pid, status = os.wait()
                except ChildProcessError:
                    break
                except InterruptedError:
                    continue
                started = self.children.pop(pid, None)
                if started is None or self.stopping:
                    continue
                log.error("serving process %d ended (%s); starting another", pid, _describe(status))
                if time.monotonic() - started < RESTART_PAUSE:
                    time.sleep(RESTART_PAUSE)
                self._fork()
        finally:
            self._stop_children()

    def _fork(self) -> None:
        pid = os.fork()
        if pid:
            self.children[pid] = time.monotonic()
            return
        # The child: the parent's signal handlers are not its own.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        code = 0
        try:
            _orphan_watch(os.getppid())
            _waitress(build(self.settings, worker=False, counters=self.counters), self.settings, self.sock,
                      self.threads)
        except BaseException:  # noqa: BLE001 — a child must never return into the parent's loop
            log.exception("serving process %d failed", os.getpid())
            code = 1
        finally:
            sys.stderr.flush()
            os._exit(code)

    def _stop(self, _signum, _frame) -> None:
        self.stopping = True
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def _stop_children(self) -> None:
        self._stop(None, None)
        deadline = time.monotonic() + 10
        while self.children and time.monotonic() < deadline:
            try:
                pid, _status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid:
                self.children.pop(pid, None)
            else:
                time.sleep(0.05)
        for pid in self.children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _orphan_watch(parent: int) -> None:
    """End this serving process when its parent is gone (killed without passing SIGTERM on)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, name="orphan-watch", daemon=True).start()


def _describe(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {os.WTERMSIG(status)}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"
