"""Learner files, whatever the activity: safe names, types checked by content, bytes kept outside the web root.

A file is stored under a random name in a folder the caller gives (Padu's
data folder), never under the name the browser sent: the original name is
kept, cleaned, only to show and to offer as the download name. The content
type comes from the extension Padu accepted *and* whose content it checked,
never from the browser, so a page can't be uploaded as a "PDF".

Every activity that takes files (coaching evidence, the readiness upload
task) goes through here, so a check made stricter is made stricter for all.
The activities choose which of :data:`FILE_TYPES` they accept and how long a
shown name may be. Refusals are :class:`UploadRefused`; each activity
re-raises them as its own subclasses (see :func:`refused_as`) because its web
layer catches and words the errors of its own family.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import hashlib
import os
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, BinaryIO

_CHUNK = 64 * 1024
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_WINDOWS_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}
_DRIVE = re.compile(r"^[A-Za-z]:")
_UNWANTED = re.compile(r'[\x00-\x1f\x7f<>:"|?*]')
_STORED_NAME = re.compile(r"[0-9a-f]{32}")
#: Prefix of the temporary file an upload is streamed to before its checks pass.
TEMPORARY_PREFIX = ".upload-"


# -- refusals ----------------------------------------------------------------


class UploadRefused(Exception):
    """A file, its name or a stored name was refused; the text is for logs and tests."""


class UnsafeFilename(UploadRefused):
    """The file name carries a path, a drive, NUL or a reserved device name."""

    def __init__(self, filename: str, reason: str):
        super().__init__(f"{filename!r}: {reason}")
        self.filename = filename
        self.reason = reason


class FileTypeNotAllowed(UploadRefused):
    """The extension is not one the activity allows (or not one Padu can check).
    ``allowed`` lists those it does, for a message that names them."""

    def __init__(self, filename: str, extension: str, allowed: tuple[str, ...] = ()):
        super().__init__(f"{filename!r}: files of type {extension or '(none)'!r} are not allowed")
        self.filename = filename
        self.extension = extension
        self.allowed = allowed


class FileContentMismatch(UploadRefused):
    """The bytes do not look like the file type the name claims."""

    def __init__(self, filename: str, extension: str):
        super().__init__(f"{filename!r} does not contain a {extension} file")
        self.filename = filename
        self.extension = extension


class FileTooLarge(UploadRefused):
    def __init__(self, filename: str, limit: int):
        super().__init__(f"{filename!r} is larger than {limit} bytes")
        self.filename = filename
        self.limit = limit


class EmptyFile(UploadRefused):
    def __init__(self, filename: str):
        super().__init__(f"{filename!r} is empty")
        self.filename = filename


@contextlib.contextmanager
def refused_as(own: Iterable[type[UploadRefused]]) -> Iterator[None]:
    """Re-raise a refusal as the one of ``own`` that subclasses its class.

    An activity's web layer catches its own family (``CoachingError``,
    ``ReadinessError``) and maps each class to a translated message, so a
    refusal must reach it as that activity's class, with the same text and
    fields. The copy is made without calling the subclass's constructor: an
    activity may keep the narrower constructor it had before this module
    existed. A refusal no class of ``own`` subclasses goes on unchanged.
    """
    try:
        yield
    except UploadRefused as error:
        for cls in own:
            if issubclass(cls, type(error)):
                recast = cls.__new__(cls, *error.args)
                recast.__dict__.update(vars(error))
                # The traceback of the check that failed, not of this re-raise.
                raise recast.with_traceback(error.__traceback__) from None
        raise


# -- sniffing: cheap checks that the bytes are what the extension says -------


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

#: Every type Padu can accept: each one's content can be checked. An activity
#: accepts a selection of them (:func:`file_types`). HTML, SVG and scripts are
#: absent on purpose: they run in a browser.
FILE_TYPES: dict[str, FileType] = {
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


def file_types(*extensions: str) -> dict[str, FileType]:
    """The types of ``extensions``, in that order (the order forms list them in).
    A KeyError for one Padu cannot check: an activity must not promise a check that does not exist."""
    return {ext: FILE_TYPES[ext] for ext in extensions}


# -- names -------------------------------------------------------------------


def clean_filename(filename: str, *, max_length: int) -> str:
    """The learner's file name, safe to show and to offer as a download name.

    A name carrying a path, a drive, NUL or a Windows device name is refused
    rather than trimmed: browsers send a bare name, so anything else is a
    crafted request. What remains loses control, invisible formatting and
    shell-special characters and leading and trailing dots (no hidden files),
    and is cut to ``max_length`` keeping a short extension. HTML escaping is left to the
    templates (they escape every value), so the name is stored as the learner
    will read it, not as entities.
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
    # Format characters (Unicode Cf: bidi overrides, zero-width joiners) make a
    # name read differently from what it is: "cv\u202efdp.exe" shows as "cvexe.pdf".
    name = "".join(ch for ch in name if unicodedata.category(ch) != "Cf")
    name = " ".join(_UNWANTED.sub("", name).split()).strip(" .")
    if not name:
        raise UnsafeFilename(filename, "no usable name")
    if name.split(".", 1)[0].strip().lower() in _WINDOWS_DEVICES:
        raise UnsafeFilename(filename, "a reserved device name")
    if len(name) > max_length:
        stem, dot, ext = name.rpartition(".")
        keep = max_length - len(ext) - 1
        name = f"{stem[:keep]}.{ext}" if dot and 0 < len(ext) <= 10 else name[:max_length]
    return name


def extension_of(filename: str) -> str:
    """The last extension, lower case: ``laporan.PDF`` → ``pdf``, ``x.pdf.exe`` → ``exe``."""
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


def store(
    base_dir: Path | str,
    filename: str,
    data: IO[bytes] | bytes,
    *,
    max_bytes: int,
    allowed_extensions: Iterable[str],
    known_types: Mapping[str, FileType],
    max_filename: int,
) -> StoredUpload:
    """Check and keep one upload in ``base_dir``. Nothing stays on disk if a check fails.

    An extension must be both allowed (the activity's settings) and known
    (the types the activity can check). Checks run cheapest first: the name,
    the extension, then the bytes are streamed to a temporary file (counted
    and hashed on the way, stopping at ``max_bytes`` so an oversized upload
    is never read whole), sniffed, and renamed to a fresh random name.
    ``data`` is bytes or a binary stream (a Werkzeug ``FileStorage.stream``);
    the browser's content type is not asked for.
    """
    original = clean_filename(filename, max_length=max_filename)
    extension = extension_of(original)
    allowed = tuple(ext.lower() for ext in allowed_extensions)
    if extension not in allowed or extension not in known_types:
        raise FileTypeNotAllowed(original, extension, allowed)
    file_type = known_types[extension]

    base = Path(base_dir)
    base.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = base / f"{TEMPORARY_PREFIX}{secrets.token_hex(16)}"
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
    """Whether ``name`` is a name :func:`store` makes (32 lower-case hex digits, nothing else)."""
    return isinstance(name, str) and _STORED_NAME.fullmatch(name) is not None


def is_upload_file(name: str) -> bool:
    """Whether a file of that name in a store folder was written by :func:`store`
    (kept, or a temporary one a crash left): what a sweep of orphans may delete."""
    return isinstance(name, str) and (name.startswith(TEMPORARY_PREFIX) or is_stored_name(name))


def stored_path(base_dir: Path | str, stored_name: str) -> Path:
    """The file behind a stored name; only names :func:`store` makes are accepted,
    so a name from the database can never lead outside ``base_dir``."""
    if not is_stored_name(stored_name):
        raise UnsafeFilename(str(stored_name), "not a stored name")
    return Path(base_dir) / stored_name


def discard(base_dir: Path | str, stored_name: str) -> None:
    """Remove a stored file (replaced by a newer upload, or its transaction failed)."""
    stored_path(base_dir, stored_name).unlink(missing_ok=True)


def _chunks(data: IO[bytes] | bytes) -> Iterator[bytes]:
    if isinstance(data, (bytes, bytearray, memoryview)):
        view = memoryview(data)
        for start in range(0, len(view), _CHUNK):
            yield bytes(view[start:start + _CHUNK])
        return
    while chunk := data.read(_CHUNK):
        yield chunk
