"""The shared upload checks: hostile names refused, types checked by content, sizes limited,
random names, nothing left behind; refusals re-raised as an activity's own classes.

Each activity's tests check only what is its own (its types, its name length,
its exception classes, its store); the checks themselves are tested here.
"""

import io
import os
import zipfile

import pytest

from activities import uploads
from activities.uploads import (
    EmptyFile,
    FileContentMismatch,
    FileTooLarge,
    FileTypeNotAllowed,
    UnsafeFilename,
    UploadRefused,
    clean_filename,
    extension_of,
)

from .samples import JPEG, PDF, PNG, docx_bytes

ALL = tuple(uploads.FILE_TYPES)


def save(base, name, data, *, max_bytes=1024 * 1024, allowed=ALL, known=uploads.FILE_TYPES, max_filename=200):
    return uploads.store(base, name, data, max_bytes=max_bytes, allowed_extensions=allowed,
                         known_types=known, max_filename=max_filename)


def odt_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    return buffer.getvalue()


# -- names -------------------------------------------------------------------


@pytest.mark.parametrize("name, cleaned", [
    ("laporan.pdf", "laporan.pdf"),
    ("  Foto   KTP .JPG ", "Foto KTP .JPG"),
    ("..rahasia.pdf", "rahasia.pdf"),
    ('tugas<script>"1".pdf', "tugasscript1.pdf"),
    ("Cafe\u0301.pdf", "Caf\u00e9.pdf"),
    ("  lap<script>oran\t\u0007 akhir?.pdf ", "lapscriptoran akhir.pdf"),
    ('"quoted"|name*.pdf', "quotedname.pdf"),
    ("cv\u202efdp.exe", "cvfdp.exe"),           # a right-to-left override would show "cvexe.pdf"
    ("lap\u200boran\u2066.pdf", "laporan.pdf"),  # zero-width space, bidi isolate
])
def test_names_are_cleaned_for_showing(name, cleaned):
    assert clean_filename(name, max_length=200) == cleaned


@pytest.mark.parametrize("name, max_length, cleaned", [
    ("a" * 300 + ".pdf", 200, "a" * 196 + ".pdf"),
    ("a" * 300 + ".pdf", 120, "a" * 116 + ".pdf"),
    ("a" * 300, 120, "a" * 120),
    ("x" * 100_000 + ".pdf", 200, "x" * 196 + ".pdf"),
    ("a" * 150 + ".an-extension-too-long-to-keep", 120, ("a" * 150 + ".an-extension-too-long-to-keep")[:120]),
])
def test_long_names_are_cut_keeping_a_short_extension(name, max_length, cleaned):
    assert clean_filename(name, max_length=max_length) == cleaned


@pytest.mark.parametrize("name", [
    "../../etc/passwd.pdf", "..\\..\\boot.pdf", "/etc/passwd.pdf", "/etc/shadow", "C:\\Users\\budi\\laporan.pdf",
    "C:laporan.pdf", "c:\\x.pdf", "..\\..\\x.pdf", "\\\\server\\share\\x.pdf", "sub/laporan.pdf",
    "laporan\x00.pdf", "laporan.pdf\x00.png", "\x00", "nul", "Aux.txt", "COM1.pdf",
    "CON.pdf", "lpt1.pdf", "lpt1", "..", ".", "...", "   ", "", None,
])
def test_names_with_paths_drives_nul_or_devices_are_refused_and_nothing_is_stored(tmp_path, name):
    with pytest.raises(UnsafeFilename):
        clean_filename(name, max_length=200)
    with pytest.raises(UnsafeFilename):
        save(tmp_path, name, PDF)
    assert not tmp_path.exists() or list(tmp_path.iterdir()) == []


def test_a_nul_is_shown_escaped_in_the_refusal():
    with pytest.raises(UnsafeFilename) as caught:
        clean_filename("laporan\x00.pdf", max_length=200)
    assert caught.value.filename == "laporan\\0.pdf" and caught.value.reason == "contains NUL"


def test_the_last_extension_counts():
    assert extension_of("cv.pdf.exe") == "exe"
    assert extension_of("LAPORAN.PDF") == "pdf"
    assert extension_of("foto.JPG") == "jpg"
    assert extension_of(".pdf") == ""
    assert extension_of("laporan") == ""
    assert extension_of("pdf") == ""


# -- types -------------------------------------------------------------------


def test_nothing_a_browser_would_run_can_be_accepted():
    assert not {"html", "htm", "svg", "js", "xhtml", "xml", "exe"} & set(uploads.FILE_TYPES)


def test_an_activity_chooses_its_types_in_its_own_order():
    assert list(uploads.file_types("txt", "pdf")) == ["txt", "pdf"]
    with pytest.raises(KeyError):
        uploads.file_types("pdf", "html")


# -- storing -----------------------------------------------------------------


@pytest.mark.parametrize("name, data, content_type", [
    ("Laporan Aktualisasi.pdf", PDF, "application/pdf"),
    ("foto.PNG", PNG, "image/png"),
    ("foto.JPEG", JPEG, "image/jpeg"),
    ("tugas.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("tugas.odt", odt_bytes(), "application/vnd.oasis.opendocument.text"),
    ("catatan.txt", "Refleksi: nilai BerAKHLAK ✓\n".encode(), "text/plain"),
])
def test_a_file_is_kept_under_a_random_name_with_the_type_its_content_shows(tmp_path, name, data, content_type):
    stored = save(tmp_path, name, io.BytesIO(data))
    path = uploads.stored_path(tmp_path, stored.stored_name)
    assert path.read_bytes() == data and path.parent == tmp_path
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    assert stored.original_name == name and stored.stored_name != name and len(stored.stored_name) == 32
    assert stored.content_type == content_type
    assert stored.size == len(data) and len(stored.sha256) == 64


def test_bytes_are_taken_as_well_as_streams(tmp_path):
    for data in (PDF, bytearray(PDF), memoryview(PDF)):
        assert save(tmp_path, "a.pdf", data).size == len(PDF)


@pytest.mark.parametrize("name", ["cv.pdf.exe", "program.exe", "halaman.html", "gambar.svg", "skrip.js",
                                  "laporan", "tanpa-ekstensi"])
def test_types_padu_cannot_check_are_refused(tmp_path, name):
    with pytest.raises(FileTypeNotAllowed):
        save(tmp_path, name, PDF)


def test_a_type_must_be_both_allowed_and_known(tmp_path):
    with pytest.raises(FileTypeNotAllowed) as caught:
        save(tmp_path, "foto.png", PNG, allowed=("PDF", "jpg"))
    assert caught.value.allowed == ("pdf", "jpg") and caught.value.extension == "png"
    with pytest.raises(FileTypeNotAllowed):
        save(tmp_path, "foto.png", PNG, allowed=("png",), known=uploads.file_types("pdf"))


@pytest.mark.parametrize("name, data", [
    ("laporan.pdf", b"<html><script>alert(1)</script></html>"),
    ("foto.png", PDF),
    ("foto.png", JPEG),
    ("foto.jpg", PNG),
    ("tugas.docx", PDF),
    ("tugas.docx", b"PK\x03\x04 not really a zip"),
    ("catatan.txt", b"\x00\x01binary"),
    ("catatan.txt", "café".encode("latin-1")),
    ("tugas.odt", docx_bytes()),
])
def test_content_must_match_the_extension_and_nothing_stays_on_disk(tmp_path, name, data):
    with pytest.raises(FileContentMismatch):
        save(tmp_path, name, data)
    assert list(tmp_path.iterdir()) == []


def test_a_spreadsheet_renamed_docx_is_refused(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(FileContentMismatch):
        save(tmp_path, "tugas.docx", buffer.getvalue())


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
        save(tmp_path, "besar.pdf", io.BufferedReader(Endless()), max_bytes=100 * 1024)
    assert caught.value.limit == 100 * 1024
    assert Endless.read_bytes < 300 * 1024
    assert list(tmp_path.iterdir()) == []


def test_a_file_exactly_at_the_limit_is_accepted(tmp_path):
    assert save(tmp_path, "pas.pdf", PDF, max_bytes=len(PDF)).size == len(PDF)
    with pytest.raises(FileTooLarge):
        save(tmp_path, "lebih.pdf", PDF, max_bytes=len(PDF) - 1)


def test_empty_files_are_refused(tmp_path):
    with pytest.raises(EmptyFile):
        save(tmp_path, "kosong.pdf", b"")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["../x", "../secret", "/etc/passwd", "abc", "0" * 31, "0" * 32 + "\n",
                                  "A" * 32, ".upload-x", None])
def test_only_names_the_store_made_lead_to_a_file(tmp_path, name):
    assert not uploads.is_stored_name(name)
    with pytest.raises(UnsafeFilename):
        uploads.stored_path(tmp_path, name)
    with pytest.raises(UnsafeFilename):
        uploads.discard(tmp_path, name)


def test_discard_removes_the_bytes(tmp_path):
    stored = save(tmp_path, "a.pdf", PDF)
    uploads.discard(tmp_path, stored.stored_name)
    assert not uploads.stored_path(tmp_path, stored.stored_name).exists()
    uploads.discard(tmp_path, stored.stored_name)  # already gone: nothing to do


def test_a_sweep_knows_the_files_a_store_writes():
    assert uploads.is_upload_file("0123456789abcdef" * 2)
    assert uploads.is_upload_file(".upload-" + "0" * 32)
    assert not uploads.is_upload_file("README")
    assert not uploads.is_upload_file("0123456789ABCDEF" * 2)


# -- an activity's own classes -----------------------------------------------


class ActivityError(Exception):
    pass


class ActivityUnsafeFilename(ActivityError, UnsafeFilename):
    pass


class ActivityTypeNotAllowed(ActivityError, FileTypeNotAllowed):
    def __init__(self, filename, extension):
        """A narrower constructor than the shared class's, as an activity may keep."""
        super().__init__(filename, extension)


OWN = (ActivityUnsafeFilename, ActivityTypeNotAllowed)


def test_a_refusal_is_raised_as_the_activity_s_class_with_the_same_fields_and_text():
    with pytest.raises(ActivityTypeNotAllowed) as caught:
        with uploads.refused_as(OWN):
            raise FileTypeNotAllowed("x.exe", "exe", ("pdf",))
    error = caught.value
    assert isinstance(error, ActivityError) and isinstance(error, FileTypeNotAllowed)
    assert (error.filename, error.extension, error.allowed) == ("x.exe", "exe", ("pdf",))
    assert str(error) == "'x.exe': files of type 'exe' are not allowed"


def test_a_refusal_the_activity_has_no_class_for_goes_on_unchanged():
    with pytest.raises(EmptyFile) as caught:
        with uploads.refused_as(OWN):
            raise EmptyFile("kosong.pdf")
    assert type(caught.value) is EmptyFile
    with pytest.raises(KeyError):
        with uploads.refused_as(OWN):
            raise KeyError("not a refusal")


@pytest.mark.parametrize("error, text", [
    (UnsafeFilename("../x", "contains a path"), "'../x': contains a path"),
    (FileTypeNotAllowed("x", ""), "'x': files of type '(none)' are not allowed"),
    (FileContentMismatch("a.pdf", "pdf"), "'a.pdf' does not contain a pdf file"),
    (FileTooLarge("a.pdf", 1024), "'a.pdf' is larger than 1024 bytes"),
    (EmptyFile("a.pdf"), "'a.pdf' is empty"),
])
def test_refusals_say_what_was_refused(error, text):
    assert isinstance(error, UploadRefused)
    assert str(error) == text
