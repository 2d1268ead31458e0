"""Scoring: every score within 0–100, never lower for a better answer, bands exactly at their thresholds."""

import dataclasses

import pytest
from hypothesis import assume, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from activities.readiness.areas import AREAS, DIGCOMP_AREAS, SECTION_OF, Band
from activities.readiness.exceptions import SettingsInvalid
from activities.readiness.instrument import load_instrument
from activities.readiness.probe import validate_probe
from activities.readiness.scoring import (
    band_for,
    delay_score,
    overall_index,
    piecewise,
    score_attempt,
    throughput_score,
)
from activities.readiness.settings import validate_settings

from .conftest import CODE, GOOD_DEVICE, POOR_DEVICE, probe_result, skills_answers

INSTRUMENT = load_instrument()
ALL_DONE = {"upload": True, "find_code": True}
FAST = hyp_settings(max_examples=60, deadline=None)


def score(settings=None, *, answers=None, self_report=GOOD_DEVICE, probe=None, tasks=ALL_DONE):
    settings = settings or validate_settings({"find_code": CODE})
    return score_attempt(INSTRUMENT, settings, answers=skills_answers() if answers is None else answers,
                         self_report=self_report, probe=probe, tasks=tasks)


# -- strategies --------------------------------------------------------------


def _skills():
    parts = {}
    for area in INSTRUMENT.areas:
        parts[area.self_rating.id] = st.none() | st.integers(INSTRUMENT.scale_min, INSTRUMENT.scale_max)
        for item in area.items:
            parts[item.id] = st.none() | st.sampled_from([o.id for o in item.options])
    return st.fixed_dictionaries(parts)


def _device():
    parts = {}
    for item in INSTRUMENT.device_items:
        ids = [o.id for o in item.options]
        if item.kind == "single":
            parts[item.id] = st.sampled_from(ids)
        else:
            shared = [o.id for o in item.options if not o.exclusive]
            alone = [[o.id] for o in item.options if o.exclusive]
            parts[item.id] = st.lists(st.sampled_from(shared), min_size=1, unique=True) | st.sampled_from(alone)
    return st.fixed_dictionaries(parts)


def _measure(high):
    return st.none() | st.floats(0, high, allow_nan=False)


def _probe():
    return st.none() | st.builds(
        lambda down, up, latency, jitter, camera, mic: validate_probe(probe_result(
            download_kbps=down, upload_kbps=up, latency_ms=latency, jitter_ms=jitter,
            has_camera=camera, has_microphone=mic)),
        _measure(200_000), _measure(100_000), _measure(5_000), _measure(2_000),
        st.none() | st.booleans(), st.none() | st.booleans(),
    )


def _settings():
    def build(sections, weights, knowledge, ready, gap, code):
        try:
            return validate_settings({"sections": sections, "weights": dict(zip(AREAS, weights)),
                                      "knowledge_weight": knowledge, "ready_threshold": ready,
                                      "supported_threshold": max(0, ready - gap), "find_code": code})
        except SettingsInvalid:
            return None

    return st.builds(
        build,
        st.lists(st.sampled_from(["device", "skills", "lms"]), min_size=1, unique=True),
        st.lists(st.floats(0, 100, allow_nan=False), min_size=len(AREAS), max_size=len(AREAS)),
        st.floats(0.5, 1), st.integers(1, 100), st.integers(1, 60), st.sampled_from(["", CODE]),
    ).filter(lambda s: s is not None)


_tasks = st.fixed_dictionaries({"upload": st.booleans(), "find_code": st.booleans()})


# -- properties --------------------------------------------------------------


@FAST
@given(_settings(), _skills(), _device(), _probe(), _tasks)
def test_every_score_is_between_0_and_100_and_the_band_matches_the_index(settings, answers, device, probe, tasks):
    profile = score(settings, answers=answers, self_report=device, probe=probe, tasks=tasks)
    for area, value in profile.areas.items():
        if settings.has_section(SECTION_OF[area]) and (area != "lms" or settings.active_tasks):
            assert value is not None and 0 <= value <= 100
        else:
            assert value is None
    assert 0 <= profile.index <= 100
    assert profile.band is band_for(profile.index, settings)


@FAST
@given(_settings(), _skills(), _device(), _probe(), _tasks, st.data())
def test_a_right_answer_instead_of_a_wrong_one_never_lowers_a_score(settings, answers, device, probe, tasks, data):
    knowledge = [item for area in INSTRUMENT.areas for item in area.items if answers[item.id] != item.answer]
    assume(knowledge)
    item = data.draw(st.sampled_from(knowledge))
    before = score(settings, answers=answers, self_report=device, probe=probe, tasks=tasks)
    after = score(settings, answers={**answers, item.id: item.answer}, self_report=device, probe=probe, tasks=tasks)
    assert after.index >= before.index
    for area in AREAS:
        if before.areas[area] is not None:
            assert after.areas[area] >= before.areas[area]


@FAST
@given(_settings(), _skills(), _device(), _probe(), _tasks)
def test_more_right_answers_give_a_higher_skill_score_when_skills_count(settings, answers, device, probe, tasks):
    assume(settings.has_section("skills"))
    all_right = score(settings, answers={**answers, **{i.id: i.answer for a in INSTRUMENT.areas for i in a.items}},
                      self_report=device, probe=probe, tasks=tasks)
    given_ = score(settings, answers=answers, self_report=device, probe=probe, tasks=tasks)
    for area in DIGCOMP_AREAS:
        assert all_right.areas[area] >= given_.areas[area]


@FAST
@given(_settings(), _device(), st.floats(0, 50_000), st.floats(0, 50_000))
def test_a_faster_download_never_lowers_the_connection_score(settings, device, slow, extra):
    assume(settings.has_section("device"))
    before = score(settings, self_report=device, probe=validate_probe(probe_result(download_kbps=slow)))
    after = score(settings, self_report=device, probe=validate_probe(probe_result(download_kbps=slow + extra)))
    assert after.areas["connection"] >= before.areas["connection"]
    assert after.index >= before.index


@FAST
@given(_settings(), _skills(), _device(), _probe())
def test_doing_a_task_never_lowers_the_index(settings, answers, device, probe):
    none_done = score(settings, answers=answers, self_report=device, probe=probe, tasks={})
    done = score(settings, answers=answers, self_report=device, probe=probe, tasks=ALL_DONE)
    assert done.index >= none_done.index


# -- examples ----------------------------------------------------------------


def test_a_well_equipped_skilled_learner_who_did_both_tasks_is_ready():
    profile = score(answers=skills_answers(rating=5), probe=validate_probe(probe_result()))
    assert profile.areas == {area: 100.0 for area in AREAS}
    assert profile.index == 100.0 and profile.band is Band.READY


def test_a_learner_with_a_phone_on_a_weak_line_who_knows_little_is_not_ready():
    slow = validate_probe(probe_result(download_kbps=400, upload_kbps=150, latency_ms=700, jitter_ms=120,
                                       has_camera=True, has_microphone=True))
    profile = score(answers=skills_answers(right=False, rating=2), self_report=POOR_DEVICE, probe=slow,
                    tasks={"upload": False, "find_code": False})
    assert profile.band is Band.NOT_READY
    assert profile.areas["lms"] == 0
    assert profile.areas["connection"] < 30
    assert profile.areas["safety"] == 7.5  # 0.3 × rating 2 of 5 (25) + 0.7 × no right answer


@pytest.mark.parametrize("index, band", [
    (100, Band.READY), (75, Band.READY), (74.9, Band.READY_WITH_SUPPORT),
    (50, Band.READY_WITH_SUPPORT), (49.9, Band.NOT_READY), (0, Band.NOT_READY),
])
def test_bands_start_exactly_at_their_thresholds(index, band):
    assert band_for(index, validate_settings({})) is band


def test_bands_follow_the_configured_thresholds():
    settings = validate_settings({"ready_threshold": 90, "supported_threshold": 60})
    assert band_for(89.9, settings) is Band.READY_WITH_SUPPORT
    assert band_for(90, settings) is Band.READY
    assert band_for(59.9, settings) is Band.NOT_READY


def test_knowledge_counts_more_than_the_self_rating():
    modest_expert = score(answers=skills_answers(right=True, rating=1))
    confident_novice = score(answers=skills_answers(right=False, rating=5))
    assert modest_expert.areas["safety"] == 70.0
    assert confident_novice.areas["safety"] == 30.0


def test_without_a_probe_the_self_report_alone_scores_the_connection():
    told = score(self_report={**GOOD_DEVICE, "data_quota": "5_10"}, probe=None)
    assert told.areas["connection"] == pytest.approx((100 + 45 + 100) / 3, abs=0.05)


def test_a_probe_weighs_more_than_the_self_report_on_the_connection():
    slow = validate_probe(probe_result(download_kbps=0, upload_kbps=0, latency_ms=5000, jitter_ms=2000))
    assert score(probe=slow).areas["connection"] == 40.0  # only the 40% self-report share remains


def test_unmeasured_probe_figures_are_left_out_rather_than_scored_zero():
    partial = validate_probe(probe_result(upload_kbps=None, jitter_ms=None))
    assert score(probe=partial).areas["connection"] == 100.0


def test_a_missing_camera_lowers_the_device_score_only_when_the_browser_could_tell():
    unknown = score(probe=validate_probe(probe_result(has_camera=None, has_microphone=None)))
    missing = score(probe=validate_probe(probe_result(has_camera=False, has_microphone=True)))
    assert unknown.areas["device"] == 100.0
    assert missing.areas["device"] == pytest.approx(100 * 5.5 / 6, abs=0.05)


def test_the_best_device_counts_when_several_are_available():
    phone_only = score(self_report={**GOOD_DEVICE, "devices": ["smartphone"]})
    phone_and_laptop = score(self_report={**GOOD_DEVICE, "devices": ["smartphone", "laptop"]})
    assert phone_and_laptop.areas["device"] == 100.0
    assert phone_only.areas["device"] == pytest.approx((3 * 40 + 100 + 100) / 5)


def test_sections_left_out_are_not_scored_and_the_index_is_renormalised():
    settings = validate_settings({"sections": ["skills"]})
    profile = score(settings, answers=skills_answers(rating=5), self_report={}, tasks={})
    assert profile.areas["device"] is profile.areas["connection"] is profile.areas["lms"] is None
    assert profile.index == 100.0


def test_find_the_code_does_not_count_until_staff_set_the_code():
    profile = score(validate_settings({}), tasks={"upload": True, "find_code": False})
    assert profile.areas["lms"] == 100.0


def test_the_index_is_the_weighted_mean_of_the_assessed_areas():
    areas = {area: None for area in AREAS} | {"device": 100.0, "safety": 0.0}
    assert overall_index(areas, {"device": 1, "safety": 3}) == 25.0
    assert overall_index(areas, {"lms": 1}) == 50.0  # no assessed area is weighted: plain mean
    assert overall_index({area: None for area in AREAS}, {"lms": 1}) == 0.0


def test_throughput_passes_at_the_minimum_and_is_full_at_twice_it():
    assert throughput_score(0, 1500) == 0
    assert throughput_score(750, 1500) == 30
    assert throughput_score(1500, 1500) == 60
    assert throughput_score(3000, 1500) == throughput_score(90_000, 1500) == 100


def test_delay_is_full_up_to_half_the_maximum_and_zero_at_twice_it():
    assert delay_score(10, 300) == delay_score(150, 300) == 100
    assert delay_score(300, 300) == 60
    assert delay_score(450, 300) == 30
    assert delay_score(600, 300) == delay_score(9000, 300) == 0


def test_piecewise_is_flat_beyond_its_ends():
    points = [(10, 0), (20, 100)]
    assert piecewise(5, points) == 0 and piecewise(15, points) == 50 and piecewise(25, points) == 100


def test_scoring_is_deterministic():
    probe = validate_probe(probe_result(download_kbps=1234.5, jitter_ms=33.3))
    first = score(self_report=POOR_DEVICE, probe=probe, answers=skills_answers(rating=3))
    again = score(self_report=dict(POOR_DEVICE), probe=dataclasses.replace(probe),
                  answers=skills_answers(rating=3))
    assert first == again
