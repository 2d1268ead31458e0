"""Keeping the evidence folder to what someone may still need.

Two sweeps, both run daily (``padu uploads sweep``, and the housekeeping of
:mod:`lti_tool.housekeeping`):

* **orphans** — bytes no kept record names: a save whose transaction rolled
  back after the file was written, or a removal whose delete failed. Only
  files older than a grace period go, so a hand-in being saved keeps its files.
* **superseded versions** — a learner may replace work that waits for its
  first review, again and again (security review, finding 7). Versions are
  never deleted (the history stays), but the *bytes* of a version's files go
  when all of these hold:

  - it is not the current version (what the coach reviews next, or accepted);
  - at least ``keep`` newer versions exist (the learner and coach can still
    compare the last few);
  - nobody reviewed it: a reviewed version is what a score or a revision
    request was based on, and the coach's feedback refers to its files, so it
    is kept for as long as the submission is. Reviews need a coach's action
    each, so these cannot pile up the way unreviewed replacements can.

  The record gets ``removed_at`` and ``removed_after`` (how many newer
  versions there were), and the pages say "removed" instead of a broken link.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from ..db import utcnow
from ..uploads import is_upload_file
from .files import EvidenceStore
from .models import EvidenceFile, Review, Submission, SubmissionVersion

#: Longer than any request that writes a file can take.
ORPHAN_GRACE = dt.timedelta(days=1)


def sweep_orphan_files(session: Session, store: EvidenceStore, older_than: dt.timedelta = ORPHAN_GRACE,
                       *, now: dt.datetime | None = None) -> int:
    """Delete stored files no kept record refers to. Returns how many were removed."""
    if not store.base_dir.is_dir():
        return 0
    known = set(session.scalars(select(EvidenceFile.stored_name).where(EvidenceFile.removed_at.is_(None))))
    cutoff = ((now or utcnow()) - older_than).timestamp()
    removed = 0
    for path in store.base_dir.iterdir():
        is_ours = is_upload_file(path.name)
        if is_ours and path.name not in known and path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed


def sweep_superseded_files(session: Session, store: EvidenceStore, *, keep: int,
                           now: dt.datetime | None = None) -> int:
    """Remove the files of unreviewed versions with more than ``keep`` newer versions.

    The records are marked and committed first, then the bytes deleted: a
    crash in between leaves files no kept record names, which the orphan
    sweep removes; the other order could leave a link to nothing. Returns how
    many files were removed.
    """
    if keep < 0:
        raise ValueError("keep must be 0 or more")
    now = now or utcnow()
    reviewed = exists().where(Review.version_id == SubmissionVersion.id)
    rows = session.execute(
        select(EvidenceFile, Submission.current_version - SubmissionVersion.number)
        .join(SubmissionVersion, EvidenceFile.version_id == SubmissionVersion.id)
        .join(Submission, SubmissionVersion.submission_id == Submission.id)
        .where(EvidenceFile.removed_at.is_(None),
               SubmissionVersion.number < Submission.current_version - keep,
               ~reviewed)
        .order_by(EvidenceFile.id)
    ).all()
    for record, newer in rows:
        record.removed_at = now
        record.removed_after = newer
    session.commit()
    for record, _newer in rows:
        store.discard(record.stored_name)
    return len(rows)
