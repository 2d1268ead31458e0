"""The task's upload quota per learner, and which versions' files the sweep removes (security review, finding 7)."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from activities.coaching.exceptions import FileTooLarge, SettingsInvalid, UploadQuotaReached
from activities.coaching.service import (
    kept_file_bytes,
    review,
    submit,
    sweep_orphan_files,
    sweep_superseded_files,
)
from activities.coaching.settings import DEFAULT_QUOTA_BYTES, validate_settings
from activities.core import Role

from .conftest import PDF, pdf

KB = 1024
MB = 1024 * KB


def sized(kilobytes: int):
    return pdf(data=PDF + b"\0" * (kilobytes * KB - len(PDF)))


@pytest.fixture
def small_quota(task, db):
    """Files up to 100 KB each, 250 KB together per learner."""
    task.settings = {**task.settings, "file_limits": {"max_bytes": 100 * KB, "quota_bytes": 250 * KB,
                                                      "allowed_extensions": ["pdf"], "max_files": 5}}
    db.flush()
    return task


def test_the_quota_defaults_to_50_mb_and_never_below_the_largest_file():
    assert validate_settings({}).file_limits.quota_bytes == DEFAULT_QUOTA_BYTES == 50 * MB
    # A task saved before the quota existed, with larger files allowed, keeps working.
    old = validate_settings({"file_limits": {"max_bytes": 80 * MB}})
    assert old.file_limits.quota_bytes == 80 * MB
    with pytest.raises(SettingsInvalid) as caught:
        validate_settings({"file_limits": {"max_bytes": 10 * MB, "quota_bytes": 5 * MB}})
    assert caught.value.field == "file_limits.quota_bytes"
    settings = validate_settings({"file_limits": {"quota_bytes": 20 * MB}})
    assert validate_settings(settings.to_dict()) == settings


def test_a_hand_in_past_the_quota_is_refused_and_nothing_is_stored(db, small_quota, coached, store):
    submission = submit(db, small_quota, coached.budi, files=[sized(100), sized(100)], store=store)
    db.commit()
    assert kept_file_bytes(db, submission) == 200 * KB
    on_disk = sorted(store.base_dir.iterdir())
    with pytest.raises(UploadQuotaReached) as caught:
        # The first file fits (50 KB are left), the second passes the quota: neither is kept.
        submit(db, small_quota, coached.budi, reflection="Versi dua", files=[sized(40), sized(40)], store=store)
    db.rollback()
    assert (caught.value.quota, caught.value.used) == (250 * KB, 200 * KB)
    assert sorted(store.base_dir.iterdir()) == on_disk
    assert [v.number for v in submission.versions] == [1]


def test_a_file_over_the_task_limit_is_still_too_large_not_over_quota(db, small_quota, coached, store):
    with pytest.raises(FileTooLarge):
        submit(db, small_quota, coached.budi, files=[sized(150)], store=store)


def test_evidence_without_files_is_taken_when_the_quota_is_full(db, small_quota, coached, store):
    submission = submit(db, small_quota, coached.budi, files=[sized(100), sized(100)], store=store)
    submit(db, small_quota, coached.budi, files=[sized(50)], store=store)
    db.commit()
    with pytest.raises(UploadQuotaReached):
        submit(db, small_quota, coached.budi, files=[sized(1)], store=store)
    db.rollback()
    submit(db, small_quota, coached.budi, reflection="Tanpa file kali ini", store=store)
    assert submission.current_version == 3


def _files_of(submission) -> dict[int, list]:
    return {v.number: v.files for v in submission.versions}


def test_the_sweep_keeps_the_current_the_newest_superseded_and_every_reviewed_version(db, task, coached, store):
    # Five replacements before anyone looked (the case of finding 7) ...
    submission = None
    for number in range(1, 6):
        submission = submit(db, task, coached.budi, files=[pdf(f"v{number}.pdf")], store=store)
    db.commit()
    assert sweep_superseded_files(db, store, keep=2) == 2
    removed = {n for n, files in _files_of(submission).items() if files[0].removed_at is not None}
    assert removed == {1, 2}
    assert [f.removed_after for n in (1, 2) for f in _files_of(submission)[n]] == [4, 3]
    for number, files in _files_of(submission).items():
        assert store.path_of(files[0].stored_name).exists() is (number not in removed)

    # ... then review rounds: reviewed versions keep their files however old they get.
    for number in range(5, 8):
        review(db, task, submission, coached.coach, Role.FACILITATOR, version_number=number, decision="revise",
               feedback="Perbaiki")
        submit(db, task, coached.budi, files=[pdf(f"v{number + 1}.pdf")], store=store)
    db.commit()
    assert submission.current_version == 8
    assert sweep_superseded_files(db, store, keep=0) == 2  # versions 3 and 4: never reviewed
    kept = {n for n, files in _files_of(submission).items() if files[0].removed_at is None}
    assert kept == {5, 6, 7, 8}
    assert sweep_superseded_files(db, store, keep=0) == 0


def test_a_removed_files_bytes_left_behind_are_swept_as_orphans(db, task, coached, store):
    submission = submit(db, task, coached.budi, files=[pdf("v1.pdf")], store=store)
    submit(db, task, coached.budi, files=[pdf("v2.pdf")], store=store)
    db.commit()
    old = submission.versions[0].files[0]
    # The record was marked, but deleting the bytes failed (a crash, a read-only disk).
    old.removed_at, old.removed_after = dt.datetime.now(dt.UTC), 1
    db.commit()
    path = store.path_of(old.stored_name)
    two_days_ago = (dt.datetime.now() - dt.timedelta(days=2)).timestamp()
    for each in store.base_dir.iterdir():
        os.utime(each, (two_days_ago, two_days_ago))
    assert sweep_orphan_files(db, store) == 1
    assert not path.exists() and store.path_of(submission.latest.files[0].stored_name).exists()
    assert kept_file_bytes(db, submission) == len(PDF)

