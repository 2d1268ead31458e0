"""From answers, probe and tasks to a profile: area scores 0–100, an index 0–100, a band.

Pure functions of their inputs, so a result can be recomputed and explained
at any time. Every score is a weighted mean of parts scored 0–100, and every
part only grows with a better answer, a faster connection or a task done:
so scores stay within 0–100 and never fall when a learner does better.

The rules, and why:

* **Skill areas** (DigComp) mix the self-rating and the knowledge items,
  the knowledge items weighted more (``knowledge_weight``, at least one
  half): people misjudge themselves in both directions, a right answer is
  evidence.
* **Connection** mixes what the probe measured with what the learner told:
  the probe is a fact but a snapshot of one moment and place; the
  self-report covers the month (data quota) and the usual day (stability).
  Without a probe (no JavaScript) the self-report alone decides.
* **Device** is the self-report (the best device available, headset, power)
  and, if the browser could tell, whether a camera and microphone exist.
* **LMS** is the share of the active micro-tasks done, nothing self-rated.
* An area whose section is not part of the check is None: not zero, so
  that it neither drags the index down nor shows as a weakness.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from .areas import AREAS, Band
from .instrument import ChoiceItem, Instrument, SkillArea
from .probe import ProbeResult
from .settings import ReadinessSettings

#: Shares inside the connection's probe part. Download first: most of a
#: blended course is watching and reading; latency next: it decides whether a
#: live conversation works at all.
PROBE_PARTS = {"download": 0.40, "upload": 0.20, "latency": 0.25, "jitter": 0.15}
#: The probe's share of the connection score when there is one.
PROBE_SHARE = 0.6
#: Weight of "a camera and microphone exist" next to the device self-report items
#: (whose weights the instrument gives: devices 3, headset 1, power 1).
CAMERA_MIC_WEIGHT = 1.0


@dataclasses.dataclass(frozen=True)
class Profile:
    #: Every area of :data:`AREAS`; None if not assessed. Rounded to one decimal.
    areas: dict[str, float | None]
    #: Rounded to one decimal; the band is read from this rounded value, so
    #: what the learner sees (74.96 shows as 75.0) and the band agree.
    index: float
    band: Band


def score_attempt(
    instrument: Instrument,
    settings: ReadinessSettings,
    *,
    answers: Mapping[str, Any],
    self_report: Mapping[str, Any],
    probe: ProbeResult | None,
    tasks: Mapping[str, bool],
) -> Profile:
    """The profile of one attempt. ``tasks`` maps each LMS task to whether it was done."""
    raw: dict[str, float | None] = {area: None for area in AREAS}
    if settings.has_section("device"):
        raw["device"] = device_score(instrument, self_report, probe)
        raw["connection"] = connection_score(instrument, settings, self_report, probe)
    if settings.has_section("skills"):
        for area in instrument.areas:
            raw[area.id] = skill_score(instrument, area, answers, settings.knowledge_weight)
    if settings.has_section("lms"):
        raw["lms"] = lms_score(settings.active_tasks, tasks)
    index = round(overall_index(raw, settings.weights), 1)
    areas = {area: (None if score is None else round(score, 1)) for area, score in raw.items()}
    return Profile(areas=areas, index=index, band=band_for(index, settings))


# -- areas -------------------------------------------------------------------


def skill_score(instrument: Instrument, area: SkillArea, answers: Mapping[str, Any], knowledge_weight: float) -> float:
    """A DigComp area: ``knowledge_weight`` × share of right answers + the rest × self-rating.

    The rating runs from the scale's bottom (0) to its top (100). An
    unanswered knowledge item counts as wrong; a missing rating leaves the
    knowledge items alone to decide (submission asks for both, so this is
    only for partial data).
    """
    right = sum(1 for item in area.items if answers.get(item.id) == item.answer)
    knowledge = 100.0 * right / len(area.items)
    rating = answers.get(area.self_rating.id)
    if not isinstance(rating, int) or isinstance(rating, bool):
        return knowledge
    low, high = instrument.scale_min, instrument.scale_max
    rated = 100.0 * (min(max(rating, low), high) - low) / (high - low)
    return knowledge_weight * knowledge + (1 - knowledge_weight) * rated


def device_score(instrument: Instrument, self_report: Mapping[str, Any], probe: ProbeResult | None) -> float | None:
    """Weighted mean of the device self-report items and, when known, camera and microphone."""
    parts = [(choice_score(item, self_report.get(item.id)), item.weight)
             for item in instrument.device_items if item.area == "device"]
    if probe is not None:
        known = [flag for flag in (probe.has_camera, probe.has_microphone) if flag is not None]
        if known:
            parts.append((100.0 * sum(known) / len(known), CAMERA_MIC_WEIGHT))
    return weighted_mean(parts)


def connection_score(
    instrument: Instrument, settings: ReadinessSettings, self_report: Mapping[str, Any], probe: ProbeResult | None
) -> float | None:
    """``PROBE_SHARE`` × the probe's figures + the rest × the connection self-report."""
    told = weighted_mean((choice_score(item, self_report.get(item.id)), item.weight)
                         for item in instrument.device_items if item.area == "connection")
    measured = probe_score(settings, probe) if probe is not None else None
    if measured is None:
        return told
    if told is None:
        return measured
    return PROBE_SHARE * measured + (1 - PROBE_SHARE) * told


def probe_score(settings: ReadinessSettings, probe: ProbeResult) -> float | None:
    """The probe's figures against the activity's thresholds; figures not measured are left out."""
    return weighted_mean([
        (_maybe(throughput_score, probe.download_kbps, settings.min_download_kbps), PROBE_PARTS["download"]),
        (_maybe(throughput_score, probe.upload_kbps, settings.min_upload_kbps), PROBE_PARTS["upload"]),
        (_maybe(delay_score, probe.latency_ms, settings.max_latency_ms), PROBE_PARTS["latency"]),
        (_maybe(delay_score, probe.jitter_ms, settings.max_jitter_ms), PROBE_PARTS["jitter"]),
    ])


def lms_score(active_tasks: Sequence[str], tasks: Mapping[str, bool]) -> float | None:
    """Share of the active tasks done; None when no task is active (nothing was asked)."""
    if not active_tasks:
        return None
    return 100.0 * sum(1 for task in active_tasks if tasks.get(task) is True) / len(active_tasks)


# -- figures -----------------------------------------------------------------


def throughput_score(kbps: float, minimum: float) -> float:
    """0 at nothing, 60 at the minimum for video, 100 at twice it.

    Meeting the minimum is a pass, not a comfort: a household or office shares
    the line, so full marks need headroom.
    """
    return piecewise(kbps, [(0, 0), (minimum, 60), (2 * minimum, 100)])


def delay_score(ms: float, maximum: float) -> float:
    """100 up to half the maximum, 60 at the maximum, 0 at twice it (lower is better)."""
    return piecewise(ms, [(maximum / 2, 100), (maximum, 60), (2 * maximum, 0)])


def choice_score(item: ChoiceItem, value: Any) -> float | None:
    """Points of the chosen option; of a multiple choice, the best option chosen
    (a laptop and a phone are as good as a laptop: one device is used at a time)."""
    chosen = value if isinstance(value, (list, tuple)) else [value]
    points = [option.points for option in map(item.option, chosen) if option is not None and option.points is not None]
    return max(points) if points else None


# -- the index and the band --------------------------------------------------


def overall_index(areas: Mapping[str, float | None], weights: Mapping[str, float]) -> float:
    """Weighted mean of the assessed areas, the weights renormalised over them.

    Renormalising keeps the index on 0–100 when a section is left out or a
    task is not set up yet. If no assessed area has a weight (only possible
    while the LMS area is the only weighted one and has no active task), the
    plain mean of the assessed areas stands in; with none assessed, 0.
    """
    scored = {area: score for area, score in areas.items() if score is not None}
    weighted = weighted_mean((score, weights.get(area, 0.0)) for area, score in scored.items())
    if weighted is not None:
        return weighted
    return sum(scored.values()) / len(scored) if scored else 0.0


def band_for(index: float, settings: ReadinessSettings) -> Band:
    if index >= settings.ready_threshold:
        return Band.READY
    if index >= settings.supported_threshold:
        return Band.READY_WITH_SUPPORT
    return Band.NOT_READY


# -- helpers -----------------------------------------------------------------


def piecewise(x: float, points: Sequence[tuple[float, float]]) -> float:
    """Linear interpolation through ``points`` (x ascending), flat beyond both ends."""
    if x <= points[0][0]:
        return float(points[0][1])
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        if x <= x1:
            return float(y0 + (y1 - y0) * (x - x0) / (x1 - x0))
    return float(points[-1][1])


def weighted_mean(parts: Iterable[tuple[float | None, float]]) -> float | None:
    """Mean of the known scores by weight; None when no part with a weight is known."""
    known = [(score, weight) for score, weight in parts if score is not None and weight > 0]
    total = sum(weight for _, weight in known)
    if not total:
        return None
    # Clamped: float rounding must not let a mean of 100s come out as 100.00000000000001.
    return min(100.0, max(0.0, sum(score * weight for score, weight in known) / total))


def _maybe(fn: Callable[[float, float], float], value: float | None, threshold: float) -> float | None:
    return None if value is None else fn(value, threshold)

