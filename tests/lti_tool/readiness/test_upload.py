"""The upload task: size and type checked by the domain, hostile names refused, nothing kept on refusal."""

from __future__ import annotations

import pytest

from .helpers import BUDI, PDF, attempts, link, post_form, set_up_readiness, start_attempt

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def lms_page(connected):
    activity_id = set_up_readiness(connected, upload_max_bytes=4096, upload_extensions=["pdf", "png"])
    browser, intro = connected.launch(BUDI)
    device = start_attempt(browser, intro)
    return activity_id, browser, browser.session.get(link(device, "/readiness/lms"))


def stored_files(connected):
    folder = connected.padu.settings.uploads_dir / "readiness"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def upload(browser, page, name, content, mimetype="application/pdf"):
    return post_form(browser, page, "/lms/upload", files={"file": (name, content, mimetype)})


def test_a_small_pdf_is_stored_under_a_random_name(connected, lms_page):
    activity_id, browser, page = lms_page
    done = upload(browser, page, "Surat Tugas.pdf", PDF)
    assert done.status_code == 200 and "Surat Tugas.pdf" in done.text
    [attempt] = attempts(connected, activity_id, BUDI)
    assert attempt.uploaded and attempt.upload_original_name == "Surat Tugas.pdf"
    assert stored_files(connected) == [attempt.upload_stored_name]


@pytest.mark.parametrize("name, content, status", [
    ("besar.pdf", PDF + b"0" * 5000, 413),            # over the activity's 4 KB limit
    ("program.exe", b"MZ" + b"\x00" * 100, 415),      # a type the activity does not accept
    ("foto.pdf", PNG, 415),                           # a PNG calling itself a PDF
    ("a<script>.pdf", b"<script>alert(1)</script>", 415),  # HTML dressed as a PDF
    ("../../etc/passwd", b"root:x:0:0", 400),         # a path
    ("C:evil.pdf", PDF, 400),                         # a drive
    ("CON.pdf", PDF, 400),                            # a Windows device name
    ("kosong.pdf", b"", 400),                         # empty
])
def test_refused_uploads_are_4xx_with_nothing_stored(connected, lms_page, name, content, status):
    activity_id, browser, page = lms_page
    refused = upload(browser, page, name, content)
    assert refused.status_code == status
    assert 'id="file-error"' in refused.text and 'aria-describedby="file-hint file-error"' in refused.text
    assert "<script>" not in refused.text
    [attempt] = attempts(connected, activity_id, BUDI)
    assert not attempt.uploaded
    assert stored_files(connected) == []


def test_a_windows_path_never_reaches_the_disk_whatever_the_parser_makes_of_it(connected, lms_page):
    """Multipart parsers differ on backslashes in ``filename=`` (Werkzeug 3.1.9 reads
    ``..\\..\\boot.ini.pdf`` as ``....boot.ini.pdf``). Padu's rule is tested on raw names in
    tests/activities/test_uploads.py; here, whatever arrives, what is kept has no path."""
    activity_id, browser, page = lms_page
    answer = upload(browser, page, "..\\..\\boot.ini.pdf", PDF)
    assert answer.status_code in (200, 400)
    [attempt] = attempts(connected, activity_id, BUDI)
    if answer.status_code == 400:
        assert not attempt.uploaded and stored_files(connected) == []
    else:
        assert "\\" not in attempt.upload_original_name and "/" not in attempt.upload_original_name
        assert not attempt.upload_original_name.startswith(".")
        assert stored_files(connected) == [attempt.upload_stored_name]


def test_a_name_with_markup_is_cleaned_and_never_rendered_raw(connected, lms_page):
    activity_id, browser, page = lms_page
    done = upload(browser, page, "a<script>.pdf", PDF)
    assert done.status_code == 200
    assert "<script>" not in done.text
    [attempt] = attempts(connected, activity_id, BUDI)
    assert attempt.upload_original_name == "ascript.pdf"


def test_no_file_chosen_is_a_400(connected, lms_page):
    _activity_id, browser, page = lms_page
    refused = post_form(browser, page, "/lms/upload", files={"file": ("", b"", "application/octet-stream")})
    assert refused.status_code == 400 and 'id="file-error"' in refused.text
