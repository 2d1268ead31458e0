"""Evidence files of submissions: kept with every version, found only through their submission,
and bytes without a row swept away."""

import datetime as dt
import os

from activities.coaching.service import evidence_file, review, submit, sweep_orphan_files
from activities.core import Role

from .conftest import PDF, pdf


def test_files_of_earlier_versions_are_kept(db, task, coached, store):
    sub = submit(db, task, coached.budi, files=[pdf("v1.pdf")], store=store)
    review(db, task, sub, coached.coach, Role.FACILITATOR, version_number=1, decision="revise", feedback="Lagi")
    submit(db, task, coached.budi, files=[pdf("v2.pdf")], store=store)
    names = [[f.original_name for f in version.files] for version in sub.versions]
    assert names == [["v1.pdf"], ["v2.pdf"]]
    for version in sub.versions:
        assert store.path_of(version.files[0].stored_name).read_bytes() == PDF


def test_a_file_is_found_only_through_its_own_submission(db, task, coached, store):
    budi = submit(db, task, coached.budi, files=[pdf()], store=store)
    dewi = submit(db, task, coached.dewi, reflection="Refleksi")
    file_id = budi.latest.files[0].id
    assert evidence_file(db, budi, file_id).original_name == "laporan.pdf"
    assert evidence_file(db, dewi, file_id) is None


def test_orphan_bytes_are_swept_but_recent_and_known_files_stay(db, task, coached, store):
    submit(db, task, coached.budi, files=[pdf()], store=store)
    orphan_old = store.base_dir / ("a" * 32)
    orphan_new = store.base_dir / ("b" * 32)
    stranger = store.base_dir / "README"
    for path in (orphan_old, orphan_new, stranger):
        path.write_bytes(b"x")
    two_days_ago = (dt.datetime.now() - dt.timedelta(days=2)).timestamp()
    for path in [orphan_old, stranger, *store.base_dir.iterdir()]:
        if path != orphan_new:
            os.utime(path, (two_days_ago, two_days_ago))
    assert sweep_orphan_files(db, store) == 1
    assert not orphan_old.exists() and orphan_new.exists() and stranger.exists()
    assert len(list(store.base_dir.iterdir())) == 3
