"""Tests of the confusion matrix and its most common mistakes."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlesson.analysis import confusion_counts, most_confused


def test_counts_match_a_loop_and_rows_sum_to_class_sizes():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 10, 500), rng.integers(0, 10, 500)
    counts = confusion_counts(y_true.reshape(-1, 1), y_pred, 10)
    expected = np.zeros((10, 10), dtype=int)
    for t, p in zip(y_true, y_pred, strict=True):
        expected[t, p] += 1
    assert np.array_equal(counts, expected)
    assert np.array_equal(counts.sum(axis=1), np.bincount(y_true, minlength=10))


def test_scores_are_turned_into_labels_by_argmax():
    scores = np.array([[0.1, 0.7, 0.2], [0.8, 0.1, 0.1]])
    assert np.array_equal(confusion_counts([1, 2], scores, 3),
                          [[0, 0, 0], [0, 1, 0], [1, 0, 0]])


def test_most_confused_orders_by_rate_then_count():
    counts = np.array([[8, 2, 0], [1, 1, 0], [0, 5, 45]])
    mistakes = most_confused(counts, top=3)
    assert [(m.true, m.predicted) for m in mistakes] == [(1, 0), (0, 1), (2, 1)]
    assert mistakes[0].rate == pytest.approx(0.5) and mistakes[0].count == 1


@pytest.mark.parametrize("y_true, y_pred, message", [
    ([0, 1], [0], "one prediction"),
    ([0, 3], [0, 1], r"0\.\.2"),
    ([0, -1], [0, 1], r"0\.\.2"),
])
def test_bad_labels_are_refused(y_true, y_pred, message):
    with pytest.raises(ValueError, match=message):
        confusion_counts(y_true, y_pred, 3)


def test_most_confused_needs_a_square_matrix():
    with pytest.raises(ValueError, match="square"):
        most_confused(np.zeros((2, 3)))
