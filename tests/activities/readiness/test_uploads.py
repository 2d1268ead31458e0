"""The upload task's files: its types and name length, its limits, refusals as readiness errors, the sweep.
(Hostile names, sniffing and size checks belong to activities.uploads and its own tests.)"""

import datetime as dt
import io
import os

import pytest

from activities import uploads
from activities.readiness.exceptions import (
    EmptyFile,
    FileContentMismatch,
    FileTooLarge,
    FileTypeNotAllowed,
    ReadinessError,
    UnsafeFilename,
)
from activities.readiness.service import record_upload, start_or_resume_attempt, sweep_orphan_uploads
from activities.readiness.storage import KNOWN_TYPES, clean_filename, discard_upload, store_upload, stored_path

from ..samples import JPEG, PDF, PNG, docx_bytes

ALLOWED = ("pdf", "jpg", "jpeg", "png", "docx", "txt")


def store(base, name, data, max_bytes=1024 * 1024, allowed=ALLOWED):
    return store_upload(base, name, data, max_bytes=max_bytes, allowed_extensions=allowed)


def test_shown_names_are_cut_to_120_characters():
    assert clean_filename("a" * 300 + ".pdf") == "a" * 116 + ".pdf"


def test_the_types_the_task_accepts():
    assert list(KNOWN_TYPES) == ["pdf", "jpg", "jpeg", "png", "docx", "xlsx", "pptx", "txt"]


@pytest.mark.parametrize("name, data, content_type", [
    ("laporan.pdf", PDF, "application/pdf"),
    ("foto.png", PNG, "image/png"),
    ("foto.JPEG", JPEG, "image/jpeg"),
    ("surat.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("catatan.txt", b"Catatan kegiatan hari pertama.", "text/plain"),
])
def test_a_file_is_kept_under_a_random_name_with_the_type_its_content_shows(tmp_path, name, data, content_type):
    stored = store(tmp_path, name, io.BytesIO(data))
    assert stored.content_type == content_type and stored.size == len(data)
    assert stored.original_name == name and stored.stored_name != name
    assert len(stored.stored_name) == 32
    assert stored_path(tmp_path, stored.stored_name).read_bytes() == data
    assert oct(os.stat(stored_path(tmp_path, stored.stored_name)).st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("refused, error", [
    (lambda base: store(base, "../../etc/passwd", PDF), UnsafeFilename),
    (lambda base: store(base, "gambar.svg", b"<svg onload=alert(1)>"), FileTypeNotAllowed),
    (lambda base: store(base, "halaman.pdf", b"<html><script>alert(1)</script>"), FileContentMismatch),
    (lambda base: store(base, "lebih.pdf", PDF, max_bytes=len(PDF) - 1), FileTooLarge),
    (lambda base: store(base, "kosong.pdf", b""), EmptyFile),
    (lambda base: stored_path(base, "../x"), UnsafeFilename),
    (lambda base: discard_upload(base, "../x"), UnsafeFilename),
], ids=["name", "type", "content", "size", "empty", "stored_path", "discard"])
def test_every_refusal_is_a_readiness_error_and_nothing_stays_on_disk(tmp_path, refused, error):
    """The web layer catches ReadinessError and words each class; the shared checks' classes would slip past it."""
    with pytest.raises(error) as caught:
        refused(tmp_path)
    assert isinstance(caught.value, ReadinessError) and isinstance(caught.value, uploads.UploadRefused)
    assert list(tmp_path.iterdir()) == []


def test_a_type_padu_can_check_but_the_activity_does_not_allow_is_refused(tmp_path):
    with pytest.raises(FileTypeNotAllowed) as caught:
        store(tmp_path, "surat.docx", docx_bytes(), allowed=("pdf", "png"))
    assert caught.value.allowed == ("pdf", "png")


def test_the_activity_s_limits_apply_to_the_upload_task(db, make_check, budi, upload_dir):
    check = make_check(upload_max_bytes=1024, upload_extensions=["png"])
    start_or_resume_attempt(db, check, budi)
    with pytest.raises(FileTypeNotAllowed):
        record_upload(db, check, budi, upload_dir, "laporan.pdf", PDF)
    with pytest.raises(FileTooLarge):
        record_upload(db, check, budi, upload_dir, "foto.png", PNG + b"\x00" * 2048)
    with pytest.raises(UnsafeFilename):
        record_upload(db, check, budi, upload_dir, "../../foto.png", PNG)
    attempt = record_upload(db, check, budi, upload_dir, "foto.png", PNG)
    assert attempt.uploaded


def test_files_no_attempt_names_are_swept_once_they_are_old(db, check, budi, upload_dir):
    start_or_resume_attempt(db, check, budi)
    first = record_upload(db, check, budi, upload_dir, "satu.pdf", PDF).upload_stored_name
    kept = record_upload(db, check, budi, upload_dir, "dua.pdf", PDF).upload_stored_name
    (upload_dir / ".upload-abandoned").write_bytes(b"x")
    (upload_dir / "README").write_text("not ours")

    assert sweep_orphan_uploads(db, upload_dir) == 0  # too recent: a request may still be committing
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    assert sweep_orphan_uploads(db, upload_dir, now=later) == 2
    assert sorted(p.name for p in upload_dir.iterdir()) == sorted(["README", kept])
    assert not stored_path(upload_dir, first).exists()
    discard_upload(upload_dir, kept)
    assert not stored_path(upload_dir, kept).exists()
