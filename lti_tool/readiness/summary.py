"""Measured figures in words a learner reads: "12.5 Mbps", "45 ms", "camera: yes".

Used by the probe's JSON answer (the script shows it at once) and by the pages
that show a stored probe result, so both say the same.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from activities.readiness.service import ProbeResult

from ..web.formatting import number


def speed(kbps: float | None) -> str:
    if kbps is None:
        return _("not measured")
    if kbps >= 1000:
        return _("%(n)s Mbps", n=number(kbps / 1000))
    return _("%(n)s kbps", n=number(round(kbps)))


def delay(ms: float | None) -> str:
    return _("not measured") if ms is None else _("%(n)s ms", n=number(round(ms)))


def presence(flag: bool | None) -> str:
    if flag is None:
        return _("unknown")
    return _("yes") if flag else _("no")


def probe_lines(result: ProbeResult | Mapping[str, Any]) -> list[tuple[str, str]]:
    """(label, value) pairs of a probe result, for a definition list."""
    get = result.get if isinstance(result, Mapping) else lambda name: getattr(result, name)
    return [
        (_("Download speed"), speed(get("download_kbps"))),
        (_("Upload speed"), speed(get("upload_kbps"))),
        (_("Response time (latency)"), delay(get("latency_ms"))),
        (_("Variation (jitter)"), delay(get("jitter_ms"))),
        (_("Screen"), f"{get('screen_width')} × {get('screen_height')}"),
        (_("Camera"), presence(get("has_camera"))),
        (_("Microphone"), presence(get("has_microphone"))),
    ]


def probe_summary(result: ProbeResult | Mapping[str, Any]) -> str:
    """One line, for the page's live region after the probe ran."""
    return "; ".join(f"{label}: {value}" for label, value in probe_lines(result)[:4]) + "."
