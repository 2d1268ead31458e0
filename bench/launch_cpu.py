"""CPU per launch inside one process: Padu's own cost, without HTTP servers or load generators.

    python bench/launch_cpu.py [--launches 300] [--rounds 5] [--postgres] [--against DIR]

A launch here is what ``bench/launch.py`` does over HTTP, through Flask's test
client: the login initiation (302), an id_token signed by the test platform
(``tests/lms``) with Padu's nonce, the launch POST (303), and the first page (200).
Signing the id_token is the platform's work, not Padu's, and is left out of the
figure; everything Padu does (state, nonce, JWT check, course/person/membership/
activity, launch session, first page) is in it.

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
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

REPO = Path(__file__).resolve().parents[1]
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
LEARNERS = 40


def measure(launches: int, database_url: str) -> dict:
    """Run in the tree on ``sys.path`` first: ms of CPU per launch (Padu's share only)."""
    from activities.db import Base
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

        def launch(user: str) -> float:
            """One launch, from a fresh browser (no cookie: as ``bench/launch.py``'s generator);
            returns the CPU seconds spent signing (the platform's share)."""
            client = app.test_client()
            form = lms.login_initiation_form(client_id, user, base + "/lti/launch", resource_link_id="1")
            answer = client.post("/lti/login", data=form)
            assert answer.status_code == 302, answer.status_code
            auth = parse_qs(urlsplit(answer.headers["Location"]).query)
            signing = time.process_time()
            intent = lms.intents.pop(json.loads(auth["lti_message_hint"][0])["launchid"])
            id_token = lms.sign(lms.make_id_token_payload(intent, auth["nonce"][0]))
            signing = time.process_time() - signing
            answer = client.post("/lti/launch", data={"id_token": id_token, "state": auth["state"][0]})
            assert answer.status_code == 303, (answer.status_code, answer.text[:300])
            page = urlsplit(answer.headers["Location"])
            answer = client.get(page.path + "?" + page.query)
            assert answer.status_code == 200, answer.status_code
            return signing

        for user in users:  # the rows exist and the platform's keys are cached: the steady state
            launch(user)
        signing = 0.0
        started = time.process_time()
        for n in range(launches):
            signing += launch(users[n % len(users)])
        spent = time.process_time() - started - signing
        runtime.engine.dispose()
    lms.stop()
    return {"cpu_ms_per_launch": round(1000 * spent / launches, 3)}


def _child(tree: Path, launches: int, database_url: str) -> float:
    env = dict(os.environ, PYTHONPATH=str(tree))
    output = subprocess.run(
        [sys.executable, str(REPO / "bench" / "launch_cpu.py"), "--child", "--launches", str(launches),
         "--database", database_url],
        cwd=tree, env=env, check=True, capture_output=True, text=True).stdout
    return float(json.loads(output.strip().splitlines()[-1])["cpu_ms_per_launch"])


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
    figures: dict[str, list[float]] = {name: [] for name in trees}
    for round_number in range(args.rounds):
        for name, tree in trees.items():
            database = ""
            if args.postgres:
                sys.path.insert(0, str(REPO))
                from tests.services import drop_postgres_database, postgres_database

                database = postgres_database()
            try:
                figures[name].append(_child(tree, args.launches, database))
            finally:
                if database:
                    drop_postgres_database(database)
            print(f"round {round_number + 1}: {name:8} {figures[name][-1]:6.2f} ms CPU per launch", flush=True)
    result: dict = {"database": "postgresql" if args.postgres else "sqlite", "launches": args.launches,
                    "rounds": args.rounds}
    for name, values in figures.items():
        result[f"{name}_cpu_ms_median"] = round(statistics.median(values), 2)
        result[f"{name}_cpu_ms_min"] = round(min(values), 2)
    if args.against:
        result["this_vs_against"] = round(result["this_cpu_ms_median"] / result["against_cpu_ms_median"], 3)
        print(f"median: this {result['this_cpu_ms_median']} ms, against {result['against_cpu_ms_median']} ms")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
