"""Evidence files: safe names, known types checked by content, bytes kept outside the web root.

A learner's file is stored under a random name in a folder the caller gives
(Padu's data folder), never under the name the browser sent: the original
name is kept, cleaned, only to show and to offer as the download name. The
content type comes from the extension Padu accepted and whose content it
checked, never from the browser, so a page can't be uploaded as a "PDF".
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
from typing import BinaryIO, Callable, Iterable

from .exceptions import (
    EmptyFile,
    FileContentMismatch,
    FileTooLarge,
    FileTypeNotAllowed,
    StorageUnsafe,
    UnsafeFilename,
)

MAX_FILENAME = 200
_CHUNK = 64 * 1024
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WINDOWS_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
_DRIVE = re.compile(r"^[A-Za-z]:")
_UNWANTED = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
_STORED_NAME = re.compile(r"^[0-9a-f]{32}$")


# -- sniffing ----------------------------------------------------------------


def _starts(*prefixes: bytes) -> Callable[[BinaryIO], bool]:
    def check(fh: BinaryIO) -> bool:
        fh.seek(0)
        head = fh.read(16)
        return any(head.startswith(prefix) for prefix in prefixes)

    return check


def _webp(fh: BinaryIO) -> bool:
    fh.seek(0)
    head = fh.read(12)
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def _iso_media(fh: BinaryIO) -> bool:
    fh.seek(0)
    return fh.read(12)[4:8] == b"ftyp"


def _mp3(fh: BinaryIO) -> bool:
    fh.seek(0)
    head = fh.read(3)
    return head == b"ID3" or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


def _zip_with(member: str) -> Callable[[BinaryIO], bool]:
    """Office Open XML: a zip holding the part that makes it a document of that kind.
    Only the central directory is read, so a zip bomb costs nothing here."""

    def check(fh: BinaryIO) -> bool:
        fh.seek(0)
        try:
            with zipfile.ZipFile(fh) as archive:
                return member in archive.namelist()
        except (zipfile.BadZipFile, OSError, EOFError):
            return False

    return check


def _opendocument(mimetype: str) -> Callable[[BinaryIO], bool]:
    def check(fh: BinaryIO) -> bool:
        fh.seek(0)
        try:
            with zipfile.ZipFile(fh) as archive:
                info = archive.getinfo("mimetype")
                return info.file_size <= 100 and archive.read(info).decode("ascii", "replace") == mimetype
        except (zipfile.BadZipFile, KeyError, OSError, EOFError):
            return False

    return check


def _utf8_text(fh: BinaryIO) -> bool:
    """Text that is UTF-8 throughout and holds no NUL (which would make it binary)."""
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
_ODF = "application/vnd.oasis.opendocument"

#: The only types Padu accepts: each one's content can be checked.
#: HTML, SVG and scripts are absent on purpose: they run in a browser.
KNOWN_TYPES: dict[str, FileType] = {
    t.extension: t
    for t in (
        FileType("pdf", "application/pdf", _starts(b"%PDF-")),
        FileType("jpg", "image/jpeg", _starts(b"\xff\xd8\xff")),
        FileType("jpeg", "image/jpeg", _starts(b"\xff\xd8\xff")),
        FileType("png", "image/png", _starts(b"\x89PNG\r\n\x1a\n")),
        FileType("gif", "image/gif", _starts(b"GIF87a", b"GIF89a")),
        FileType("webp", "image/webp", _webp),
        FileType("docx", f"{_OOXML}.wordprocessingml.document", _zip_with("word/document.xml")),
        FileType("xlsx", f"{_OOXML}.spreadsheetml.sheet", _zip_with("xl/workbook.xml")),
        FileType("pptx", f"{_OOXML}.presentationml.presentation", _zip_with("ppt/presentation.xml")),
        FileType("odt", f"{_ODF}.text", _opendocument(f"{_ODF}.text")),
        FileType("ods", f"{_ODF}.spreadsheet", _opendocument(f"{_ODF}.spreadsheet")),
        FileType("odp", f"{_ODF}.presentation", _opendocument(f"{_ODF}.presentation")),
        FileType("doc", "application/msword", _starts(_OLE)),
        FileType("xls", "application/vnd.ms-excel", _starts(_OLE)),
        FileType("ppt", "application/vnd.ms-powerpoint", _starts(_OLE)),
        FileType("txt", "text/plain", _utf8_text),
        FileType("csv", "text/csv", _utf8_text),
        FileType("mp4", "video/mp4", _iso_media),
        FileType("m4a", "audio/mp4", _iso_media),
        FileType("mp3", "audio/mpeg", _mp3),
    )
}


# -- names -------------------------------------------------------------------


def clean_filename(filename: str) -> str:
    """The learner's file name, safe to show and to offer as a download name.

    A name carrying a path, a drive, NUL or a Windows device name is refused
    rather than trimmed: browsers send a bare name, so anything else is a
    crafted request. What remains loses control and shell-special characters.
    HTML escaping is left to the templates (they escape every value), so the
    name is stored as the learner will read it, not as entities.
    """
    if filename is None or not isinstance(filename, str):
        raise UnsafeFilename(str(filename), "no file name")
    if "\x00" in filename:
        raise UnsafeFilename(filename.replace("\x00", "\\0"), "contains NUL")
    if "/" in filename or "\\" in filename:
        raise UnsafeFilename(filename, "contains a path")
    if _DRIVE.match(filename):
        raise UnsafeFilename(filename, "names a drive")
    name = unicodedata.normalize("NFC", filename)
    name = " ".join(_UNWANTED.sub("", name).split()).strip(" .")
    if not name or name in (".", ".."):
        raise UnsafeFilename(filename, "no usable name")
    if name.split(".", 1)[0].strip().lower() in _WINDOWS_DEVICES:
        raise UnsafeFilename(filename, "a reserved device name")
    if len(name) > MAX_FILENAME:
        stem, dot, ext = name.rpartition(".")
        keep = MAX_FILENAME - len(ext) - 1
        name = f"{stem[:keep]}.{ext}" if dot and 0 < len(ext) <= 10 else name[:MAX_FILENAME]
    return name


def extension_of(filename: str) -> str:
    """The last extension, lower case: ``laporan.PDF`` → ``pdf``, ``x.pdf.exe`` → ``exe``."""
    stem, dot, ext = filename.rpartition(".")
    return ext.lower() if dot and stem else ""


# -- storing -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Upload:
    """A file as the web layer received it: the browser's name and a stream (or bytes).

    The browser's content type is deliberately not part of it.
    """

    filename: str
    data: BinaryIO | bytes


@dataclasses.dataclass(frozen=True)
class StoredFile:
    stored_name: str
    original_name: str
    size: int
    content_type: str
    sha256: str


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
        if not _STORED_NAME.match(stored_name or ""):
            raise UnsafeFilename(stored_name, "not a stored name")
        return self.base_dir / stored_name

    def save(self, upload: Upload, *, max_bytes: int, allowed_extensions: Iterable[str]) -> StoredFile:
        """Check and keep one upload. Nothing stays on disk if any check fails.

        The bytes are streamed to a temporary file in the store (hashing and
        counting on the way, stopping at the limit), checked there, and then
        renamed to a fresh random name.
        """
        original = clean_filename(upload.filename)
        extension = extension_of(original)
        allowed = {ext.lower() for ext in allowed_extensions}
        if extension not in allowed or extension not in KNOWN_TYPES:
            raise FileTypeNotAllowed(original, extension)
        file_type = KNOWN_TYPES[extension]

        self.base_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = self.base_dir / f".upload-{secrets.token_hex(16)}"
        digest = hashlib.sha256()
        size = 0
        source = upload.data
        try:
            with open(temporary, "xb") as out:
                os.chmod(temporary, 0o600)
                if isinstance(source, (bytes, bytearray)):
                    chunks: Iterable[bytes] = (bytes(source[i:i + _CHUNK]) for i in range(0, len(source), _CHUNK))
                else:
                    chunks = iter(lambda: source.read(_CHUNK), b"")
                for chunk in chunks:
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
            os.replace(temporary, self.base_dir / stored_name)
        finally:
            temporary.unlink(missing_ok=True)
        return StoredFile(stored_name=stored_name, original_name=original, size=size,
                          content_type=file_type.content_type, sha256=digest.hexdigest())

    def discard(self, stored_name: str) -> None:
        """Remove a stored file (after its transaction was rolled back)."""
        self.path_of(stored_name).unlink(missing_ok=True)
