"""Static files under content-hashed names, precompressed, cached for a year.

Learners open Padu on phones over metered, often weak connections. Before this,
every page re-validated padu.css and probe.js (``no-cache`` + ETag: one round
trip each) and sent them uncompressed. Now each file is copied once, at start,
to ``<data dir>/static-<hash>/`` under a name that carries the hash of its
content (``padu.css`` -> ``padu.1a2b3c4d5e6f.css``) together with gzip and
Brotli copies; WhiteNoise serves that folder, picks the encoding the browser
accepts, and every response may be cached as ``immutable`` for a year: a
changed file is a new name, so a release never meets a stale copy.

``url_for('static', filename='padu.css')`` keeps working in templates: the app
swaps in the hashed name (see ``hashed_name``). The plain names stay served by
Flask's own static route (re-validated each time), for anything that links them by hand.

Minifying was weighed and left out: gzip takes probe.js from 8.2 KB to 3.1 KB,
and a minifier (rjsmin) would be one more dependency for what little gzip leaves (not measured).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from whitenoise import WhiteNoise
from whitenoise.compress import Compressor

#: A year, the longest max-age RFC 9111 §5.2.2.1 practice and browsers honour.
ONE_YEAR = 365 * 24 * 60 * 60
IMMUTABLE = f"public, max-age={ONE_YEAR}, immutable"
HASH_LENGTH = 12
#: How long a static folder no running release uses is kept: a rolling restart that still
#: serves the previous release's pages needs its files for minutes, not days.
STALE_AFTER_SECONDS = 24 * 60 * 60
SOURCE = Path(__file__).with_name("static")


@dataclass(frozen=True)
class StaticBuild:
    root: Path
    #: plain name (as in url_for) -> hashed name, both relative to the static folder
    names: dict[str, str]

    def hashed_name(self, filename: str) -> str:
        return self.names.get(filename, filename)


def _hashed(relative: str, digest: str) -> str:
    folder, _, name = relative.rpartition("/")
    stem, dot, suffix = name.partition(".")
    hashed = f"{stem}.{digest}.{suffix}" if dot else f"{name}.{digest}"
    return f"{folder}/{hashed}" if folder else hashed


def build(data_dir: Path, source: Path = SOURCE) -> StaticBuild:
    """Copy the static files to hashed names with compressed twins; reuse an earlier identical copy.

    The folder is named after the whole set, built aside and renamed into place,
    so processes starting together (gunicorn workers) never see half a build.
    """
    names: dict[str, str] = {}
    contents: dict[str, bytes] = {}
    for path in sorted(p for p in source.rglob("*") if p.is_file()):
        relative = path.relative_to(source).as_posix()
        data = path.read_bytes()
        contents[relative] = data
        names[relative] = _hashed(relative, hashlib.sha256(data).hexdigest()[:HASH_LENGTH])
    set_hash = hashlib.sha256(json.dumps(names, sort_keys=True).encode()).hexdigest()[:HASH_LENGTH]
    root = data_dir / f"static-{set_hash}"
    if not root.is_dir():
        data_dir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".static-", dir=data_dir))
        compressor = Compressor(quiet=True)
        for relative, hashed in names.items():
            target = work / hashed
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(contents[relative])
            if compressor.should_compress(target.name):
                compressor.compress(str(target))
        try:
            os.rename(work, root)
        except OSError:  # another process got there first with the same files
            shutil.rmtree(work, ignore_errors=True)
    os.utime(root)  # "in use": a start of this release keeps its folder young
    remove_stale(data_dir, keep=root)
    return StaticBuild(root, names)


def remove_stale(data_dir: Path, keep: Path, now: float | None = None) -> list[Path]:
    """Remove earlier releases' static folders (and half-made builds) untouched for a day.

    Every release with changed files makes a new ``static-<hash>`` folder; without this they
    pile up in the data dir, one per upgrade. A folder another release started from within
    the day is left alone, so processes of the old release still serve their pages.
    """
    now = time.time() if now is None else now
    removed = []
    for folder in [*data_dir.glob("static-*"), *data_dir.glob(".static-*")]:
        if folder == keep or not folder.is_dir():
            continue
        try:
            if now - folder.stat().st_mtime < STALE_AFTER_SECONDS:
                continue
        except FileNotFoundError:  # another process removed it a moment ago
            continue
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed


def _immutable_headers(headers, path, url) -> None:
    headers["Cache-Control"] = IMMUTABLE
    headers["X-Content-Type-Options"] = "nosniff"


def serve(wsgi_app, static_build: StaticBuild, url_path: str = "/static"):
    """``wsgi_app`` with the hashed files answered in front of it (GET/HEAD of /static/<hashed>)."""
    return WhiteNoise(
        wsgi_app, root=str(static_build.root), prefix=url_path.strip("/") + "/", autorefresh=False,
        immutable_file_test=lambda path, url: True, add_headers_function=_immutable_headers,
    )
