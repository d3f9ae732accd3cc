"""The uncertainty of measured accuracies, and the verdicts it allows.

Every comparison on the site trains each variant once and measures it on a finite
test set, so a measured accuracy is uncertain (:func:`standard_error`).
:func:`accuracy_change` says whether one change of a network moved the accuracy beyond
that noise; :func:`compare_accuracies` says which
differences the measurement supports: a variant is called *best* only when it is
ahead of every other by more than two standard errors, a variant *worse* only when it
trails the best by more than two, and everything else is *inconclusive at this
schedule*, as is every difference from a schedule too short to decide.

The standard error here is that of a proportion measured on ``n_test`` images: it is
how much the accuracy would move with another test set of the same size.  It leaves
out the spread between training runs with other seeds, so two standard errors are a
lower bound on the noise, not a guarantee.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from cnnlesson._checks import positive_int

INCONCLUSIVE = "inconclusive at this schedule"
"""The verdict of a difference the measurement cannot decide."""


class Verdict(NamedTuple):
    """One variant of a comparison, with what its measurement supports.

    Attributes
    ----------
    name : str
        The variant.
    accuracy : float
        Its measured test accuracy, between 0 and 1.
    standard_error : float
        Of that accuracy, from the number of test images.
    verdict : str
        ``"best"``, ``"worse than <name>"`` or :data:`INCONCLUSIVE`.
    """

    name: str
    accuracy: float
    standard_error: float
    verdict: str


def n_test_images(schedule: dict) -> int:
    """How many test images a schedule's accuracies were measured on.

    A schedule with ``subset=None`` is measured on all 10,000 CIFAR-10 test images,
    one with a subset on that many (the first ones).

    Examples
    --------
    >>> n_test_images({"epochs": 5, "batch_size": 32, "subset": 1_000})
    1000
    >>> n_test_images({"epochs": 25, "batch_size": 32, "subset": None})
    10000
    """
    subset = schedule.get("subset")
    return 10_000 if subset is None else positive_int(subset, "subset")


def standard_error(accuracy: float, n_test: int) -> float:
    """Standard error of an accuracy measured on ``n_test`` images.

    Examples
    --------
    >>> round(standard_error(0.5, 10_000), 4)
    0.005
    """
    if not 0.0 <= accuracy <= 1.0:
        raise ValueError(f"accuracy must lie between 0 and 1, got {accuracy!r}")
    return math.sqrt(accuracy * (1.0 - accuracy) / positive_int(n_test, "n_test"))


def compare_accuracies(accuracies: dict, n_test: int, *, decisive: bool = True) -> list:
    """Verdicts for variants measured on the same ``n_test`` test images.

    Parameters
    ----------
    accuracies : dict of str to float
        Test accuracy of each variant, at least two.
    n_test : int
        Number of test images each accuracy was measured on.
    decisive : bool
        False when the schedule is too short for any difference to decide the
        question (the quick profile): then every verdict is :data:`INCONCLUSIVE`.

    Returns
    -------
    list of Verdict
        In the order of ``accuracies``.

    Examples
    --------
    On 10,000 test images two points of accuracy are more than two standard errors:

    >>> for v in compare_accuracies({"3x3": 0.62, "5x5": 0.60, "1x1": 0.45}, 10_000):
    ...     print(v.name, v.verdict)
    3x3 best
    5x5 worse than 3x3
    1x1 worse than 3x3

    On 1,000 they are not:

    >>> [v.verdict for v in compare_accuracies({"3x3": 0.62, "5x5": 0.60}, 1_000)]
    ['inconclusive at this schedule', 'inconclusive at this schedule']

    A schedule too short to decide decides nothing:

    >>> compare_accuracies({"a": 0.62, "b": 0.45}, 10_000, decisive=False)[0].verdict
    'inconclusive at this schedule'
    """
    if len(accuracies) < 2:
        raise ValueError(f"a comparison needs at least two variants, got {list(accuracies)}")
    errors = {name: standard_error(acc, n_test) for name, acc in accuracies.items()}
    top = max(accuracies, key=accuracies.get)

    def clearly_below(name, than):
        gap = accuracies[than] - accuracies[name]
        return gap > 2 * math.hypot(errors[name], errors[than])

    verdicts = []
    for name, acc in accuracies.items():
        if not decisive:
            verdict = INCONCLUSIVE
        elif name == top and all(clearly_below(other, top) for other in accuracies
                                 if other != top):
            verdict = "best"
        elif name != top and clearly_below(name, top):
            verdict = f"worse than {top}"
        else:
            verdict = INCONCLUSIVE
        verdicts.append(Verdict(name, float(acc), errors[name], verdict))
    return verdicts


class AccuracyChange(NamedTuple):
    """The change in test accuracy from one network to the next, and its noise."""

    difference: float
    """``after - before``."""
    standard_error: float
    """√(se_before² + se_after²), each from :func:`standard_error`."""
    beyond_noise: bool
    """True when the difference exceeds two standard errors."""
    schedule_decides: bool
    """False for a schedule too short to decide what a change does in full training."""

    @property
    def conclusive(self) -> bool:
        """Beyond the noise, from a schedule that decides."""
        return self.beyond_noise and self.schedule_decides

    @property
    def standard_errors(self) -> float:
        """The difference in standard errors (0 when there is no noise at all)."""
        return abs(self.difference) / self.standard_error if self.standard_error else 0.0


def accuracy_change(before, after, n_test, *, decisive=True):
    """Is ``after`` better or worse than ``before``, beyond the noise of ``n_test`` images?

    The pairwise form of :func:`compare_accuracies`, for a table whose every row changes
    the row above it.  A difference within two standard errors is within the noise; a
    schedule too short to decide (``decisive=False``) decides nothing, however large the
    difference it measured.

    Examples
    --------
    >>> change = accuracy_change(0.60, 0.65, 10_000)
    >>> change.beyond_noise, change.conclusive, round(change.standard_errors, 1)
    (True, True, 7.3)
    >>> accuracy_change(0.60, 0.61, 1_000).beyond_noise
    False
    >>> short = accuracy_change(0.60, 0.65, 10_000, decisive=False)
    >>> short.beyond_noise, short.conclusive
    (True, False)
    """
    se = math.hypot(standard_error(before, n_test), standard_error(after, n_test))
    difference = after - before
    return AccuracyChange(difference, se, abs(difference) > 2 * se, bool(decisive))
