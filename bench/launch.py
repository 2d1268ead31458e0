"""Launch benchmark: whole LTI launches per second, Padu beside the floor, in one run.

    python bench/launch.py [--seconds 4] [--rounds 3] [--concurrency 8 32] [--servers floor padu_serve ...]
                           [--against DIR]

A launch is what a learner's browser does: Moodle's login initiation posted to
the tool (302 to auth.php with the tool's state and nonce), an id_token signed
by the Moodle-shaped test platform (``tests/lms``) with *the tool's* nonce,
posted to the tool, and the first page (200): the floor answers the POST with a 303
and the browser asks for the page; Padu answers it with the page itself
(``lti_tool/first_page.py``, one round trip fewer; a 303 from an older checkout
under ``--against`` is still followed). The load generator is
another process (``--generator``) with one thread per concurrent launch; it owns
the test platform, whose ``certs.php`` the tools fetch their key from. It signs
each id_token itself (what auth.php does) rather than through auth.php over
HTTP, so the platform's web server is not part of what is measured.

Servers, all started once and loaded in turn, interleaved round by round:

- ``floor``: ``bench/floor.py`` (bare Flask, one ``jwt.decode``, HMAC cookie state) under
  ``gunicorn -w 2 -k sync``;
- ``padu_serve``: ``padu serve`` as an agency runs it (SQLite, embedded worker, its default
  processes and threads); ``padu_serve:PxT`` runs it with ``--processes P --threads T`` instead, so
  that several process/thread models can be compared in one run (``--servers floor padu_serve:2x4
  padu_serve:4x1``);
- ``gunicorn_sqlite``: ``lti_tool.wsgi:app`` under the same gunicorn as the floor, SQLite;
- ``gunicorn_postgres``: the same on a fresh PostgreSQL database (skipped when none answers).

``--against DIR`` also runs each gunicorn server from another checkout of Padu (``git archive
main | tar -x -C DIR``), as ``gunicorn_sqlite@against`` and ``gunicorn_postgres@against``, in the
same rounds: on a shared machine a change is measured against what it changes only in one run.

Figures per server and concurrency: launches/s, p50, p99, failed launches, the
generator's CPU share (its CPU seconds over wall seconds × cores: near 1 would
mean the generator, not the server, was the limit), ``ratio_to_floor`` (and
``ratio_by_round``: each round's, against the floor's in the same round), and the
CPU each launch cost: the server's processes (``server_cpu_ms``; for
``gunicorn_postgres`` with its PostgreSQL backends, ``postgres_cpu_ms``, when the
server runs on this host) and the generator's (``generator_cpu_ms``). On a
shared machine the CPU per launch moves less than launches/s do, and it says
where a ratio comes from: all of them share the same cores.
Readable lines, then one JSON object. Nothing here asserts: the machine is
shared and noisy, so only ratios within one run mean anything.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.proc_cpu import cpu_seconds, tree_cpu  # noqa: E402
from tests.padu_server import LOOPBACK_ALLOWED_ENV, ServeProcess, free_port, wait_for_health  # noqa: E402

LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
#: Distinct learners the launches cycle through (the first round makes their rows; later ones find them).
LEARNERS = 40
PADU_SERVERS = ("padu_serve", "gunicorn_sqlite", "gunicorn_postgres")
SERVER_NAMES = ("floor", *PADU_SERVERS)
#: The suffix of a server run from ``--against``'s tree.
AGAINST = "@against"
TARGETS = {"padu_gunicorn_ratio": 0.6, "padu_serve_ratio": 0.4, "padu_serve_p99_vs_floor_at_8": 3.0}


# -- the load generator (its own process) ---------------------------------------------------------------


class Generator:
    """The test platform plus the threads that launch against one server at a time."""

    def __init__(self, tools: dict[str, str]):
        from tests.lms import TestPlatform

        self.lms = TestPlatform().start()
        self.lms.add_course(course_id="2")
        self.users = []
        for n in range(LEARNERS):
            user_id = str(100 + n)
            self.lms.add_user(user_id=user_id, given_name="Peserta", family_name=str(n), email=f"p{n}@example.go.id",
                              username=f"p{n}", roles=[LEARNER], course_id="2")
            self.users.append(user_id)
        self.lms.add_resource_link(course_id="2", resource_link_id="1", title="Cek kesiapan digital", lineitem=True)
        self.tools = tools  # client_id -> base URL
        for client_id, base in tools.items():
            self.lms.add_tool(login_url=base + "/lti/login", redirect_uris=[base + "/lti/launch"],
                              jwks_url=base + "/.well-known/jwks.json", client_id=client_id)

    def launch(self, client_id: str, user_id: str) -> None:
        """One whole launch; raises on anything but the expected answers."""
        base = self.tools[client_id]
        netloc = urlsplit(base).netloc
        form = self.lms.login_initiation_form(client_id, user_id, base + "/lti/launch", resource_link_id="1")
        status, headers, _ = _request(netloc, "POST", "/lti/login", form, {})
        if status != 302:
            raise RuntimeError(f"login answered {status}")
        cookies = _cookies(headers, {})
        auth = parse_qs(urlsplit(headers["location"]).query)
        intent = self.lms.intents.pop(json.loads(auth["lti_message_hint"][0])["launchid"])
        id_token = self.lms.sign(self.lms.make_id_token_payload(intent, auth["nonce"][0]))
        redirect_uri = urlsplit(auth["redirect_uri"][0])
        status, headers, body = _request(redirect_uri.netloc, "POST", redirect_uri.path,
                                         {"id_token": id_token, "state": auth["state"][0]}, cookies)
        if status == 200 and body:  # Padu answers the launch with its first page (lti_tool/first_page.py)
            return
        if status != 303:
            raise RuntimeError(f"launch answered {status}")
        cookies = _cookies(headers, cookies)
        page = urlsplit(headers["location"])
        target = page.path + ("?" + page.query if page.query else "")
        status, _, body = _request(page.netloc or netloc, "GET", target, None, cookies)
        if status != 200 or not body:
            raise RuntimeError(f"first page answered {status}")

    def run(self, client_id: str, concurrency: int, seconds: float) -> dict:
        latencies: list[float] = []
        failures: list[str] = []
        deadline = time.monotonic() + seconds
        lock = threading.Lock()

        def loop(index: int) -> None:
            n = index
            while time.monotonic() < deadline:
                user = self.users[n % len(self.users)]
                n += concurrency
                started = time.perf_counter()
                try:
                    self.launch(client_id, user)
                except Exception as error:  # noqa: BLE001 — every failure is counted, none stops the run
                    with lock:
                        failures.append(f"{type(error).__name__}: {error}")
                    continue
                with lock:
                    latencies.append(time.perf_counter() - started)

        cpu_before, wall_before = _cpu(), time.perf_counter()
        threads = [threading.Thread(target=loop, args=(i,)) for i in range(concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - wall_before
        return {"latencies": latencies, "failures": len(failures), "failure_samples": failures[:3],
                "wall": wall, "cpu": _cpu() - cpu_before}


def _cpu() -> float:
    times = os.times()
    return times.user + times.system


def backends_cpu(database_url: str) -> float | None:
    """CPU seconds of the PostgreSQL backends connected to ``database_url``'s database now, if the
    server runs on this host (its processes readable in ``/proc``); None otherwise."""
    import psycopg

    try:
        with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as connection:
            pids = [pid for (pid,) in connection.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")]
    except psycopg.Error:
        return None
    seconds = [cpu_seconds(pid) for pid in pids]
    if not seconds or any(value is None for value in seconds):
        return None
    return sum(value for value in seconds if value is not None)


def _request(netloc: str, method: str, target: str, form: dict | None, cookies: dict) -> tuple[int, dict, bytes]:
    host, _, port = netloc.partition(":")
    connection = http.client.HTTPConnection(host, int(port or 80), timeout=30)
    try:
        headers = {"Connection": "close"}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
        connection.request(method, target, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        answer = {}
        for name, value in response.getheaders():
            name = name.lower()
            answer[name] = answer[name] + "\n" + value if name in answer else value
        return response.status, answer, data
    finally:
        connection.close()


def _cookies(headers: dict, jar: dict) -> dict:
    jar = dict(jar)
    for line in headers.get("set-cookie", "").split("\n"):
        name, _, rest = line.partition("=")
        if name.strip():
            jar[name.strip()] = rest.split(";", 1)[0]
    return jar


def generator_main(tools_json: str) -> None:
    """Answer the orchestrator's JSON lines on stdin with JSON lines on stdout."""
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the platform's request lines
    generator = Generator(json.loads(tools_json))
    print(json.dumps({"lms": generator.lms.url}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        if command.get("stop"):
            break
        result = generator.run(command["client_id"], command["concurrency"], command["seconds"])
        print(json.dumps(result), flush=True)
    generator.lms.stop()


# -- the servers ------------------------------------------------------------------------------------------


class Gunicorn:
    """``gunicorn -w 2 -k sync`` on a free port, with the given app and environment."""

    def __init__(self, app: str, env: dict, port: int, log_path: Path, tree: Path = REPO):
        self.url = f"http://127.0.0.1:{port}"
        self.log_path = log_path
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "sync", "-b", f"127.0.0.1:{port}", app],
                env=env, cwd=tree, stdout=log, stderr=subprocess.STDOUT)
        if wait_for_health(self.url, self.process, 60) is None:
            self.stop()
            raise RuntimeError(f"{app} did not start:\n" + log_path.read_text(errors="replace")[-2000:])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _padu_env(data_dir: Path, base_url: str, database_url: str = "", tree: Path = REPO) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PADU_")}
    env.update(PADU_DATA_DIR=str(data_dir), PADU_BASE_URL=base_url, PADU_EMBEDDED_WORKER="false",
               PYTHONPATH=str(tree), PADU_LOGIN_RATE_PER_MINUTE="0", **LOOPBACK_ALLOWED_ENV)
    if database_url:
        env["PADU_DATABASE_URL"] = database_url
    return env


def _register(env: dict, lms_url: str, client_id: str) -> None:
    """Padu's side of a manual registration of the test platform (``padu platform add`` does the same)."""
    from activities.db import make_engine, make_session_factory
    from config import load_settings
    from lti_tool.lti1p3.registry import add_platform

    engine = make_engine(load_settings(environ=env).sqlalchemy_url)
    try:
        with make_session_factory(engine)() as session:
            add_platform(session, issuer=lms_url, client_id=client_id, auth_login_url=lms_url + "/mod/lti/auth.php",
                         auth_token_url=lms_url + "/mod/lti/token.php", key_set_url=lms_url + "/mod/lti/certs.php",
                         deployment_ids=["1"])
            session.commit()
    finally:
        engine.dispose()


def _postgres_database() -> str | None:
    try:
        from tests.services import postgres_database

        return postgres_database()
    except BaseException as error:  # noqa: BLE001 — pytest.skip raises a BaseException when none answers
        if isinstance(error, KeyboardInterrupt):
            raise
        print(f"PostgreSQL not reachable, gunicorn_postgres skipped: {error}")
        return None


def _upgrade(env: dict, tree: Path) -> None:
    """A gunicorn server's database, made by its own tree's migrations (``--against``'s too)."""
    subprocess.run([sys.executable, "-c", "from config import load_settings; from lti_tool.migrations import upgrade; "
                    "upgrade(load_settings())"], env=env, cwd=tree, check=True)


def _server_name(name: str) -> str:
    if name in SERVER_NAMES or (name.startswith("padu_serve:") and _serve_model(name)):
        return name
    raise argparse.ArgumentTypeError(f"unknown server {name!r}")


def _serve_model(name: str) -> tuple[int | None, int]:
    """``padu serve``'s --processes and --threads for ``padu_serve`` or ``padu_serve:PxT``."""
    from lti_tool.server import DEFAULT_THREADS

    _, _, model = name.partition(":")
    if not model:
        return None, DEFAULT_THREADS
    processes, _, threads = model.partition("x")
    try:
        return int(processes), int(threads)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{name!r}: padu_serve:PxT, e.g. padu_serve:2x4") from None


# -- the run ---------------------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} ms"


def _per_launch(seconds: list[float | None], launches: int) -> float | None:
    if not launches or not seconds or any(value is None for value in seconds):
        return None
    return round(1000 * sum(value for value in seconds if value is not None) / launches, 2)


def _ratios_by_round(runs: list[dict], floor_runs: list[dict]) -> list[float]:
    """Each round's launches/s over the floor's in the same round: how far one run's ratio can be
    trusted on a machine whose speed drifts (a target met "reliably" is met in every round)."""
    def rate(run: dict) -> float:
        return len(run["latencies"]) / run["wall"] if run["wall"] else 0.0

    return [round(rate(run) / rate(floor), 2) for run, floor in zip(runs, floor_runs, strict=True) if rate(floor)]


def _summary(runs: list[dict]) -> dict:
    latencies = sorted(x for run in runs for x in run["latencies"])
    wall = sum(run["wall"] for run in runs)
    failures = sum(run["failures"] for run in runs)
    cores = os.cpu_count() or 1

    def pct(p: float) -> float | None:
        if not latencies:
            return None
        return round(latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000, 1)

    return {
        "launches": len(latencies), "failed": failures,
        "launches_per_s": round(len(latencies) / wall, 1) if wall else 0.0,
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p99_ms": pct(0.99),
        "generator_cpu_share": round(sum(run["cpu"] for run in runs) / (wall * cores), 3) if wall else None,
        "generator_cpu_ms": _per_launch([run["cpu"] for run in runs], len(latencies)),
        "server_cpu_ms": _per_launch([run.get("server_cpu") for run in runs], len(latencies)),
        "postgres_cpu_ms": _per_launch([run.get("postgres_cpu") for run in runs], len(latencies)),
        "failure_samples": [s for run in runs for s in run["failure_samples"]][:3],
    }


def main() -> None:  # noqa: C901 — setup, run, report, teardown in order
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="seconds per server per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 32])
    parser.add_argument("--servers", nargs="+", default=list(SERVER_NAMES), type=_server_name,
                        help="floor, padu_serve, padu_serve:PxT (P processes, T threads each), gunicorn_sqlite, "
                             "gunicorn_postgres")
    parser.add_argument("--against", type=Path,
                        help="another Padu checkout (e.g. `git archive` of main, unpacked): each gunicorn server "
                             "runs from it too, as NAME@against, in the same rounds")
    parser.add_argument("--generator", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generator:
        generator_main(args.generator)
        return

    workdir = Path(tempfile.mkdtemp(prefix="padu-bench-launch-"))
    servers: dict[str, object] = {}
    urls: dict[str, str] = {}
    envs: dict[str, dict] = {}
    postgres_urls: list[str] = []
    trees = {"": REPO}
    if args.against:
        trees[AGAINST] = args.against.resolve()
    generator = None
    try:
        for name in args.servers:
            if name.startswith("padu_serve"):
                processes, threads = _serve_model(name)
                serve = ServeProcess(workdir / name.replace(":", "-"), threads=threads, processes=processes,
                                     embedded_worker="true", login_rate_per_minute="0")
                servers[name], urls[name], envs[name] = serve, serve.url, serve.env
        ports = {"floor": free_port()} if "floor" in args.servers else {}
        gunicorns: dict[str, Path] = {}  # name -> the tree it runs from
        for suffix, tree in trees.items():
            for base in ("gunicorn_sqlite", "gunicorn_postgres"):
                if base not in args.servers:
                    continue
                name = base + suffix
                ports[name] = free_port()
                urls[name] = f"http://127.0.0.1:{ports[name]}"
                database = ""
                if base == "gunicorn_postgres":
                    database = _postgres_database() or ""
                    if not database:
                        del ports[name], urls[name]
                        continue
                    postgres_urls.append(database)
                envs[name] = _padu_env(workdir / name.replace("_", "-").replace("@", "-"), urls[name], database, tree)
                gunicorns[name] = tree
        if "floor" in ports:
            urls["floor"] = f"http://127.0.0.1:{ports['floor']}"
        for name, tree in gunicorns.items():
            _upgrade(envs[name], tree)
        tools = {name: urls[name] for name in urls}  # the client_id is the server's name
        generator = subprocess.Popen([sys.executable, __file__, "--generator", json.dumps(tools)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=REPO)
        lms_url = json.loads(generator.stdout.readline())["lms"]
        for name, env in envs.items():
            _register(env, lms_url, name)
        if "floor" in ports:
            env = dict(os.environ, FLOOR_ISSUER=lms_url, FLOOR_CLIENT_ID="floor", FLOOR_BASE_URL=urls["floor"],
                       PYTHONPATH=str(REPO))
            servers["floor"] = Gunicorn("bench.floor:app", env, ports["floor"], workdir / "floor.log")
        for name, tree in gunicorns.items():
            servers[name] = Gunicorn("lti_tool.wsgi:app", envs[name], ports[name], workdir / f"{name}.log", tree)

        def run(name: str, concurrency: int, seconds: float) -> dict:
            pid = servers[name].process.pid
            database = envs.get(name, {}).get("PADU_DATABASE_URL")
            server_before = tree_cpu(pid)
            postgres_before = backends_cpu(database) if database else None
            generator.stdin.write(json.dumps({"client_id": name, "concurrency": concurrency, "seconds": seconds}) + "\n")
            generator.stdin.flush()
            result = json.loads(generator.stdout.readline())
            server_after = tree_cpu(pid)
            postgres_after = backends_cpu(database) if database else None
            if server_before is not None and server_after is not None:
                result["server_cpu"] = server_after - server_before
            if postgres_before is not None and postgres_after is not None:
                result["postgres_cpu"] = postgres_after - postgres_before
            return result

        names = [name for base in ("floor", *args.servers) for name in (base, base + AGAINST) if name in servers]
        names = list(dict.fromkeys(names))
        for name in names:  # warm-up: keys fetched, learners' rows made, code paths loaded
            run(name, 8, 1.5)
        results = []
        for concurrency in args.concurrency:
            runs: dict[str, list[dict]] = {name: [] for name in names}
            for round_ in range(args.rounds):
                order = names[round_ % len(names):] + names[:round_ % len(names)]
                for name in order:
                    runs[name].append(run(name, concurrency, args.seconds))
            floor = _summary(runs["floor"]) if "floor" in runs else None
            for name in names:
                summary = _summary(runs[name])
                summary.update(server=name, concurrency=concurrency)
                spread = ""
                if floor and floor["launches_per_s"]:
                    summary["ratio_to_floor"] = round(summary["launches_per_s"] / floor["launches_per_s"], 2)
                    if name != "floor":
                        summary["ratio_by_round"] = _ratios_by_round(runs[name], runs["floor"])
                        spread = f" (rounds {min(summary['ratio_by_round'])}–{max(summary['ratio_by_round'])})"
                    if summary["p99_ms"] and floor["p99_ms"]:
                        summary["p99_vs_floor"] = round(summary["p99_ms"] / floor["p99_ms"], 2)
                results.append(summary)
                print(f"c={concurrency:<3} {name:<18} {summary['launches_per_s']:>7.1f} launches/s  "
                      f"p50 {summary['p50_ms']} ms  p99 {summary['p99_ms']} ms  failed {summary['failed']}  "
                      f"ratio_to_floor {summary.get('ratio_to_floor', '-')}{spread}  "
                      f"generator CPU {summary['generator_cpu_share']:.0%}  CPU/launch: server "
                      f"{_ms(summary['server_cpu_ms'])}"
                      + (f" + PostgreSQL {_ms(summary['postgres_cpu_ms'])}" if summary["postgres_cpu_ms"] else "")
                      + f", generator {_ms(summary['generator_cpu_ms'])}", flush=True)
                for sample in summary["failure_samples"]:
                    print(f"      failure: {sample}")
        ratio_to_floor = {name: {str(r["concurrency"]): r.get("ratio_to_floor") for r in results if r["server"] == name}
                          for name in names if name != "floor"}
        p99_at_8 = {r["server"]: r.get("p99_vs_floor") for r in results if r["concurrency"] == 8}
        for result in results:
            del result["failure_samples"]
        print(json.dumps({
            "benchmark": "launch", "cores": os.cpu_count(), "seconds_per_round": args.seconds, "rounds": args.rounds,
            "results": results, "ratio_to_floor": ratio_to_floor, "p99_vs_floor_at_8": p99_at_8,
            "failed_launches": sum(r["failed"] for r in results), "targets": TARGETS,
        }))
    finally:
        if generator is not None:
            with contextlib.suppress(OSError, ValueError):
                generator.stdin.write(json.dumps({"stop": True}) + "\n")
                generator.stdin.close()
            try:
                generator.wait(10)
            except subprocess.TimeoutExpired:
                generator.kill()
        for server in servers.values():
            server.stop()
        if postgres_urls:
            from tests.services import drop_postgres_database

            for database in postgres_urls:
                drop_postgres_database(database)
        shutil.rmtree(workdir, ignore_errors=True)  # the servers' data and logs (a failed start printed its log)


if __name__ == "__main__":
    main()
