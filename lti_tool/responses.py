"""Responses shared by the views: redirects without a body, CSV exports and stored files."""

from __future__ import annotations

from pathlib import Path

from flask import Response, abort, send_file


def bare_redirect(location: str, code: int) -> Response:
    """A redirect without the HTML note ``flask.redirect`` writes (the URL twice, escaped).

    The note is for clients that do not follow ``Location``; a launch's 302 and 303
    are followed by browsers inside Moodle's frame, and the note of the login's
    302, with its long authorisation URL, was a kilobyte on every launch.
    """
    return Response(status=code, headers={"Location": location})


def csv_response(text: str, filename: str) -> Response:
    """A CSV download. The BOM makes Excel (what agencies open it with) read UTF-8 names right."""
    response = Response("\ufeff" + text, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


#: Types a browser may show inline; anything else is downloaded.
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg"}


def stored_file_response(base_dir: Path, stored_name: str, download_name: str, content_type: str) -> Response:
    """Send a file kept outside the web root, by its stored (random) name only.

    The stored name is checked to stay inside ``base_dir``; the learner's file
    name is used only as the download name (already sanitized when stored).
    """
    base = base_dir.resolve()
    path = (base / stored_name).resolve()
    if base not in path.parents or not path.is_file():
        abort(404)
    inline = content_type in INLINE_TYPES
    response = send_file(path, mimetype=content_type if inline else "application/octet-stream",
                         as_attachment=not inline, download_name=download_name, max_age=0)
    # A learner's file must never run as a page of Padu.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    # Personal evidence: no copy in a shared or proxy cache, nor on the disk of a
    # shared office computer (no-cache would still let the browser keep it).
    response.headers["Cache-Control"] = "private, no-store"
    return response
