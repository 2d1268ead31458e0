"""Uploads: only allowed types whose content matches, within the size limit, under random names,
outside the web root; names with paths or devices refused; nothing left behind on failure."""

import io
import os
import zipfile

import pytest

from activities.coaching.exceptions import (
    EmptyFile,
    FileContentMismatch,
    FileTooLarge,
    FileTypeNotAllowed,
    StorageUnsafe,
    UnsafeFilename,
)
from activities.coaching.files import EvidenceStore, Upload, clean_filename, extension_of

from .conftest import PDF, PNG, docx_bytes

ALL = ("pdf", "png", "jpg", "docx", "txt", "odt")


def stored_files(store):
    return list(store.base_dir.iterdir()) if store.base_dir.exists() else []


def save(store, name, data, *, max_bytes=1024 * 1024, allowed=ALL):
    return store.save(Upload(name, io.BytesIO(data) if isinstance(data, bytes) else data),
                      max_bytes=max_bytes, allowed_extensions=allowed)


def test_a_file_is_kept_under_a_random_name_inside_the_store(store):
    stored = save(store, "Laporan Aktualisasi.pdf", PDF)
    path = store.path_of(stored.stored_name)
    assert path.read_bytes() == PDF
    assert path.parent == store.base_dir
    assert stored.stored_name != "Laporan Aktualisasi.pdf" and len(stored.stored_name) == 32
    assert stored.original_name == "Laporan Aktualisasi.pdf"
    assert stored.size == len(PDF) and len(stored.sha256) == 64
    assert stored.content_type == "application/pdf"
    assert oct(path.stat().st_mode & 0o777) == oct(0o600)


def test_the_content_type_comes_from_the_checked_type_not_the_browser(store):
    assert save(store, "foto.PNG", PNG).content_type == "image/png"
    assert save(store, "tugas.docx", docx_bytes()).content_type.endswith("wordprocessingml.document")


def test_a_store_inside_a_served_folder_is_refused(tmp_path, web_root):
    with pytest.raises(StorageUnsafe):
        EvidenceStore(web_root / "uploads", forbidden_roots=[web_root])
    with pytest.raises(StorageUnsafe):
        EvidenceStore(web_root, forbidden_roots=[web_root])
    with pytest.raises(StorageUnsafe):
        EvidenceStore(web_root / ".." / "static" / "x", forbidden_roots=[web_root])


def test_stored_files_are_outside_the_web_root(store, web_root):
    path = store.path_of(save(store, "a.pdf", PDF).stored_name)
    assert web_root.resolve() not in path.resolve().parents
    assert not any(web_root.rglob("*"))


@pytest.mark.parametrize("name", [
    "../../etc/passwd.pdf", "..\\..\\boot.pdf", "/etc/passwd.pdf", "C:\\Users\\budi\\laporan.pdf",
    "C:laporan.pdf", "laporan\x00.pdf", "sub/laporan.pdf", "..", ".", "CON.pdf", "lpt1.pdf", "   ",
])
def test_path_tricks_in_names_are_refused(store, name):
    with pytest.raises(UnsafeFilename):
        save(store, name, PDF)
    assert stored_files(store) == []


def test_names_are_cleaned_for_showing():
    assert clean_filename("  lap<script>oran\t\u0007 akhir?.pdf ") == "lapscriptoran akhir.pdf"
    assert clean_filename('"quoted"|name*.pdf') == "quotedname.pdf"
    long = clean_filename("a" * 300 + ".pdf")
    assert len(long) == 200 and long.endswith(".pdf")


def test_the_last_extension_counts():
    assert extension_of("cv.pdf.exe") == "exe"
    assert extension_of("LAPORAN.PDF") == "pdf"
    assert extension_of(".pdf") == ""
    assert extension_of("laporan") == ""


@pytest.mark.parametrize("name", ["cv.pdf.exe", "halaman.html", "gambar.svg", "laporan", "skrip.js"])
def test_types_not_allowed_are_refused(store, name):
    with pytest.raises(FileTypeNotAllowed):
        save(store, name, PDF)


def test_an_extension_must_also_be_allowed_by_the_task(store):
    with pytest.raises(FileTypeNotAllowed):
        save(store, "foto.png", PNG, allowed=("pdf",))


@pytest.mark.parametrize("name, data", [
    ("laporan.pdf", b"<html><script>alert(1)</script></html>"),
    ("foto.png", PDF),
    ("foto.jpg", PNG),
    ("tugas.docx", PDF),
    ("tugas.docx", b"PK\x03\x04 not really a zip"),
    ("catatan.txt", b"\x00\x01binary"),
    ("catatan.txt", "café".encode("latin-1")),
    ("tugas.odt", docx_bytes()),
])
def test_content_must_match_the_extension(store, name, data):
    with pytest.raises(FileContentMismatch):
        save(store, name, data)
    assert stored_files(store) == []


def test_a_spreadsheet_renamed_docx_is_refused(store):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(FileContentMismatch):
        save(store, "tugas.docx", buffer.getvalue())


def test_opendocument_is_recognized_by_its_mimetype_member(store):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
    assert save(store, "tugas.odt", buffer.getvalue()).content_type == "application/vnd.oasis.opendocument.text"


def test_utf8_text_is_accepted(store):
    assert save(store, "catatan.txt", "Refleksi: nilai BerAKHLAK ✓\n".encode()).content_type == "text/plain"


def test_files_over_the_limit_are_refused_without_reading_them_all(store):
    class Endless(io.RawIOBase):
        read_so_far = 0

        def readable(self):
            return True

        def read(self, size=-1):
            self.read_so_far += size
            return b"%PDF-" + b"0" * (size - 5)

    stream = Endless()
    with pytest.raises(FileTooLarge):
        save(store, "besar.pdf", stream, max_bytes=100_000)
    assert stream.read_so_far < 200_000
    assert stored_files(store) == []


def test_a_file_exactly_at_the_limit_is_accepted(store):
    assert save(store, "pas.pdf", PDF, max_bytes=len(PDF)).size == len(PDF)
    with pytest.raises(FileTooLarge):
        save(store, "lebih.pdf", PDF, max_bytes=len(PDF) - 1)


def test_empty_files_are_refused(store):
    with pytest.raises(EmptyFile):
        save(store, "kosong.pdf", b"")


def test_only_names_the_store_made_can_be_opened(store):
    for name in ("../secret", "/etc/passwd", "abc", "A" * 32):
        with pytest.raises(UnsafeFilename):
            store.path_of(name)


def test_discard_removes_the_bytes(store):
    stored = save(store, "a.pdf", PDF)
    store.discard(stored.stored_name)
    assert not os.path.exists(store.path_of(stored.stored_name))
