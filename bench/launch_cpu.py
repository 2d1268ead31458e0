"""CPU per launch inside one process: Padu's own cost, without HTTP servers or load generators.

    python bench/launch_cpu.py [--launches 300] [--rounds 5] [--postgres] [--against DIR]

A launch here is what ``bench/launch.py`` does over HTTP, through Flask's test
client: the login initiation (302), an id_token signed by the test platform
(``tests/lms``) with Padu's nonce, and the launch POST, which answers with the first
page (a checkout from before ``lti_tool/first_page.py``: a 303, then the page's GET).
The figure is the CPU of those three requests, as Flask's test client makes them:
everything Padu does (state, nonce, JWT check, course/person/membership/activity,
launch session, first page) is in it; the platform's work (signing the id_token)
and the browser's (reading the redirects) are not.

Each round also says where the CPU went: Padu's per request (the login, the launch
POST, and the first page's GET where the launch answered 303) and, with ``--postgres``,
the PostgreSQL backend's per request (read from ``/proc`` between requests, so only
when the server runs on this host).

``--against DIR`` measures another checkout of Padu (e.g. ``git archive main`` unpacked)
too, interleaved round by round with this one, in child processes: only figures from
the same run compare, the machine being shared. Readable lines, then one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

REPO = Path(__file__).resolve().parents[1]
PHASES = ("login", "launch", "page")
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
LEARNERS = 40


def _backend_pids(database_url: str) -> list[int]:
    """The PostgreSQL backends serving ``database_url``'s database (Padu's pooled connections)."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as connection:
        return [pid for (pid,) in connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]


def measure(launches: int, database_url: str) -> dict:
    """Run in the tree on ``sys.path`` first: ms of CPU per launch (Padu's share only), in all
    and per request, and the PostgreSQL backends' per request (None on SQLite or another host)."""
    sys.path.append(str(REPO))  # this file's own helpers, whichever tree is measured
    from activities.db import Base
    from bench.proc_cpu import cpu_seconds
    from config import load_settings
    from lti_tool.app import create_app
    from lti_tool.lti1p3.registry import add_platform
    from lti_tool.migrations import load_models
    from tests.lms import TestPlatform
    from tests.padu_server import LOOPBACK_ALLOWED

    lms = TestPlatform().start()
    lms.add_course(course_id="2", label="LATSAR", title="Latsar CPNS")
    users = []
    for n in range(LEARNERS):
        lms.add_user(user_id=str(100 + n), given_name="Peserta", family_name=str(n), email=f"p{n}@example.go.id",
                     username=f"p{n}", roles=[LEARNER], course_id="2")
        users.append(str(100 + n))
    lms.add_resource_link(course_id="2", resource_link_id="1", title="Cek kesiapan digital", lineitem=True)
    base = "http://padu.test"
    client_id = lms.add_tool(login_url=base + "/lti/login", redirect_uris=[base + "/lti/launch"],
                             jwks_url=base + "/.well-known/jwks.json")
    with tempfile.TemporaryDirectory() as data_dir:
        overrides = dict(LOOPBACK_ALLOWED, login_rate_per_minute=0, embedded_worker=False)
        if database_url:
            overrides["database_url"] = database_url
        settings = load_settings(environ={}, data_dir=Path(data_dir), base_url=base, **overrides)
        app = create_app(settings)
        load_models()
        runtime = app.extensions["padu"]
        Base.metadata.create_all(runtime.engine)
        with runtime.session_factory() as db:
            add_platform(db, issuer=lms.issuer, client_id=client_id, auth_login_url=lms.url + "/mod/lti/auth.php",
                         auth_token_url=lms.url + "/mod/lti/token.php", key_set_url=lms.url + "/mod/lti/certs.php",
                         deployment_ids=["1"])
            db.commit()
        try:  # what the serving entry points do once the app is built (absent from older checkouts)
            from lti_tool.gc_startup import freeze_startup_objects
        except ImportError:
            pass
        else:
            freeze_startup_objects()

        padu = dict.fromkeys(PHASES, 0.0)  # CPU seconds per request, Padu's
        postgres = dict.fromkeys(PHASES, 0.0)  # and its PostgreSQL backends'
        backends: list[int] = []

        def timed(phase: str, request: Callable[[], Any]) -> Any:
            """``request()``'s answer, its CPU added to ``phase``'s; the backends' read outside it."""
            before = sum(cpu_seconds(pid) or 0.0 for pid in backends)
            started = time.process_time()
            answer = request()
            padu[phase] += time.process_time() - started
            if backends:
                postgres[phase] += sum(cpu_seconds(pid) or 0.0 for pid in backends) - before
            return answer

        def launch(user: str) -> None:
            """One launch, from a fresh browser (no cookie: as ``bench/launch.py``'s generator)."""
            client = app.test_client()
            form = lms.login_initiation_form(client_id, user, base + "/lti/launch", resource_link_id="1")
            answer = timed("login", lambda: client.post("/lti/login", data=form))
            assert answer.status_code == 302, answer.status_code
            auth = parse_qs(urlsplit(answer.headers["Location"]).query)
            intent = lms.intents.pop(json.loads(auth["lti_message_hint"][0])["launchid"])
            form = {"id_token": lms.sign(lms.make_id_token_payload(intent, auth["nonce"][0])),
                    "state": auth["state"][0]}
            answer = timed("launch", lambda: client.post("/lti/launch", data=form))
            if answer.status_code == 200:  # the first page, answered by the launch (lti_tool/first_page.py)
                return
            assert answer.status_code == 303, (answer.status_code, answer.text[:300])
            page = urlsplit(answer.headers["Location"])
            answer = timed("page", lambda: client.get(page.path + "?" + page.query))
            assert answer.status_code == 200, answer.status_code

        for user in users:  # the rows exist and the platform's keys are cached: the steady state
            launch(user)
        if database_url:  # read only where its processes are this host's
            pids = _backend_pids(database_url)
            backends = pids if pids and all(cpu_seconds(pid) is not None for pid in pids) else []
        for figures in (padu, postgres):  # the steady state only
            figures.update(dict.fromkeys(PHASES, 0.0))
        for n in range(launches):
            launch(users[n % len(users)])
        runtime.engine.dispose()
    lms.stop()
    return {"cpu_ms_per_launch": round(1000 * sum(padu.values()) / launches, 3),
            "padu_ms": {phase: round(1000 * padu[phase] / launches, 3) for phase in PHASES},
            "postgres_ms": {phase: round(1000 * postgres[phase] / launches, 3) for phase in PHASES}
            if backends else None}


def _child(tree: Path, launches: int, database_url: str) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    output = subprocess.run(
        [sys.executable, str(REPO / "bench" / "launch_cpu.py"), "--child", "--launches", str(launches),
         "--database", database_url],
        cwd=tree, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def _per_request(figures: dict[str, float] | None) -> str:
    return ", ".join(f"{phase} {figures[phase]:.2f}" for phase in PHASES) if figures else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--launches", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres", action="store_true",
                        help="a fresh database per run on PADU_TEST_POSTGRES_URL's server instead of SQLite")
    parser.add_argument("--database", default="", help=argparse.SUPPRESS)  # the child's database
    parser.add_argument("--against", type=Path, help="another Padu checkout, measured interleaved with this one")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, os.getcwd())
        print(json.dumps(measure(args.launches, args.database)))
        return
    trees = {"this": REPO}
    if args.against:
        trees["against"] = args.against.resolve()
    runs: dict[str, list[dict]] = {name: [] for name in trees}
    for round_number in range(args.rounds):
        for name, tree in trees.items():
            database = ""
            if args.postgres:
                sys.path.insert(0, str(REPO))
                from tests.services import drop_postgres_database, postgres_database

                database = postgres_database()
            try:
                run = _child(tree, args.launches, database)
            finally:
                if database:
                    drop_postgres_database(database)
            runs[name].append(run)
            print(f"round {round_number + 1}: {name:8} {run['cpu_ms_per_launch']:6.2f} ms CPU per launch "
                  f"({_per_request(run['padu_ms'])})"
                  + (f"; PostgreSQL {_per_request(run['postgres_ms'])}" if run["postgres_ms"] else ""), flush=True)
    result: dict = {"database": "postgresql" if args.postgres else "sqlite", "launches": args.launches,
                    "rounds": args.rounds}
    for name, values in runs.items():
        result[f"{name}_cpu_ms_median"] = round(statistics.median(run["cpu_ms_per_launch"] for run in values), 2)
        result[f"{name}_cpu_ms_min"] = round(min(run["cpu_ms_per_launch"] for run in values), 2)
        for kind in ("padu_ms", "postgres_ms"):
            if all(run[kind] for run in values):
                result[f"{name}_{kind}_median"] = {
                    phase: round(statistics.median(run[kind][phase] for run in values), 3) for phase in PHASES}
    if args.against:
        result["this_vs_against"] = round(result["this_cpu_ms_median"] / result["against_cpu_ms_median"], 3)
        print(f"median: this {result['this_cpu_ms_median']} ms, against {result['against_cpu_ms_median']} ms")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
