"""The probe's HTTP side: test payloads to download, a sink to upload to, a ping, and the result.

The sizes Padu serves and accepts come from the domain's plan
(:data:`activities.readiness.service.PROBE_PLAN`), the one definition the page's
script follows too. Payloads are random bytes, generated as they are sent:
incompressible (a compressing proxy cannot flatter the connection) and never
held whole in memory. Only people who take the check may use these
endpoints, and only inside the check's course: they cost bandwidth.
"""

from __future__ import annotations

import os

from flask import Response, request

from activities.readiness import service
from activities.readiness.exceptions import ProbeInvalid, ReadinessError
from activities.readiness.service import MAX_PROBE_BYTES, PROBE_PLAN, parse_probe

from ..auth import current_person, requires
from ..runtime import db
from ..web import describe
from .common import TAKERS, bp, load_check
from .summary import probe_summary

CHUNK = 64 * 1024
NO_STORE = {"Cache-Control": "no-store, no-transform", "Pragma": "no-cache"}


def _random_bytes(size: int):
    left = size
    while left > 0:
        piece = min(CHUNK, left)
        left -= piece
        yield os.urandom(piece)


@bp.get("/probe/ping")
@requires(*TAKERS)
def probe_ping(activity_id: int):
    load_check(activity_id)
    return Response(b"", status=204, headers=NO_STORE)


@bp.get("/probe/payload")
@requires(*TAKERS)
def probe_payload(activity_id: int):
    load_check(activity_id)
    size = request.args.get("bytes", type=int)
    if size is None or not PROBE_PLAN.download.allows(size):
        return {"error": "bad_size", "detail": "bytes must be one of the plan's sizes",
                "sizes": list(PROBE_PLAN.download.sizes())}, 400
    response = Response(_random_bytes(size), mimetype="application/octet-stream", headers=NO_STORE)
    response.content_length = size
    return response


@bp.post("/probe/upload")
@requires(*TAKERS)
def probe_upload(activity_id: int):
    """Read the bytes and throw them away: only the time they took matters (to the browser)."""
    load_check(activity_id)
    limit = PROBE_PLAN.upload.largest_bytes
    if request.content_length is not None and request.content_length > limit:
        return {"error": "too_large", "limit": limit}, 413
    received = 0
    while chunk := request.stream.read(CHUNK):
        received += len(chunk)
        if received > limit:
            return {"error": "too_large", "limit": limit}, 413
    return {"received": received}, 200, NO_STORE


@bp.post("/probe")
@requires(*TAKERS)
def probe_result(activity_id: int):
    """Store the probe's result in the learner's open attempt (a rerun replaces it).

    Answers JSON: 200 with a short summary to show, or 4xx with the field errors.
    """
    activity, _settings = load_check(activity_id)
    # Never read more than a result can be: a larger body is refused unread.
    if request.content_length is not None and request.content_length > MAX_PROBE_BYTES:
        return {"error": "probe_invalid", "errors": {"$": f"larger than {MAX_PROBE_BYTES} bytes"}}, 413
    if request.mimetype != "application/json":
        return {"error": "probe_invalid", "errors": {"$": "send application/json"}}, 415
    try:
        result = parse_probe(request.stream.read(MAX_PROBE_BYTES + 1))
        service.record_probe(db(), activity, current_person(), result)
    except ProbeInvalid as error:
        db().rollback()
        return {"error": "probe_invalid", "errors": error.errors}, 400
    except ReadinessError as error:
        db().rollback()
        problem = describe(error)
        return {"error": type(error).__name__, "detail": problem.message}, problem.status
    db().commit()
    return {"ok": True, "summary": probe_summary(result)}
