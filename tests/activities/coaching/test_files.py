"""Evidence files: the task's types and name length, a store outside the web root, refusals as coaching errors.
(The checks an evidence store runs are activities.uploads', tested in tests/activities/test_uploads.py.)"""

import io
import os

import pytest

from activities import uploads
from activities.coaching.exceptions import (
    CoachingError,
    EmptyFile,
    FileContentMismatch,
    FileTooLarge,
    FileTypeNotAllowed,
    StorageUnsafe,
    UnsafeFilename,
)
from activities.coaching.files import KNOWN_TYPES, EvidenceStore, Upload, clean_filename

from ..samples import PDF, PNG

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


def test_names_are_cleaned_for_showing():
    assert clean_filename("  lap<script>oran\t\u0007 akhir?.pdf ") == "lapscriptoran akhir.pdf"
    assert clean_filename('"quoted"|name*.pdf') == "quotedname.pdf"
    long = clean_filename("a" * 300 + ".pdf")
    assert len(long) == 200 and long.endswith(".pdf")


def test_discard_removes_the_bytes(store):
    stored = save(store, "a.pdf", PDF)
    store.discard(stored.stored_name)
    assert not os.path.exists(store.path_of(stored.stored_name))


def test_the_types_evidence_may_have():
    assert list(KNOWN_TYPES) == ["pdf", "jpg", "jpeg", "png", "gif", "webp", "docx", "xlsx", "pptx", "odt", "ods",
                                 "odp", "doc", "xls", "ppt", "txt", "csv", "mp4", "m4a", "mp3"]


@pytest.mark.parametrize("refused, error", [
    (lambda store: save(store, "../../etc/passwd.pdf", PDF), UnsafeFilename),
    (lambda store: save(store, "foto.png", PNG, allowed=("pdf",)), FileTypeNotAllowed),
    (lambda store: save(store, "laporan.pdf", PNG), FileContentMismatch),
    (lambda store: save(store, "lebih.pdf", PDF, max_bytes=len(PDF) - 1), FileTooLarge),
    (lambda store: save(store, "kosong.pdf", b""), EmptyFile),
    (lambda store: store.path_of("../secret"), UnsafeFilename),
    (lambda store: store.discard("../secret"), UnsafeFilename),
], ids=["name", "type", "content", "size", "empty", "path_of", "discard"])
def test_every_refusal_is_a_coaching_error_and_nothing_stays_on_disk(store, refused, error):
    """The web layer catches CoachingError and words each class; the shared checks' classes would slip past it."""
    with pytest.raises(error) as caught:
        refused(store)
    assert isinstance(caught.value, CoachingError) and isinstance(caught.value, uploads.UploadRefused)
    assert stored_files(store) == []
