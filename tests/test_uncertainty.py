"""Verdicts of cnnlesson.uncertainty: one rule decides every word that judges a difference."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnlesson.uncertainty import (
    BEYOND_NOISE,
    INCONCLUSIVE,
    TOO_SHORT,
    accuracy_change,
    compare_accuracies,
    n_test_images,
    standard_error,
    verdict,
)

accuracy = st.floats(min_value=0.0, max_value=1.0)
SE = 0.01   # the standard error of a difference, for the rule's own tests


@pytest.mark.parametrize(("apart", "word"), [(0, INCONCLUSIVE), (1, INCONCLUSIVE),
                                             (2, INCONCLUSIVE), (4, BEYOND_NOISE)])
def test_the_rule_needs_more_than_two_standard_errors(apart, word):
    # Exactly two standard errors apart is not more than two.
    assert verdict(apart * SE, SE) == word
    assert verdict(-apart * SE, SE) == word


@pytest.mark.parametrize("apart", [0, 1, 2, 4])
def test_a_short_schedule_is_too_short_to_decide_however_far_apart(apart):
    assert verdict(apart * SE, SE, decisive=False) == TOO_SHORT


@pytest.mark.parametrize(("difference", "error"), [(float("nan"), SE), (0.01, -SE),
                                                    (0.01, float("inf")), ("0.01", SE)])
def test_the_rule_refuses_what_is_not_a_measurement(difference, error):
    with pytest.raises(ValueError, match="difference|standard_error"):
        verdict(difference, error)


def _two_variants(apart, n=10_000, low=0.5):
    """Two accuracies ``apart`` standard errors of their difference apart, on ``n`` images."""
    high = low
    for _ in range(50):   # the difference's standard error depends on ``high`` itself
        high = low + apart * math.hypot(standard_error(low, n), standard_error(high, n))
    return {"a": high, "b": low}


@pytest.mark.parametrize(("apart", "words"), [(0, [INCONCLUSIVE] * 2),
                                              (1, [INCONCLUSIVE] * 2),
                                              (4, ["best", "worse than a"])])
def test_a_comparison_words_its_variants_by_the_rule(apart, words):
    verdicts = compare_accuracies(_two_variants(apart), 10_000)
    assert [v.verdict for v in verdicts] == words
    assert verdicts[1].behind_best == pytest.approx(apart, abs=1e-6)


@pytest.mark.parametrize("apart", [0, 1, 4])
def test_a_comparison_on_a_short_schedule_is_too_short_to_decide(apart):
    # Four standard errors apart on a schedule too short to decide: never "inconclusive".
    verdicts = compare_accuracies(_two_variants(apart), 10_000, decisive=False)
    assert [v.verdict for v in verdicts] == [TOO_SHORT, TOO_SHORT]
    assert verdicts[1].behind_best == pytest.approx(apart, abs=1e-6)


@pytest.mark.parametrize("apart", [0, 1, 4])
@pytest.mark.parametrize("decisive", [True, False])
def test_a_change_and_a_comparison_give_the_same_word(apart, decisive):
    pair = _two_variants(apart)
    change = accuracy_change(pair["b"], pair["a"], 10_000, decisive=decisive)
    assert change.verdict == verdict(change.difference, change.standard_error,
                                     decisive=decisive)
    winner = compare_accuracies(pair, 10_000, decisive=decisive)[0].verdict
    assert (change.verdict == BEYOND_NOISE) == (winner == "best")


@given(a=accuracy, b=accuracy, n=st.integers(min_value=1, max_value=100_000))
def test_a_verdict_needs_more_than_two_standard_errors(a, b, n):
    first, second = compare_accuracies({"a": a, "b": b}, n)
    two_se = 2 * math.hypot(standard_error(a, n), standard_error(b, n))
    if abs(a - b) <= two_se:
        assert first.verdict == second.verdict == INCONCLUSIVE
    else:
        winner, loser = (first, second) if a > b else (second, first)
        assert (winner.verdict, loser.verdict) == ("best", f"worse than {winner.name}")


def test_best_needs_a_lead_over_every_other():
    verdicts = compare_accuracies({"a": 0.70, "b": 0.695, "c": 0.40}, 10_000)
    assert [v.verdict for v in verdicts] == [INCONCLUSIVE, INCONCLUSIVE, "worse than a"]


@pytest.mark.parametrize("bad", [{"only": 0.5}, {"a": 1.5, "b": 0.5},
                                 {"a": float("nan"), "b": 0.5}])
def test_bad_input_is_refused(bad):
    with pytest.raises(ValueError):
        compare_accuracies(bad, 100)


def test_test_set_size_of_a_schedule():
    assert n_test_images({"subset": None}) == 10_000
    assert n_test_images({"subset": 2_000}) == 2_000
    with pytest.raises(ValueError, match="subset"):
        n_test_images({"subset": 0})


@pytest.mark.parametrize("subset", [10_000, 20_000, 50_000])
def test_the_test_count_never_exceeds_the_test_split(subset):
    # Training on 20,000 images tests on the first 20,000 test images: all 10,000 of them.
    assert n_test_images({"subset": subset}) == 10_000
    # The uncertainty is not understated by a count of images that were never tested.
    assert standard_error(0.6, n_test_images({"subset": subset})) == standard_error(0.6, 10_000)


@pytest.mark.parametrize("subset", [None, 30, 100])
def test_the_test_count_is_what_the_loader_tests_on(tiny_cifar10, subset):
    # A tiny copy: 200 training and 40 test images.  A subset of 100 trains on 100 and
    # tests on all 40; the standard error must count 40.
    from cnnlesson.data import load_cifar10

    _, (x_test, _) = load_cifar10(subset=subset)
    assert n_test_images({"subset": subset}) == len(x_test)
