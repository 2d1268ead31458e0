"""Operators see and retry grades from a shell: `padu grades status`, `padu grades retry`."""

from click.testing import CliRunner

from activities.grades import ActivityProgress, GradingProgress, OutboxStatus, record_grade
from config import load_settings
from lti_tool.cli import main
from lti_tool.migrations import upgrade


def test_status_lists_failures_with_their_reason_and_retry_requeues_them(tmp_path, monkeypatch):
    monkeypatch.setenv("PADU_DATA_DIR", str(tmp_path))
    settings = load_settings()
    upgrade(settings)
    from activities.core import Activity, Role, upsert_course, upsert_membership, upsert_person
    from activities.db import make_engine, make_session_factory
    from lti_tool.lti1p3.registry import add_platform

    engine = make_engine(settings.sqlalchemy_url)
    with make_session_factory(engine)() as db:
        platform = add_platform(db, issuer="https://lms.example.go.id", client_id="c", deployment_ids=["1"],
                                auth_login_url="https://lms.example.go.id/a", auth_token_url="https://lms.example.go.id/t",
                                key_set_url="https://lms.example.go.id/k")
        course = upsert_course(db, platform.id, "2")
        budi = upsert_person(db, platform.id, "4", name="Budi")
        upsert_membership(db, course, budi, Role.LEARNER)
        activity = Activity(course_id=course.id, kind="readiness", title="Cek Kesiapan")
        db.add(activity)
        db.flush()
        row = record_grade(db, activity, budi, score_given=50, activity_progress=ActivityProgress.COMPLETED,
                           grading_progress=GradingProgress.FULLY_GRADED)
        row.status = OutboxStatus.FAILED.value
        row.last_error = "POST …/scores: HTTP 400 Incorrect score received"
        db.commit()
    engine.dispose()
    runner = CliRunner()
    status = runner.invoke(main, ["grades", "status"])
    assert status.exit_code == 0
    assert "Cek Kesiapan" in status.output and "failed=1" in status.output
    assert "HTTP 400 Incorrect score received" in status.output
    retry = runner.invoke(main, ["grades", "retry"])
    assert "1 grade(s) queued again" in retry.output
    assert "pending=1" in runner.invoke(main, ["grades", "status"]).output


def test_keys_rotate_prints_the_new_kid(tmp_path, monkeypatch):
    monkeypatch.setenv("PADU_DATA_DIR", str(tmp_path))
    upgrade(load_settings())
    result = CliRunner().invoke(main, ["keys", "rotate"])
    assert result.exit_code == 0 and "new signing key kid=" in result.output


def test_uploads_sweep_removes_only_files_nothing_refers_to(tmp_path, monkeypatch):
    import os
    import time

    monkeypatch.setenv("PADU_DATA_DIR", str(tmp_path))
    upgrade(load_settings())
    orphan_dir = tmp_path / "uploads" / "readiness"
    orphan_dir.mkdir(parents=True)
    orphan = orphan_dir / ("a" * 32)
    orphan.write_bytes(b"%PDF-1.4\n")
    old = time.time() - 3 * 86400
    os.utime(orphan, (old, old))
    result = CliRunner().invoke(main, ["uploads", "sweep"])
    assert result.exit_code == 0, result.output
    assert "1 readiness file(s)" in result.output
    assert not orphan.exists()
    kept = orphan_dir / "notes.txt"  # not a name Padu makes: never swept
    kept.write_text("operator's file")
    os.utime(kept, (old, old))
    CliRunner().invoke(main, ["uploads", "sweep"])
    assert kept.exists()
