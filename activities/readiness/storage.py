"""The upload micro-task's files: the readiness check's use of :mod:`activities.uploads`.

The file proves that a learner can upload; nobody needs its content except
staff who want to look. It is still untrusted input, so it goes through the
same checks as any learner file (safe names, types checked by content,
random stored names outside the web root). What is the check's own is the
small set of types a civil servant has at hand and how long a shown name may
be. Refusals are raised as readiness errors, which the web layer words.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import IO

from .. import uploads
from ..uploads import FileType, StoredUpload, extension_of, is_stored_name
from .exceptions import UPLOAD_REFUSALS

__all__ = [
    "KNOWN_TYPES", "MAX_FILENAME", "FileType", "StoredUpload", "clean_filename", "discard_upload",
    "extension_of", "is_stored_name", "store_upload", "stored_path",
]

MAX_FILENAME = 120

#: The types the task accepts: what a civil servant has at hand, a photo,
#: a PDF, an office document. Each check allows a selection of them.
KNOWN_TYPES: dict[str, FileType] = uploads.file_types("pdf", "jpg", "jpeg", "png", "docx", "xlsx", "pptx", "txt")


def clean_filename(filename: str) -> str:
    """The learner's file name, safe to show (see :func:`activities.uploads.clean_filename`)."""
    with uploads.refused_as(UPLOAD_REFUSALS):
        return uploads.clean_filename(filename, max_length=MAX_FILENAME)


def store_upload(
    base_dir: Path | str,
    filename: str,
    data: IO[bytes] | bytes,
    *,
    max_bytes: int,
    allowed_extensions: Iterable[str],
) -> StoredUpload:
    """Check and keep one upload in ``base_dir``. Nothing stays on disk if a check fails
    (see :func:`activities.uploads.store`)."""
    with uploads.refused_as(UPLOAD_REFUSALS):
        return uploads.store(base_dir, filename, data, max_bytes=max_bytes, allowed_extensions=allowed_extensions,
                             known_types=KNOWN_TYPES, max_filename=MAX_FILENAME)


def stored_path(base_dir: Path | str, stored_name: str) -> Path:
    """The file behind a stored name; only names :func:`store_upload` makes are accepted,
    so a name from the database can never lead outside ``base_dir``."""
    with uploads.refused_as(UPLOAD_REFUSALS):
        return uploads.stored_path(base_dir, stored_name)


def discard_upload(base_dir: Path | str, stored_name: str) -> None:
    """Remove a stored file (replaced by a newer upload, or its transaction failed)."""
    with uploads.refused_as(UPLOAD_REFUSALS):
        uploads.discard(base_dir, stored_name)
