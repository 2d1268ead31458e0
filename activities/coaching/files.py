"""Evidence files: the coaching task's use of :mod:`activities.uploads`.

The checks (safe names, types checked by content, random stored names) are
shared with every activity that takes files; what is the task's own is the
set of types evidence may have, how long a shown name may be, and that the
evidence folder must not lie inside a folder the web server serves. Refusals
are raised as coaching errors, which the web layer words for the learner.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from .. import uploads
from ..uploads import FileType, extension_of
from .exceptions import UPLOAD_REFUSALS, StorageUnsafe

__all__ = [
    "KNOWN_TYPES", "MAX_FILENAME", "EvidenceStore", "FileType", "StoredFile", "Upload",
    "clean_filename", "extension_of",
]

MAX_FILENAME = 200

#: The types evidence may have: documents, images, audio and video a
#: workplace assignment produces. Each task allows a selection of them.
KNOWN_TYPES: dict[str, FileType] = uploads.file_types(
    "pdf", "jpg", "jpeg", "png", "gif", "webp", "docx", "xlsx", "pptx", "odt", "ods", "odp",
    "doc", "xls", "ppt", "txt", "csv", "mp4", "m4a", "mp3",
)

#: What :meth:`EvidenceStore.save` returns (the name predates the shared module).
StoredFile = uploads.StoredUpload


def clean_filename(filename: str) -> str:
    """The learner's file name, safe to show and to offer as a download name
    (see :func:`activities.uploads.clean_filename`)."""
    with uploads.refused_as(UPLOAD_REFUSALS):
        return uploads.clean_filename(filename, max_length=MAX_FILENAME)


@dataclasses.dataclass(frozen=True)
class Upload:
    """A file as the web layer received it: the browser's name and a stream (or bytes).

    The browser's content type is deliberately not part of it.
    """

    filename: str
    data: IO[bytes] | bytes


class EvidenceStore:
    """A folder of evidence files, named at random, outside anything the web server serves.

    ``forbidden_roots`` are the folders that are served (Flask's static
    folder, a web server's document root): a store inside one is refused,
    because its files would be reachable without the permission check.
    """

    def __init__(self, base_dir: Path | str, forbidden_roots: Iterable[Path | str] = ()):
        base = Path(base_dir).resolve()
        for root in forbidden_roots:
            root = Path(root).resolve()
            if base == root or root in base.parents:
                raise StorageUnsafe(f"{base} is inside the served folder {root}")
        self.base_dir = base

    def path_of(self, stored_name: str) -> Path:
        """The file behind a stored name; only names this store made are accepted."""
        with uploads.refused_as(UPLOAD_REFUSALS):
            return uploads.stored_path(self.base_dir, stored_name)

    def save(self, upload: Upload, *, max_bytes: int, allowed_extensions: Iterable[str]) -> StoredFile:
        """Check and keep one upload. Nothing stays on disk if any check fails
        (see :func:`activities.uploads.store`)."""
        with uploads.refused_as(UPLOAD_REFUSALS):
            return uploads.store(self.base_dir, upload.filename, upload.data, max_bytes=max_bytes,
                                 allowed_extensions=allowed_extensions, known_types=KNOWN_TYPES,
                                 max_filename=MAX_FILENAME)

    def discard(self, stored_name: str) -> None:
        """Remove a stored file (after its transaction was rolled back)."""
        with uploads.refused_as(UPLOAD_REFUSALS):
            uploads.discard(self.base_dir, stored_name)
