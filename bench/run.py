"""Padu benchmarks: `python bench/run.py` prints figures; nothing here asserts.

- launch: full LTI launches (login → auth → id_token → landing page) per second,
  Padu and the test platform on loopback, SQLite.
- outbox: grades recorded and delivered per second, and the cost of recording
  a grade while older ones wait (supersede), measured as a ratio in one run.
- page weight: bytes of the pages a learner loads (HTML + CSS + JS), as served and as
  transferred with gzip, and how many assets the next page asks for again.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select  # noqa: E402

from activities.core import Activity, Person  # noqa: E402
from activities.grades import ActivityProgress, GradingProgress, record_grade  # noqa: E402
from lti_tool import worker  # noqa: E402
from tests.lms import TestPlatform  # noqa: E402
from tests.lti_tool.conftest import Connected, populate  # noqa: E402
from tests.padu_server import PaduServer  # noqa: E402


def bench_launch(connected: Connected, count: int = 40) -> None:
    timings = []
    for _ in range(count):
        start = time.perf_counter()
        _browser, page = connected.launch("4")
        assert page.status_code == 200
        timings.append(time.perf_counter() - start)
    print(f"launch: {count} launches, median {statistics.median(timings) * 1000:.1f} ms, "
          f"p95 {sorted(timings)[int(count * 0.95) - 1] * 1000:.1f} ms, {count / sum(timings):.1f} launches/s")


def bench_outbox(connected: Connected, learners: int = 100) -> None:
    subs = []
    for n in range(learners):
        sub = str(1000 + n)
        connected.lms.add_user(user_id=sub, given_name="P", family_name=str(n), email=f"p{n}@x.go.id", username=f"p{n}",
                               roles=["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"], course_id="2")
        subs.append(sub)
        connected.launch(sub)
    with connected.padu.session() as db:
        activity = db.scalars(select(Activity).where(Activity.resource_link_id == "1")).one()
        people = {p.sub: p for p in db.scalars(select(Person))}
        start = time.perf_counter()
        for sub in subs:
            record_grade(db, activity, people[sub], score_given=50, activity_progress=ActivityProgress.COMPLETED,
                         grading_progress=GradingProgress.FULLY_GRADED)
        db.commit()
        fresh = time.perf_counter() - start
        start = time.perf_counter()
        for sub in subs:  # each supersedes a pending row
            record_grade(db, activity, people[sub], score_given=60, activity_progress=ActivityProgress.COMPLETED,
                         grading_progress=GradingProgress.FULLY_GRADED)
        db.commit()
        superseding = time.perf_counter() - start
    start = time.perf_counter()
    while worker.run_once(connected.padu.runtime):
        pass
    delivery = time.perf_counter() - start
    print(f"outbox: record {learners / fresh:.0f} grades/s; superseding costs {superseding / fresh:.2f}x a fresh record; "
          f"deliver {learners / delivery:.0f} grades/s over loopback ({len(connected.lms.token_requests)} token request)")


def _fetch(session, url: str) -> tuple[int, int, str]:
    """(bytes of the body, bytes on the wire with Accept-Encoding: gzip, Cache-Control) of one GET."""
    import gzip

    response = session.get(url, headers={"Accept-Encoding": "gzip"}, stream=True)
    wire = response.raw.read(decode_content=False)
    body = gzip.decompress(wire) if response.headers.get("Content-Encoding") == "gzip" else wire
    return len(body), len(wire), response.headers.get("Cache-Control", "")


def _weigh(browser, page, name: str) -> None:
    import re
    from urllib.parse import urljoin

    html, html_wire, _ = _fetch(browser.session, page.url)
    assets = [urljoin(page.url, a) for a in re.findall(r'(?:href|src)="([^"]*/static/[^"]+)"', page.text)]
    fetched = [_fetch(browser.session, a) for a in assets]
    body = html + sum(f[0] for f in fetched)
    wire = html_wire + sum(f[1] for f in fetched)
    # On the next page the browser asks again for every asset not cached as fresh (no-cache: a 304 round trip).
    revalidated = sum(1 for f in fetched if "immutable" not in f[2] and "max-age=0" not in f[2]
                      and not re.search(r"max-age=[1-9]", f[2]))
    print(f"page weight: {name}: {html} B HTML ({html_wire} B sent gzip), {body} B with {len(assets)} assets, "
          f"{wire} B transferred; next page re-asks for {revalidated} assets (limit 102400 B)")


def bench_page_weight(connected: Connected) -> None:
    """Bytes of the readiness device page (the heaviest learner page) and a skills page with their assets:
    as served, and as transferred to a browser that accepts gzip."""
    from tests.lti_tool.readiness.helpers import BUDI, link, set_up_readiness, start_attempt

    set_up_readiness(connected)
    browser, intro = connected.launch(BUDI)
    device = start_attempt(browser, intro)
    _weigh(browser, device, "readiness device page")
    skills = browser.session.get(link(device, "/readiness/skills/"))
    _weigh(browser, skills, "readiness skills page")


def main() -> None:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        lms = TestPlatform().start()
        # Every simulated learner launches from 127.0.0.1: no per-address login limit here.
        padu = PaduServer(Path(tmp), login_rate_per_minute=0).start()
        try:
            connected = Connected(lms, padu, populate(lms, padu))
            bench_launch(connected)
            bench_page_weight(connected)
            bench_outbox(connected)
        finally:
            padu.stop()
            lms.stop()


if __name__ == "__main__":
    main()
