"""The browser probe: the plan the page follows, and the strict check of what it reports.

The probe is a small script in the learner's browser. It downloads payloads
Padu serves (growing in size, stopping after a time budget or a byte cap),
uploads a few, times small round trips, and reads the screen and whether a
camera and microphone exist. :class:`ProbePlan` is the one definition of
that schedule: the web layer embeds ``plan.to_dict()`` in the page for the
script, and serves only the sizes the plan names.

What comes back is untrusted JSON. :func:`validate_probe` accepts exactly
the documented fields with the right types and plausible ranges, refuses
unknown keys (a typo in the script should fail loudly, not be scored as a
missing figure), and reports every bad field at once in :class:`ProbeInvalid`.
"""

from __future__ import annotations

import dataclasses
import json
import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .exceptions import ProbeInvalid

KiB = 1024
MiB = 1024 * 1024

#: A result document larger than this is not a probe result.
MAX_PROBE_BYTES = 4 * KiB
#: A result is one flat object; JSON nested deeper than this is not one. Python's
#: parser recurses per level, so 4 KB of ``[`` would otherwise end in RecursionError.
MAX_JSON_DEPTH = 4
MAX_USER_AGENT = 300
#: 10 Gbps: anything faster is a measuring error, not a connection.
MAX_KBPS = 10_000_000
MAX_MS = 60_000
MAX_SAMPLES = 100
MAX_SCREEN = 20_000

PERMISSION_STATES = ("granted", "denied", "prompt", "unsupported")


# -- the plan ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class TransferPlan:
    """Payloads growing by ``growth`` from ``first_bytes`` to at most ``largest_bytes``.

    The script sends or fetches them in order and stops at the first of: the
    list is done, the next payload would pass ``total_cap_bytes``, or
    ``time_budget_ms`` has passed. Small first payloads let a slow connection
    finish quickly; large later ones let a fast one be measured past TCP's
    slow start. The cap matters because the learner may pay for every megabyte.
    """

    first_bytes: int
    largest_bytes: int
    total_cap_bytes: int
    time_budget_ms: int
    growth: int = 2

    def sizes(self) -> tuple[int, ...]:
        sizes: list[int] = []
        size, total = self.first_bytes, 0
        while size <= self.largest_bytes and total + size <= self.total_cap_bytes:
            sizes.append(size)
            total += size
            size *= self.growth
        return tuple(sizes)

    def allows(self, size: int) -> bool:
        """Whether the web layer should serve (or accept) a payload of this size."""
        return isinstance(size, int) and not isinstance(size, bool) and size in self.sizes()

    def to_dict(self) -> dict[str, Any]:
        return {"sizes": list(self.sizes()), "total_cap_bytes": self.total_cap_bytes,
                "time_budget_ms": self.time_budget_ms}


@dataclasses.dataclass(frozen=True)
class LatencyPlan:
    """``count`` tiny requests one after another; the median is the latency, see :func:`jitter`."""

    count: int = 10
    timeout_ms: int = 3000

    def to_dict(self) -> dict[str, Any]:
        return {"count": self.count, "timeout_ms": self.timeout_ms}


@dataclasses.dataclass(frozen=True)
class ProbePlan:
    #: 256 KB … 8 MB, at most 16 MB and 8 s: about the cost of a minute of video.
    download: TransferPlan = TransferPlan(first_bytes=256 * KiB, largest_bytes=8 * MiB,
                                          total_cap_bytes=16 * MiB, time_budget_ms=8000)
    #: Uploads are slower on most Indonesian mobile plans: smaller and shorter.
    upload: TransferPlan = TransferPlan(first_bytes=128 * KiB, largest_bytes=2 * MiB,
                                        total_cap_bytes=4 * MiB, time_budget_ms=6000)
    latency: LatencyPlan = LatencyPlan()

    def to_dict(self) -> dict[str, Any]:
        """What the page embeds for the script (JSON)."""
        return {"download": self.download.to_dict(), "upload": self.upload.to_dict(),
                "latency": self.latency.to_dict(), "max_result_bytes": MAX_PROBE_BYTES}


PLAN = ProbePlan()


def throughput_kbps(transfers: Sequence[tuple[int, float]]) -> float | None:
    """Throughput from ``(bytes, milliseconds)`` transfers, the way the script computes it.

    The first transfer is left out when there are others: it pays for the
    connection set-up and TCP slow start, which would make every connection
    look slow. Total bits over total time, not a mean of rates, so a large
    payload counts for more than a small one.
    """
    usable = [(b, ms) for b, ms in transfers if b > 0 and ms > 0]
    if len(usable) > 1:
        usable = usable[1:]
    total_ms = sum(ms for _, ms in usable)
    if not usable or total_ms <= 0:
        return None
    return sum(b for b, _ in usable) * 8 / total_ms  # bytes·8 / ms = kbit/s


def latency_ms(samples: Sequence[float]) -> float | None:
    """The median round trip: one slow sample (a radio waking up) must not decide it."""
    return float(statistics.median(samples)) if samples else None


def jitter(samples: Sequence[float]) -> float | None:
    """Mean absolute difference of consecutive round trips (the idea of RFC 3550's jitter).

    It is what a video call feels: not how long packets take, but how much that varies.
    """
    if len(samples) < 2:
        return None
    return sum(abs(b - a) for a, b in zip(samples, samples[1:])) / (len(samples) - 1)


# -- the result --------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ProbeResult:
    """A validated probe result. A measurement is None when the script could not take it
    (a request timed out, an API is missing); scoring then leans on the self-report."""

    download_kbps: float | None
    upload_kbps: float | None
    #: Median round trip of ``samples`` requests, and the jitter between them.
    latency_ms: float | None
    jitter_ms: float | None
    samples: int
    screen_width: int
    screen_height: int
    user_agent: str
    #: None: the browser could not tell (no mediaDevices API).
    has_camera: bool | None
    has_microphone: bool | None
    #: ``granted`` / ``denied`` / ``prompt`` / ``unsupported``, or None if not asked.
    camera_permission: str | None
    microphone_permission: str | None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ProbeResult:
        """A stored result back (validated again: stored JSON is input too)."""
        return validate_probe(data)


FIELDS = tuple(f.name for f in dataclasses.fields(ProbeResult))


def parse_probe(body: bytes | str) -> ProbeResult:
    """A probe result from the request body. Raises ProbeInvalid."""
    size = len(body.encode("utf-8", "surrogatepass")) if isinstance(body, str) else len(body)
    if size > MAX_PROBE_BYTES:
        raise ProbeInvalid({"$": f"larger than {MAX_PROBE_BYTES} bytes"})
    try:
        text = body if isinstance(body, str) else body.decode(json.detect_encoding(body))
    except (UnicodeDecodeError, LookupError):
        raise ProbeInvalid({"$": "not JSON"}) from None
    if _nesting_exceeds(text, MAX_JSON_DEPTH):
        raise ProbeInvalid({"$": f"nested deeper than {MAX_JSON_DEPTH} levels"})
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except ValueError:
        raise ProbeInvalid({"$": "not JSON"}) from None
    return validate_probe(data)


def _nesting_exceeds(text: str, limit: int) -> bool:
    """Whether JSON text opens more than ``limit`` arrays or objects inside each other.

    A linear scan that skips strings (brackets in them do not count), run
    before the recursive parser so that the parser never meets a deep document.
    Malformed text is left for the parser to refuse.
    """
    depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return True
        elif ch in "]}":
            depth -= 1
    return False


def validate_probe(data: Any) -> ProbeResult:
    """Check every field; raise ProbeInvalid naming each bad one, or return the result."""
    if not isinstance(data, Mapping):
        raise ProbeInvalid({"$": "must be a JSON object"})
    errors: dict[str, str] = {}
    for key in data:
        if key not in FIELDS:
            errors[str(key)[:40]] = "unknown field"
    for key in FIELDS:
        if key not in data:
            errors[key] = "required (null when not measured)" if key not in _NOT_NULL else "required"

    values: dict[str, Any] = {}

    def check(name: str, fn: Callable[[Any], Any]) -> None:
        if name in errors or name not in data:
            return
        try:
            values[name] = fn(data[name])
        except _Bad as bad:
            errors[name] = str(bad)

    check("download_kbps", lambda v: _measure(v, MAX_KBPS))
    check("upload_kbps", lambda v: _measure(v, MAX_KBPS))
    check("latency_ms", lambda v: _measure(v, MAX_MS))
    check("jitter_ms", lambda v: _measure(v, MAX_MS))
    check("samples", lambda v: _whole(v, 0, MAX_SAMPLES))
    check("screen_width", lambda v: _whole(v, 1, MAX_SCREEN))
    check("screen_height", lambda v: _whole(v, 1, MAX_SCREEN))
    check("user_agent", _user_agent)
    check("has_camera", _flag)
    check("has_microphone", _flag)
    check("camera_permission", _permission)
    check("microphone_permission", _permission)

    if not errors:
        if values["latency_ms"] is not None and values["samples"] < 1:
            errors["samples"] = "a latency needs at least one sample"
        if values["jitter_ms"] is not None and values["samples"] < 2:
            errors["samples"] = "a jitter needs at least two samples"
    if errors:
        raise ProbeInvalid(errors)
    return ProbeResult(**values)


_NOT_NULL = {"samples", "screen_width", "screen_height", "user_agent"}


class _Bad(Exception):
    pass


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


def _measure(value: Any, high: float) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad("must be a number or null")
    if not math.isfinite(value) or not 0 <= value <= high:
        raise _Bad(f"must be between 0 and {high:g}")
    return float(value)


def _whole(value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Bad("must be a whole number")
    if not low <= value <= high:
        raise _Bad(f"must be between {low} and {high}")
    return value


def _user_agent(value: Any) -> str:
    """Kept for staff to recognise a browser; cut short and stripped of control characters."""
    if not isinstance(value, str):
        raise _Bad("must be text")
    printable = "".join(ch for ch in value if ch.isprintable())
    return " ".join(printable.split())[:MAX_USER_AGENT]


def _flag(value: object) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise _Bad("must be true, false or null")
    return value


def _permission(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in PERMISSION_STATES:
        raise _Bad(f"must be one of {', '.join(PERMISSION_STATES)} or null")
    return value
