"""The upload task's files: hostile names refused, sizes and types checked by content, nothing left behind."""

import datetime as dt
import io
import os

import pytest

from activities.readiness.exceptions import (
    EmptyFile,
    FileContentMismatch,
    FileTooLarge,
    FileTypeNotAllowed,
    UnsafeFilename,
)
from activities.readiness.service import record_upload, start_or_resume_attempt, sweep_orphan_uploads
from activities.readiness.storage import clean_filename, discard_upload, extension_of, store_upload, stored_path

from .conftest import JPEG, PDF, PNG, docx_bytes

ALLOWED = ("pdf", "jpg", "jpeg", "png", "docx", "txt")


def store(base, name, data, max_bytes=1024 * 1024, allowed=ALLOWED):
    return store_upload(base, name, data, max_bytes=max_bytes, allowed_extensions=allowed)


@pytest.mark.parametrize("name, cleaned", [
    ("laporan.pdf", "laporan.pdf"),
    ("  Foto   KTP .JPG ", "Foto KTP .JPG"),
    ("..rahasia.pdf", "rahasia.pdf"),
    ('tugas<script>"1".pdf', "tugasscript1.pdf"),
    ("Cafe\u0301.pdf", "Caf\u00e9.pdf"),
    ("a" * 300 + ".pdf", "a" * 116 + ".pdf"),
])
def test_file_names_are_cleaned_for_showing(name, cleaned):
    assert clean_filename(name) == cleaned


@pytest.mark.parametrize("name", [
    "../../etc/passwd", "..\\..\\boot.ini", "/etc/shadow", "C:laporan.pdf", "dir/laporan.pdf",
    "laporan.pdf\x00.png", "CON.pdf", "lpt1", "...", "", None,
])
def test_names_with_paths_drives_nul_or_devices_are_refused(name):
    with pytest.raises(UnsafeFilename):
        clean_filename(name)


def test_the_extension_is_the_last_one():
    assert extension_of("foto.JPG") == "jpg"
    assert extension_of("laporan.pdf.exe") == "exe"
    assert extension_of("pdf") == ""


@pytest.mark.parametrize("name, data, content_type", [
    ("laporan.pdf", PDF, "application/pdf"),
    ("foto.png", PNG, "image/png"),
    ("foto.JPEG", JPEG, "image/jpeg"),
    ("surat.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("catatan.txt", "Catatan kegiatan hari pertama.".encode(), "text/plain"),
])
def test_a_file_is_kept_under_a_random_name_with_the_type_its_content_shows(tmp_path, name, data, content_type):
    stored = store(tmp_path, name, io.BytesIO(data))
    assert stored.content_type == content_type and stored.size == len(data)
    assert stored.original_name == name and stored.stored_name != name
    assert len(stored.stored_name) == 32
    assert stored_path(tmp_path, stored.stored_name).read_bytes() == data
    assert oct(os.stat(stored_path(tmp_path, stored.stored_name)).st_mode & 0o777) == "0o600"


@pytest.mark.parametrize("name, data, error", [
    ("program.exe", b"MZ\x90\x00", FileTypeNotAllowed),
    ("halaman.html", b"<html><script>alert(1)</script>", FileTypeNotAllowed),
    ("gambar.svg", b"<svg onload=alert(1)>", FileTypeNotAllowed),
    ("tanpa-ekstensi", PDF, FileTypeNotAllowed),
    ("laporan.pdf.exe", PDF, FileTypeNotAllowed),
    ("halaman.pdf", b"<html><script>alert(1)</script>", FileContentMismatch),
    ("foto.png", JPEG, FileContentMismatch),
    ("surat.docx", b"PK\x03\x04 not really a zip", FileContentMismatch),
    ("catatan.txt", b"\x00\x01binary", FileContentMismatch),
    ("kosong.pdf", b"", EmptyFile),
])
def test_wrong_types_and_contents_are_refused_and_nothing_stays_on_disk(tmp_path, name, data, error):
    with pytest.raises(error):
        store(tmp_path, name, data)
    assert list(tmp_path.iterdir()) == []


def test_a_type_padu_can_check_but_the_activity_does_not_allow_is_refused(tmp_path):
    with pytest.raises(FileTypeNotAllowed) as caught:
        store(tmp_path, "surat.docx", docx_bytes(), allowed=("pdf", "png"))
    assert caught.value.allowed == ("pdf", "png")


def test_an_oversized_file_is_refused_without_being_read_whole(tmp_path):
    class Endless(io.RawIOBase):
        """A stream that never ends: reading it whole would never finish."""

        read_bytes = 0

        def readable(self):
            return True

        def readinto(self, buffer):
            buffer[:] = b"\x00" * len(buffer)
            Endless.read_bytes += len(buffer)
            return len(buffer)

    with pytest.raises(FileTooLarge) as caught:
        store(tmp_path, "besar.pdf", io.BufferedReader(Endless()), max_bytes=100 * 1024)
    assert caught.value.limit == 100 * 1024
    assert Endless.read_bytes < 300 * 1024
    assert list(tmp_path.iterdir()) == []


def test_a_file_exactly_at_the_limit_is_accepted(tmp_path):
    data = PDF + b" " * (2048 - len(PDF))
    assert store(tmp_path, "pas.pdf", data, max_bytes=2048).size == 2048
    with pytest.raises(FileTooLarge):
        store(tmp_path, "lebih.pdf", data + b" ", max_bytes=2048)


@pytest.mark.parametrize("name", ["../x", "0" * 31, "0" * 32 + "\n", ("a" * 32).upper(), ".upload-x", None])
def test_only_names_the_store_made_lead_to_a_file(tmp_path, name):
    with pytest.raises(UnsafeFilename):
        stored_path(tmp_path, name)


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
    later = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=2)
    assert sweep_orphan_uploads(db, upload_dir, now=later) == 2
    assert sorted(p.name for p in upload_dir.iterdir()) == sorted(["README", kept])
    assert not stored_path(upload_dir, first).exists()
    discard_upload(upload_dir, kept)
    assert not stored_path(upload_dir, kept).exists()
