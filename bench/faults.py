"""Faults under load: `python bench/faults.py [--clients 4] [--outage 10]` prints figures; nothing here asserts.

The scale-out configuration on this machine: gunicorn (2 workers) on a fresh
PostgreSQL database and Redis, each reached through a TCP proxy the benchmark
cuts (the shared servers keep running). Browsers launch without pause; the
database is cut for ``--outage`` seconds, then Redis for as long. Per phase:
launches completed, answers by HTTP status (a 500 is a failure; a 503 is Padu's
outage page with Retry-After), and the seconds from the restore to the next
completed launch. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import requests  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from tests.lms import TestPlatform  # noqa: E402
from tests.lms.forms import first_form  # noqa: E402
from tests.lti_tool.conftest import Connected, populate  # noqa: E402
from tests.lti_tool.test_processes import ProcessPadu  # noqa: E402
from tests.services import POSTGRES_URL, REDIS_URL, drop_postgres_database, postgres_database  # noqa: E402
from tests.tcp_proxy import TcpProxy  # noqa: E402


class Load:
    """Browsers launching without pause; every answer counted under the current phase."""

    def __init__(self, connected: Connected, clients: int) -> None:
        self.connected = connected
        self.phase = "warm-up"
        self.answers: dict[str, Counter] = {}
        self.completed: dict[str, int] = Counter()
        self.last_completed_at = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        users = ["3", "4", "5"]
        self._threads = [threading.Thread(target=self._run, args=(users[n % 3],), daemon=True) for n in range(clients)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(60)

    def _count(self, step: str, status: int) -> None:
        with self._lock:
            self.answers.setdefault(self.phase, Counter())[f"{step} {status}"] += 1

    def _run(self, user: str) -> None:
        padu, lms = self.connected.padu, self.connected.lms
        while not self._stop.is_set():
            browser = requests.Session()
            try:
                fields = lms.login_initiation_form(self.connected.client_id, user, padu.url + "/lti/launch",
                                                   resource_link_id="1")
                answer = browser.post(padu.url + "/lti/login", data=fields, allow_redirects=False, timeout=30)
                self._count("login", answer.status_code)
                if answer.status_code != 302:
                    time.sleep(0.05)
                    continue
                form = first_form(browser.get(answer.headers["Location"], timeout=30).text, "ltiAuthForm")
                answer = browser.post(form["action"], data=form["fields"], allow_redirects=False, timeout=30)
                self._count("launch", answer.status_code)
                if answer.status_code == 303:  # its page not made with it (an outage met it): asked for apart
                    answer = browser.get(padu.url + answer.headers["Location"], timeout=30)
                elif answer.status_code != 200:  # 200: the launch answered with its page (first_page.py)
                    continue
                self._count("page", answer.status_code)
                if answer.status_code == 200:
                    with self._lock:
                        self.completed[self.phase] += 1
                        self.last_completed_at = time.monotonic()
            except requests.RequestException as error:
                self._count(f"connection error {type(error).__name__}", 0)

    def first_completion_after(self, moment: float, limit: float = 60.0) -> float | None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.last_completed_at > moment:
                return self.last_completed_at - moment
            time.sleep(0.02)
        return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--outage", type=float, default=10.0)
    parser.add_argument("--steady", type=float, default=5.0)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the test platform's access log

    database = postgres_database()
    pg = make_url(POSTGRES_URL)
    rd = make_url(REDIS_URL)
    pg_proxy = TcpProxy(pg.host or "127.0.0.1", pg.port or 5432)
    redis_proxy = TcpProxy(rd.host or "127.0.0.1", rd.port or 6379)
    database_via_proxy = make_url(database).set(host="127.0.0.1", port=pg_proxy.port).render_as_string(False)
    lms = TestPlatform().start()
    padu = None
    results: dict = {"clients": args.clients, "outage_seconds": args.outage}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            padu = ProcessPadu(Path(tmp), workers=2, database_url=database_via_proxy,
                               PADU_REDIS_URL=f"redis://{redis_proxy.address}/{rd.database or 0}")
            connected = Connected(lms, padu, populate(lms, padu))
            for user in ("3", "4", "5"):
                connected.launch(user)
            load = Load(connected, args.clients)
            load.start()
            time.sleep(args.steady)
            recovery = {}
            for name, proxy in (("database", pg_proxy), ("redis", redis_proxy)):
                load.phase = "normal"
                time.sleep(args.steady)
                load.phase = f"{name} down"
                proxy.cut()
                time.sleep(args.outage)
                proxy.restore()
                restored = time.monotonic()
                load.phase = f"after {name}"
                recovery[name] = load.first_completion_after(restored)
                time.sleep(args.steady)
            load.stop()
            padu.stop()
            padu = None
        for phase, answers in load.answers.items():
            statuses = Counter()
            for key, count in answers.items():
                statuses[key.rsplit(" ", 1)[1]] += count
            print(f"{phase:>16}: {load.completed.get(phase, 0):5d} launches completed; answers "
                  + ", ".join(f"HTTP {status}: {count}" for status, count in sorted(statuses.items())))
            results[phase] = {"completed": load.completed.get(phase, 0), "answers": dict(answers)}
        for name, seconds in recovery.items():
            shown = "none within 60 s" if seconds is None else f"{seconds:.2f} s"
            print(f"first completed launch after {name} came back: {shown}")
        results["recovery_seconds"] = recovery
        results["http_500"] = sum(count for answers in load.answers.values()
                                  for key, count in answers.items() if key.endswith(" 500"))
        print(f"HTTP 500 answers in the whole run: {results['http_500']}")
    finally:
        if padu is not None:
            padu.stop()
        lms.stop()
        pg_proxy.stop()
        redis_proxy.stop()
        drop_postgres_database(database)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
