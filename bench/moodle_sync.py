"""Moodle course sync benchmark: `python bench/moodle_sync.py [learners]` prints figures, then one
JSON object; nothing here asserts.

A course of N learners (default 300) whose first phase needs a Moodle activity completed, synced
against a Moodle site on 127.0.0.1 answering in the recorded Moodle 4.5.6 shapes
(tests/lti_tool/moodle/moodle_site.py). The sync makes one completion call per learner (Moodle has
no bulk completion function), so the figure is dominated by round trips; a real Moodle adds its
own time per call. Reported: the first sync (every fact new, every learner recomputed, half of them
completing the phase, gate grades queued), a second with nothing changed, and calls made.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from activities.core import Activity, Role, upsert_course, upsert_membership, upsert_person  # noqa: E402
from activities.db import Base, make_engine, make_session_factory  # noqa: E402
from activities.gating import service  # noqa: E402
from activities.moodle import store  # noqa: E402
from config import load_settings  # noqa: E402
from lti_tool.migrations import load_models  # noqa: E402
from lti_tool.moodle import connection, sync  # noqa: E402
from lti_tool.runtime import guarded_session  # noqa: E402
from tests.lti_tool.moodle.moodle_site import MoodleSite  # noqa: E402
from tests.padu_server import LOOPBACK_ALLOWED  # noqa: E402
from tests.rows import new_platform  # noqa: E402


def main(learners: int = 300) -> dict:
    site = MoodleSite()
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(environ={}, data_dir=Path(folder), **LOOPBACK_ALLOWED)
        load_models()
        engine = make_engine(settings.sqlalchemy_url)
        Base.metadata.create_all(engine)
        http = guarded_session(settings)
        with make_session_factory(engine)() as db:
            platform = new_platform()
            platform.issuer = site.url
            db.add(platform)
            db.flush()
            connection.store(db, settings.secret_key, platform,
                             site.token, connection.check(platform, site.token, http, settings.http_timeout))
            course = upsert_course(db, platform.id, "2", "LATSAR", "Latsar")
            staff = upsert_person(db, platform.id, "3", name="Siti")
            upsert_membership(db, course, staff, Role.STAFF)
            for userid in range(100, 100 + learners):
                upsert_membership(db, course, upsert_person(db, platform.id, str(userid)), Role.LEARNER)
                if userid % 2:
                    site.completion[userid][6] = 1
            db.commit()
            sync.run_once(db, settings.secret_key, http, settings.http_timeout, course)  # the activity list
            program = service.create_program(db, course, staff, Role.STAFF)
            first = program.phases[0]
            for requirement in list(first.requirements):
                service.remove_requirement(db, program, staff, Role.STAFF, requirement.id, confirm=True)
            service.add_requirement(db, program, staff, Role.STAFF, first.id, "moodle_completion", {"cmid": 6},
                                    confirm=True)
            db.add(Activity(course_id=course.id, kind="gating", title="Gerbang", settings={"phase_id": first.id}))
            db.commit()
            site.calls.clear()
            started = time.perf_counter()
            report = sync.run_once(db, settings.secret_key, http, settings.http_timeout, course)
            first_s = time.perf_counter() - started
            calls = len(site.calls)
            started = time.perf_counter()
            again = sync.run_once(db, settings.secret_key, http, settings.http_timeout, course)
            second_s = time.perf_counter() - started
            assert store.synced_at(db, course.id) is not None
        http.close()
        engine.dispose()
    site.close()
    print(f"learners: {learners}; calls per sync: {calls}")
    print(f"first sync (all facts new, {report.changed} learners changed): {first_s:.2f} s")
    print(f"second sync (nothing changed, {again.changed} changed): {second_s:.2f} s")
    return {"learners": learners, "calls": calls, "first_sync_s": round(first_s, 3),
            "second_sync_s": round(second_s, 3), "changed_first": report.changed}


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)))
