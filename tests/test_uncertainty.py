"""Verdicts of cnnlesson.uncertainty: never 'best' or 'worse' within two standard errors."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnlesson.uncertainty import INCONCLUSIVE, compare_accuracies, n_test_images, standard_error

accuracy = st.floats(min_value=0.0, max_value=1.0)


@given(a=accuracy, b=accuracy, n=st.integers(min_value=1, max_value=100_000))
def test_a_verdict_needs_more_than_two_standard_errors(a, b, n):
    first, second = compare_accuracies({"a": a, "b": b}, n)
    two_se = 2 * math.hypot(standard_error(a, n), standard_error(b, n))
    if abs(a - b) <= two_se:
        assert first.verdict == second.verdict == INCONCLUSIVE
    else:
        winner, loser = (first, second) if a > b else (second, first)
        assert (winner.verdict, loser.verdict) == ("best", f"worse than {winner.name}")


def test_a_short_schedule_decides_nothing():
    verdicts = compare_accuracies({"a": 0.9, "b": 0.1, "c": 0.5}, 10_000, decisive=False)
    assert {v.verdict for v in verdicts} == {INCONCLUSIVE}


def test_best_needs_a_lead_over_every_other():
    verdicts = compare_accuracies({"a": 0.70, "b": 0.695, "c": 0.40}, 10_000)
    assert [v.verdict for v in verdicts] == [INCONCLUSIVE, INCONCLUSIVE, "worse than a"]


@pytest.mark.parametrize("bad", [{"only": 0.5}, {"a": 1.5, "b": 0.5}])
def test_bad_input_is_refused(bad):
    with pytest.raises(ValueError):
        compare_accuracies(bad, 100)


def test_test_set_size_of_a_schedule():
    assert n_test_images({"subset": None}) == 10_000
    with pytest.raises(ValueError, match="subset"):
        n_test_images({"subset": 0})
