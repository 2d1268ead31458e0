"""Rubric scoring: a complete selection of known levels, points scaled to the gradebook maximum."""

import pytest

from activities.coaching.exceptions import (
    ScoreOutOfRange,
    ScoringModeMismatch,
    SelectionIncomplete,
    SelectionUnknown,
    SettingsInvalid,
)
from activities.coaching.rubric import Rubric

from .conftest import RUBRIC


@pytest.fixture
def rubric():
    return Rubric.from_dict(RUBRIC)


def test_max_points_is_the_sum_of_each_criterions_best_level(rubric):
    assert rubric.max_points == 10


def test_a_complete_selection_scores_the_sum_of_its_levels(rubric):
    assert rubric.score({"analysis": "good", "action": "good"}) == 8
    assert rubric.score({"analysis": "weak", "action": "weak"}) == 1


def test_an_incomplete_selection_is_refused_and_names_what_is_missing(rubric):
    with pytest.raises(SelectionIncomplete) as excinfo:
        rubric.score({"analysis": "good"})
    assert excinfo.value.missing == ["action"]


@pytest.mark.parametrize("selection", [
    {"analysis": "good", "action": "good", "style": "good"},
    {"analysis": "excellent", "action": "good"},
])
def test_unknown_criteria_or_levels_are_refused(rubric, selection):
    with pytest.raises(SelectionUnknown):
        rubric.score(selection)


def test_points_scale_to_the_activity_maximum(rubric):
    assert rubric.scale(8, 100) == 80
    assert rubric.scale(10, 20) == 20
    assert Rubric.from_dict({"type": "simple", "maximum": 30}).scale(20, 100) == 66.67


def test_a_simple_rubric_takes_a_score_within_its_maximum():
    simple = Rubric.simple(50)
    assert simple.points(score=42) == 42
    for bad in (-1, 50.5, float("nan"), True):
        with pytest.raises(ScoreOutOfRange):
            simple.points(score=bad)
    with pytest.raises(ScoringModeMismatch):
        simple.points(selection={"analysis": "good"})


def test_a_criteria_rubric_wants_a_selection_not_a_bare_score(rubric):
    with pytest.raises(ScoringModeMismatch):
        rubric.points(score=8)
    assert rubric.points() is None


def test_missing_ids_are_given_by_position_and_round_trip():
    rubric = Rubric.from_dict({"criteria": [
        {"title": "Kerapian", "levels": [{"label": "Kurang", "points": "0"}, {"label": "Baik", "points": 2}]},
    ]})
    assert [c.id for c in rubric.criteria] == ["c1"]
    assert [lvl.id for lvl in rubric.criteria[0].levels] == ["l1", "l2"]
    assert Rubric.from_dict(rubric.to_dict()) == rubric


@pytest.mark.parametrize("criteria, field", [
    ([{"title": "", "levels": [{"label": "a", "points": 0}, {"label": "b", "points": 1}]}], "rubric.criteria[0].title"),
    ([{"title": "x", "levels": [{"label": "a", "points": 1}]}], "rubric.criteria[0].levels"),
    ([{"title": "x", "levels": [{"label": "a", "points": -1}, {"label": "b", "points": 1}]}],
     "rubric.criteria[0].levels[0].points"),
    ([{"title": "x", "levels": [{"id": "a", "label": "a", "points": 0}, {"id": "a", "label": "b", "points": 1}]}],
     "rubric.criteria[0].levels"),
    ([{"title": "x", "levels": [{"label": "a", "points": 0}, {"label": "b", "points": 0}]}], "rubric"),
    ([{"id": "../x", "title": "x", "levels": [{"label": "a", "points": 0}, {"label": "b", "points": 1}]}],
     "rubric.criteria[0].id"),
])
def test_invalid_rubrics_name_the_field(criteria, field):
    with pytest.raises(SettingsInvalid) as excinfo:
        Rubric.from_dict({"type": "criteria", "criteria": criteria})
    assert excinfo.value.field == field


def test_a_conversion_example_is_given_only_when_the_total_differs_from_the_columns_maximum():
    sixteen = Rubric.from_dict({"type": "criteria", "criteria": [
        {"title": "A", "levels": [{"label": "x", "points": 0}, {"label": "y", "points": 8}]},
        {"title": "B", "levels": [{"label": "x", "points": 0}, {"label": "y", "points": 8}]},
    ]})
    assert sixteen.conversion_example(40) == (12.0, 30.0)
    assert Rubric.simple(100).conversion_example(40) == (75.0, 30.0)
    assert Rubric.simple(40).conversion_example(40) is None
    assert Rubric.simple(2).conversion_example(10) == (1.5, 7.5)
