"""Which classes a classifier confuses: the confusion matrix and its largest mistakes."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from cnnlesson._checks import positive_int, real_array


def confusion_counts(y_true, y_pred, n_classes):
    """Count how often images of each true class are predicted as each class.

    Parameters
    ----------
    y_true : array_like of int
        True labels, shape (n,) or (n, 1) as CIFAR-10 stores them.
    y_pred : array_like
        Predicted labels (n,), or scores (n, n_classes) whose arg-max is taken.
    n_classes : int
        Number of classes: labels run from 0 to ``n_classes - 1``.

    Returns
    -------
    numpy.ndarray of int, shape (n_classes, n_classes)
        Row ``t``, column ``p``: images of class ``t`` predicted as ``p``. The diagonal
        holds the correct predictions; each row sums to the images of that class.

    Raises
    ------
    ValueError
        When the two label arrays differ in length or a label is out of range.

    Examples
    --------
    >>> confusion_counts([0, 0, 1, 2], [0, 1, 1, 2], 3)
    array([[1, 1, 0],
           [0, 1, 0],
           [0, 0, 1]])
    >>> confusion_counts([1, 0], [[0.2, 0.8], [0.9, 0.1]], 2)  # scores: arg-max taken
    array([[1, 0],
           [0, 1]])
    """
    k = positive_int(n_classes, "n_classes")
    true = real_array(y_true, "y_true").reshape(-1)
    pred = real_array(y_pred, "y_pred")
    if pred.ndim == 2 and pred.shape[1] == k and k > 1:
        pred = pred.argmax(axis=1)
    pred = pred.reshape(-1)
    if true.shape != pred.shape:
        raise ValueError(f"y_true has {true.size} labels but y_pred has {pred.size}; "
                         "pass one prediction (or one row of scores) per image")
    for name, labels in (("y_true", true), ("y_pred", pred)):
        if labels.size and (labels.min() < 0 or labels.max() >= k
                            or not np.array_equal(labels, labels.astype(int))):
            raise ValueError(f"{name} must hold integer labels in 0..{k - 1}")
    counts = np.zeros((k, k), dtype=int)
    np.add.at(counts, (true.astype(int), pred.astype(int)), 1)
    return counts


class Confusion(NamedTuple):
    """One off-diagonal cell of a confusion matrix: a kind of mistake."""

    true: int
    """The images' true class."""
    predicted: int
    """The class they were taken for."""
    count: int
    """How many images of class ``true`` were predicted as ``predicted``."""
    rate: float
    """``count`` as a share of all images of class ``true``."""


def most_confused(counts, top=5):
    """The most common mistakes of a confusion matrix, by their share of the true class.

    Parameters
    ----------
    counts : array_like of int, shape (k, k)
        A matrix from :func:`confusion_counts`.
    top : int
        How many mistakes to return.

    Returns
    -------
    list of Confusion
        Largest rate first; ties broken by the larger count, then by class order.

    Examples
    --------
    >>> counts = confusion_counts([0, 0, 0, 1, 1, 2], [0, 1, 1, 1, 0, 2], 3)
    >>> most_confused(counts, top=2)
    [Confusion(true=0, predicted=1, count=2, rate=0.666...), Confusion(true=1, ...rate=0.5)]
    """
    counts = real_array(counts, "counts")
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"counts must be a square matrix, got shape {counts.shape}")
    if counts.size and (counts.min() < 0 or not np.array_equal(counts, np.round(counts))):
        raise ValueError("counts must hold counts: whole numbers of at least 0, such as "
                         "confusion_counts returns")
    positive_int(top, "top")
    totals = np.maximum(counts.sum(axis=1), 1)
    cells = [Confusion(t, p, int(counts[t, p]), float(counts[t, p] / totals[t]))
             for t in range(len(counts)) for p in range(len(counts)) if t != p]
    cells.sort(key=lambda cell: (-cell.rate, -cell.count, cell.true, cell.predicted))
    return cells[:top]
