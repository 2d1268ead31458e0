"""Uploads the task refuses come back as a 4xx on the learner's page, and nothing is kept."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from activities.coaching.models import EvidenceFile, Submission

from .conftest import PDF, docx_bytes


def _nothing_stored(task) -> None:
    with task.connected.padu.session() as db:
        assert db.scalars(select(Submission)).all() == []
    assert task.stored_files() == []


@pytest.mark.parametrize(("filename", "content", "status"), [
    pytest.param("laporan.pdf", PDF + b"\0" * (1024 * 1024), 413, id="over-the-task-limit"),
    pytest.param("laporan.docx", docx_bytes(), 415, id="a-type-this-task-does-not-take"),
    pytest.param("program.exe", b"MZ\x90\x00", 415, id="exe"),
    pytest.param("halaman.html", b"<script>alert(1)</script>", 415, id="html"),
    pytest.param("laporan.pdf", b"<html><script>alert(1)</script></html>", 415, id="html-named-pdf"),
    pytest.param("../../etc/laporan.pdf", PDF, 400, id="path"),
    pytest.param("CON.pdf", PDF, 400, id="device-name"),
    pytest.param("kosong.pdf", b"", 400, id="empty"),
])
def test_a_refused_file_is_a_4xx_next_to_the_field_and_nothing_is_stored(task, filename, content, status):
    refused = task.hand_in(task.budi, "Refleksi saya tetap ada",
                           files={"files": (filename, content, "application/pdf")})
    assert refused.status_code == status, refused.text[:1000]
    assert 'id="files-error"' in refused.text
    assert ">Refleksi saya tetap ada</textarea>" in refused.text
    _nothing_stored(task)


def test_a_windows_path_never_reaches_the_disk_whatever_the_parser_makes_of_it(task):
    """The parser may hand over the raw name (refused) or one it read the backslashes
    out of (kept without a path); the rule itself is tested on raw names in
    tests/activities/test_uploads.py."""
    answer = task.hand_in(task.budi, "Refleksi", files={"files": ("..\\..\\laporan.pdf", PDF, "application/pdf")})
    assert answer.status_code < 500
    with task.connected.padu.session() as db:
        names = db.scalars(select(EvidenceFile.original_name)).all()
        stored = db.scalars(select(EvidenceFile.stored_name)).all()
    if answer.status_code >= 400:
        assert names == [] and task.stored_files() == []
    else:
        assert names and all("\\" not in n and "/" not in n and not n.startswith(".") for n in names)
        assert task.stored_files() == sorted(stored)


def test_more_files_than_allowed_are_refused(task):
    files = [("files", (f"laporan{i}.pdf", PDF, "application/pdf")) for i in range(4)]
    refused = task.hand_in(task.budi, files=files)
    assert refused.status_code == 400 and 'id="files-error"' in refused.text
    _nothing_stored(task)


def test_a_request_larger_than_the_server_accepts_is_413(task):
    big = PDF + b"\0" * (task.connected.padu.settings.max_upload_bytes + 128 * 1024)
    refused = task.hand_in(task.budi, files={"files": ("besar.pdf", big, "application/pdf")})
    assert refused.status_code == 413
    _nothing_stored(task)


def test_a_bad_link_is_refused_next_to_the_links_field(task):
    refused = task.hand_in(task.budi, links="javascript:alert(1)")
    assert refused.status_code == 400 and 'id="links-error"' in refused.text
    assert ">javascript:alert(1)</textarea>" in refused.text
    _nothing_stored(task)


def test_an_empty_hand_in_is_refused(task):
    refused = task.hand_in(task.budi, "   ")
    assert refused.status_code == 400
    _nothing_stored(task)


def test_an_empty_file_input_counts_as_no_file(task):
    handed_in = task.hand_in(task.budi, "Hanya refleksi", files={"files": ("", b"", "application/octet-stream")})
    assert handed_in.status_code == 200
    with task.connected.padu.session() as db:
        assert db.scalars(select(Submission)).one().versions[0].files == []
