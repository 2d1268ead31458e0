"""A local AGS endpoint for the grades benchmark, run in its own process: slow, faulty, and watchful.

Every score POST waits ``latency`` seconds (a share ``slow_share`` of them ``slow_latency``
seconds instead: a busy Moodle's occasional slow answer), then answers 500 with probability
``p500`` and 429 with ``Retry-After`` with probability ``p429`` (nothing stored
in either case); otherwise it stores the score like Moodle (409 for a timestamp
not newer, to the second, than the stored one or the time it was saved). It
watches what a gradebook would suffer from:

- a score applied *out of order*: its ``scoreGiven`` (the benchmark numbers each
  learner × column's scores 1, 2, …) not greater than the one applied before;
- two scores of one learner × column *in flight at once*;
- a retry *before* the ``Retry-After`` it was given;
- token requests, per client.

``GET /stats`` answers the counters and the final score of every learner × column.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import random
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def _seconds(timestamp: str) -> int:
    return int(dt.datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp())


class Gradebook:
    def __init__(self, latency: float, p500: float, p429: float, retry_after: float, seed: int = 16,
                 slow_share: float = 0.0, slow_latency: float = 0.0):
        self.latency, self.p500, self.p429, self.retry_after = latency, p500, p429, retry_after
        self.slow_share, self.slow_latency = slow_share, slow_latency
        self.random = random.Random(seed)
        self.lock = threading.Lock()
        self.stored: dict[tuple[str, str], dict] = {}
        self.in_flight: collections.Counter = collections.Counter()
        self.not_before: dict[tuple[str, str, str], float] = {}
        self.counts: collections.Counter = collections.Counter()
        self.token_requests: collections.Counter = collections.Counter()
        self.first_score_at: float | None = None
        self.last_applied_at: float | None = None

    def score(self, lineitem: str, body: dict) -> tuple[int, dict]:
        pair = (lineitem, str(body.get("userId")))
        now = time.monotonic()
        with self.lock:
            self.counts["posts"] += 1
            self.first_score_at = self.first_score_at or now
            self.in_flight[pair] += 1
            if self.in_flight[pair] > 1:
                self.counts["same_pair_in_flight"] += 1
            retry_key = (*pair, str(body.get("timestamp")))
            if now < self.not_before.get(retry_key, 0.0):
                self.counts["retried_before_retry_after"] += 1
            roll, slow = self.random.random(), self.random.random() < self.slow_share
        try:
            time.sleep(self.slow_latency if slow else self.latency)
            if roll < self.p500:
                self._count("http_500")
                return 500, {}
            if roll < self.p500 + self.p429:
                with self.lock:
                    self.counts["http_429"] += 1
                    self.not_before[retry_key] = time.monotonic() + self.retry_after
                return 429, {"Retry-After": f"{self.retry_after:g}"}
            sent = _seconds(body["timestamp"])
            with self.lock:
                before = self.stored.get(pair)
                if before is not None and (sent <= before["second"] or sent <= int(before["saved_at"])):
                    self.counts["http_409"] += 1
                    return 409, {}
                if before is not None and body.get("scoreGiven", 0) <= before["score"]:
                    self.counts["applied_out_of_order"] += 1
                self.stored[pair] = {"second": sent, "saved_at": time.time(), "score": body.get("scoreGiven", 0)}
                self.counts["applied"] += 1
                self.last_applied_at = time.monotonic()
            return 200, {}
        finally:
            with self.lock:
                self.in_flight[pair] -= 1

    def _count(self, name: str) -> None:
        with self.lock:
            self.counts[name] += 1

    def stats(self) -> dict:
        with self.lock:
            span = (self.last_applied_at or 0) - (self.first_score_at or 0)
            return {"counts": dict(self.counts), "token_requests": dict(self.token_requests),
                    "final": {f"{item} {user}": entry["score"] for (item, user), entry in self.stored.items()},
                    "score_span_seconds": span}


def make_handler(book: Gradebook) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet
            pass

        def _answer(self, status: int, body: bytes = b"", headers: dict | None = None,
                    content_type: str = "application/json") -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _body(self) -> bytes:
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_GET(self) -> None:
            if self.path == "/stats":
                self._answer(200, json.dumps(book.stats()).encode())
            else:
                self._answer(404)

        def do_POST(self) -> None:
            raw = self._body()
            if self.path == "/token":
                client = "?"
                for part in raw.decode().split("&"):
                    if part.startswith("client_assertion="):
                        client = "padu"
                with book.lock:
                    book.token_requests[client] += 1
                    number = sum(book.token_requests.values())
                self._answer(200, json.dumps({"access_token": f"token-{number}", "token_type": "Bearer",
                                              "expires_in": 3600}).encode(), content_type="text/html")
                return
            if self.path.endswith("/lineitem/scores"):
                if not (self.headers.get("Authorization") or "").startswith("Bearer token-"):
                    self._answer(401)
                    return
                status, headers = book.score(self.path.split("/")[2], json.loads(raw))
                self._answer(status, b"", headers)
                return
            self._answer(404)

    return Handler


def serve(port_out, latency: float, p500: float, p429: float, retry_after: float, slow_share: float = 0.0,
          slow_latency: float = 0.0) -> None:
    """Run the server (in a child process); its port is sent through ``port_out``."""
    book = Gradebook(latency, p500, p429, retry_after, slow_share=slow_share, slow_latency=slow_latency)
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(book))
    server.daemon_threads = True
    server.request_queue_size = 128
    port_out.send(server.server_port)
    server.serve_forever()
