"""Removing upload files that no attempt refers to.

A file is written before its transaction commits, so a rolled-back request
leaves one behind, and a second upload in an attempt replaces the first.
Deleting them on the spot could lose a file whose commit then succeeds; a
sweep of files older than the longest request is safe instead. The folder
must hold readiness uploads only: anything else in it is swept too.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..db import utcnow
from ..uploads import is_upload_file
from .models import ReadinessAttempt

#: Longer than any request that writes a file can take.
GRACE = dt.timedelta(hours=1)


def sweep_orphan_uploads(session: Session, base_dir: Path | str, *, older_than: dt.timedelta = GRACE,
                         now: dt.datetime | None = None) -> int:
    """Delete upload files (and abandoned temporary files) no attempt names. Returns how many."""
    base = Path(base_dir)
    if not base.is_dir():
        return 0
    cutoff = (now or utcnow()) - older_than
    known = set(session.scalars(select(ReadinessAttempt.upload_stored_name)
                                .where(ReadinessAttempt.upload_stored_name.is_not(None))))
    removed = 0
    for path in base.iterdir():
        if not path.is_file() or path.name in known:
            continue
        if not is_upload_file(path.name):
            continue
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
        if modified < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return removed

