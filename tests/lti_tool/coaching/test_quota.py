"""The upload quota of a coaching task and the sweep of superseded versions' files, over HTTP.

Security review, finding 7: while work waited for its first review, a learner
replaced it 20 times with a 9.9 MB PDF and every copy was kept. Now one
learner's kept files of a task have a total (a task setting); a hand-in past it
is refused whole, with the typed reflection still in the form; and the daily
sweep removes the files of old, unreviewed versions, which the pages then show
as removed instead of linking to nothing.
"""

from __future__ import annotations

import re

from sqlalchemy import select

from activities.coaching.models import EvidenceFile, Submission
from activities.core import Activity
from lti_tool import housekeeping

from .conftest import PDF, SETTINGS, text_of

KB = 1024


def pdf_of(kilobytes: int) -> bytes:
    return PDF + b"\0" * (kilobytes * KB - len(PDF))


def hand_in_pdf(task, kilobytes: int, reflection: str = "Versi baru laporan saya.", name: str = "laporan.pdf"):
    return task.hand_in(task.budi, reflection, files={"files": (name, pdf_of(kilobytes), "application/pdf")})


def versions_of(task, sub: str = "4") -> list[int]:
    with task.connected.padu.session() as db:
        submission = db.scalars(select(Submission).where(Submission.learner_id == task.person_id(sub))).one()
        return [v.number for v in submission.versions]


def set_quota(task, quota_mb: str, max_mb: str = "1"):
    page = task.teacher.get(task.path("/settings"))
    return task.teacher.submit_form(page, "/coaching/settings", {**SETTINGS, "max_mb": max_mb, "quota_mb": quota_mb})


def test_a_hand_in_past_the_quota_is_refused_whole_and_the_reflection_stays(task):
    assert set_quota(task, "2").status_code == 200
    assert hand_in_pdf(task, 700).status_code == 200
    assert hand_in_pdf(task, 700).status_code == 200  # replaced while waiting for review: both kept
    before = task.stored_files()

    refused = hand_in_pdf(task, 700, "Refleksi yang saya ketik lama sekali")
    assert refused.status_code == 413, refused.text[:1000]
    assert 'id="files-error"' in refused.text
    message = text_of(refused)
    assert "paling banyak 2 MB" in message and "1,4 MB" in message, message
    assert ">Refleksi yang saya ketik lama sekali</textarea>" in refused.text
    # Nothing stored, nothing lost: no new version, no new file, the earlier ones intact.
    assert versions_of(task) == [1, 2]
    assert task.stored_files() == before

    # What still fits is taken, and the page says how much is used.
    fits = hand_in_pdf(task, 300)
    assert fits.status_code == 200 and versions_of(task) == [1, 2, 3]
    assert re.search(r"1[.,]7 dari 2 MB terpakai", text_of(fits)), text_of(fits)


def test_a_file_the_quota_cannot_hold_is_cut_off_and_not_kept(task):
    """A file under the task's file limit but over what is left of the quota: the quota's message."""
    assert set_quota(task, "1.5").status_code == 200
    assert hand_in_pdf(task, 1000).status_code == 200
    before = task.stored_files()
    refused = hand_in_pdf(task, 900)
    assert refused.status_code == 413 and "paling banyak 1,5 MB" in text_of(refused)
    assert task.stored_files() == before


def test_the_quota_is_validated_on_the_settings_page(task):
    for typed in ("banyak", "0", "5000"):
        refused = set_quota(task, typed)
        assert refused.status_code == 400 and 'id="quota_mb-error"' in refused.text, typed
        assert f'value="{typed}"' in refused.text
    below_a_file = set_quota(task, "1", max_mb="2")
    assert below_a_file.status_code == 400 and 'id="quota_mb-error"' in below_a_file.text
    assert set_quota(task, "12.5").status_code == 200
    with task.connected.padu.session() as db:
        assert db.get(Activity, task.activity_id).settings["file_limits"]["quota_bytes"] == int(12.5 * 1024 * KB)
    assert 'value="12,5"' in task.teacher.get(task.path("/settings")).text


def test_the_sweep_removes_old_unreviewed_versions_files_and_the_pages_say_so(task):
    keep = task.connected.padu.settings.keep_superseded_versions
    assert keep == 3
    for number in range(1, 6):
        assert hand_in_pdf(task, 10, name=f"laporan-v{number}.pdf").status_code == 200
    with task.connected.padu.session() as db:
        counts = housekeeping.sweep_uploads(db, task.connected.padu.settings)
    assert counts["coaching_superseded"] == 1  # version 1: 4 newer versions, never reviewed

    with task.connected.padu.session() as db:
        files = {f.original_name: f for f in db.scalars(select(EvidenceFile))}
    gone, kept = files.pop("laporan-v1.pdf"), files
    assert gone.removed_at is not None and gone.removed_after == 4
    assert gone.stored_name not in task.stored_files()
    assert all(f.removed_at is None and f.stored_name in task.stored_files() for f in kept.values())

    for user, path in ((task.budi, task.path("/")), (task.rahmat, task.learner_path("4"))):
        page = user.get(path)
        assert "laporan-v1.pdf (file dihapus setelah ada 4 versi yang lebih baru)" in text_of(page)
        assert f"/files/{gone.id}" not in page.text
        assert all(f"/files/{f.id}" in page.text for f in kept.values())
    assert task.budi.get(task.learner_path("4", f"/files/{gone.id}")).status_code == 410
    assert task.budi.get(task.learner_path("4", f"/files/{kept['laporan-v2.pdf'].id}")).status_code == 200

    # Running it again removes nothing more.
    with task.connected.padu.session() as db:
        assert housekeeping.sweep_uploads(db, task.connected.padu.settings)["coaching_superseded"] == 0


def test_removed_files_no_longer_count_towards_the_quota(task):
    assert set_quota(task, "1").status_code == 200
    for _ in range(5):
        assert hand_in_pdf(task, 200).status_code == 200
    assert hand_in_pdf(task, 200).status_code == 413  # 5 × 200 KB kept
    with task.connected.padu.session() as db:
        housekeeping.sweep_uploads(db, task.connected.padu.settings)
    assert hand_in_pdf(task, 200).status_code == 200  # version 1's bytes are gone, so there is room
