"""The upload micro-task's files: safe names, checked types, bytes kept outside the web root.

The file proves that a learner can upload; nobody needs its content except
staff who want to look. It is still untrusted input, so it is handled like
any learner file: stored under a random name in a folder the caller gives
(Padu's data folder), never under the name the browser sent; the original
name is kept, cleaned, only to show. The content type comes from the
extension Padu accepted *and* whose content it checked, never from the
browser, so a page can't be uploaded as an "image".
"""

from __future__ import annotations

import codecs
import dataclasses
import hashlib
import os
import re
import secrets
import unicodedata
import zipfile
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator

from .exceptions import EmptyFile, FileContentMismatch, FileTooLarge, FileTypeNotAllowed, UnsafeFilename

MAX_FILENAME = 120
_CHUNK = 64 * 1024
_WINDOWS_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
_DRIVE = re.compile(r"^[A-Za-z]:")
_UNWANTED = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
_STORED_NAME = re.compile(r"^[0-9a-f]{32}$")


# -- sniffing: cheap checks that the bytes are what the extension says -------


def _starts(*prefixes: bytes) -> Callable[[BinaryIO], bool]:
    def check(fh: BinaryIO) -> bool:
        fh.seek(0)
        head = fh.read(16)
        return any(head.startswith(prefix) for prefix in prefixes)

    return check


def _zip_with(member: str) -> Callable[[BinaryIO], bool]:
    """Office Open XML: a zip holding the part that makes it that kind of document.
    Only the central directory is read, so a zip bomb costs nothing here."""

    def check(fh: BinaryIO) -> bool:
        fh.seek(0)
        try:
            with zipfile.ZipFile(fh) as archive:
                return member in archive.namelist()
        except (zipfile.BadZipFile, OSError, EOFError):
            return False

    return check


def _utf8_text(fh: BinaryIO) -> bool:
    """UTF-8 throughout and no NUL (which would make it binary)."""
    fh.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := fh.read(_CHUNK):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


@dataclasses.dataclass(frozen=True)
class FileType:
    extension: str
    content_type: str
    sniff: Callable[[BinaryIO], bool]


_OOXML = "application/vnd.openxmlformats-officedocument"

#: The only types the task accepts, each with a content check. What a civil
#: servant has at hand: a photo, a PDF, an office document. HTML, SVG and
#: scripts are absent on purpose: they run in a browser.
KNOWN_TYPES: dict[str, FileType] = {
    t.extension: t
    for t in (
        FileType("pdf", "application/pdf", _starts(b"%PDF-")),
        FileType("jpg", "image/jpeg", _starts(b"\xff\xd8\xff")),
        FileType("jpeg", "image/jpeg", _starts(b"\xff\xd8\xff")),
        FileType("png", "image/png", _starts(b"\x89PNG\r\n\x1a\n")),
        FileType("docx", f"{_OOXML}.wordprocessingml.document", _zip_with("word/document.xml")),
        FileType("xlsx", f"{_OOXML}.spreadsheetml.sheet", _zip_with("xl/workbook.xml")),
        FileType("pptx", f"{_OOXML}.presentationml.presentation", _zip_with("ppt/presentation.xml")),
        FileType("txt", "text/plain", _utf8_text),
    )
}


# -- names -------------------------------------------------------------------


def clean_filename(filename: str) -> str:
    """The learner's file name, safe to show and to offer as a download name.

    A name carrying a path, a drive, NUL or a Windows device name is refused
    rather than trimmed: browsers send a bare name, so anything else is a
    crafted request. What remains loses control and shell-special characters
    and leading dots (no hidden files). HTML escaping is the templates' job.
    """
    if not isinstance(filename, str):
        raise UnsafeFilename(str(filename), "no file name")
    if "\x00" in filename:
        raise UnsafeFilename(filename.replace("\x00", "\\0"), "contains NUL")
    if "/" in filename or "\\" in filename:
        raise UnsafeFilename(filename, "contains a path")
    if _DRIVE.match(filename):
        raise UnsafeFilename(filename, "names a drive")
    name = unicodedata.normalize("NFC", filename)
    name = " ".join(_UNWANTED.sub("", name).split()).strip(" .")
    if not name:
        raise UnsafeFilename(filename, "no usable name")
    if name.split(".", 1)[0].strip().lower() in _WINDOWS_DEVICES:
        raise UnsafeFilename(filename, "a reserved device name")
    if len(name) > MAX_FILENAME:
        stem, dot, ext = name.rpartition(".")
        keep = MAX_FILENAME - len(ext) - 1
        name = f"{stem[:keep]}.{ext}" if dot and 0 < len(ext) <= 10 else name[:MAX_FILENAME]
    return name


def extension_of(filename: str) -> str:
    """The last extension, lower case: ``foto.JPG`` → ``jpg``, ``x.pdf.exe`` → ``exe``."""
    stem, dot, ext = filename.rpartition(".")
    return ext.lower() if dot and stem else ""


# -- storing -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class StoredUpload:
    stored_name: str
    original_name: str
    size: int
    content_type: str
    sha256: str


def store_upload(
    base_dir: Path | str,
    filename: str,
    data: BinaryIO | bytes,
    *,
    max_bytes: int,
    allowed_extensions: Iterable[str],
) -> StoredUpload:
    """Check and keep one upload in ``base_dir``. Nothing stays on disk if a check fails.

    Checks run cheapest first: the name, the extension, then the bytes are
    streamed to a temporary file (counted and hashed on the way, stopping at
    ``max_bytes`` so an oversized upload is never read whole), sniffed, and
    renamed to a fresh random name. ``data`` is bytes or a binary stream (a
    Werkzeug ``FileStorage.stream``); the browser's content type is not asked for.
    """
    original = clean_filename(filename)
    extension = extension_of(original)
    allowed = tuple(ext.lower() for ext in allowed_extensions)
    if extension not in allowed or extension not in KNOWN_TYPES:
        raise FileTypeNotAllowed(original, extension, allowed)
    file_type = KNOWN_TYPES[extension]

    base = Path(base_dir)
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = base / f".upload-{secrets.token_hex(16)}"
    digest = hashlib.sha256()
    size = 0
    try:
        with open(temporary, "xb") as out:
            os.chmod(temporary, 0o600)
            for chunk in _chunks(data):
                size += len(chunk)
                if size > max_bytes:
                    raise FileTooLarge(original, max_bytes)
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise EmptyFile(original)
        with open(temporary, "rb") as fh:
            if not file_type.sniff(fh):
                raise FileContentMismatch(original, extension)
        stored_name = secrets.token_hex(16)
        os.replace(temporary, base / stored_name)
    finally:
        temporary.unlink(missing_ok=True)
    return StoredUpload(stored_name=stored_name, original_name=original, size=size,
                        content_type=file_type.content_type, sha256=digest.hexdigest())


def is_stored_name(name: str) -> bool:
    """Whether ``name`` is a name :func:`store_upload` makes (32 hex digits, nothing else)."""
    return isinstance(name, str) and _STORED_NAME.fullmatch(name) is not None


def stored_path(base_dir: Path | str, stored_name: str) -> Path:
    """The file behind a stored name; only names :func:`store_upload` makes are accepted,
    so a name from the database can never lead outside ``base_dir``."""
    if not is_stored_name(stored_name):
        raise UnsafeFilename(str(stored_name), "not a stored name")
    return Path(base_dir) / stored_name


def discard_upload(base_dir: Path | str, stored_name: str) -> None:
    """Remove a stored file (replaced by a newer upload, or its transaction failed)."""
    stored_path(base_dir, stored_name).unlink(missing_ok=True)


def _chunks(data: BinaryIO | bytes) -> Iterator[bytes]:
    if isinstance(data, (bytes, bytearray, memoryview)):
        view = memoryview(data)
        for start in range(0, len(view), _CHUNK):
            yield bytes(view[start:start + _CHUNK])
        return
    while chunk := data.read(_CHUNK):
        yield chunk
