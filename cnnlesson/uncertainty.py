"""The uncertainty of measured accuracies, and the one rule for the words that judge them.

Every comparison on the site trains each variant once and measures it on a finite
test set, so a measured accuracy is uncertain (:func:`standard_error`).  One rule,
:func:`verdict`, decides the word for every difference the lesson judges, on every page
and in every example:

* a difference larger than two standard errors of the difference is *beyond the noise*;
* a smaller one is *inconclusive*;
* any difference measured on a schedule too short to decide what a change does in full
  training is *too short to decide*, however large it is: never inconclusive.

:func:`accuracy_change` applies it to one network against the next, and
:func:`compare_accuracies` to several variants at once: a variant is called *best* only
when its lead over every other is beyond the noise, *worse* only when it trails the best
by a difference beyond the noise.

The standard error here is that of a proportion measured on ``n_test`` images: it is
how much the accuracy would move with another test set of the same size.  It leaves
out the spread between training runs with other seeds, so two standard errors are a
lower bound on the noise, not a guarantee.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from cnnlesson import data
from cnnlesson._checks import is_finite_number, positive_int

BEYOND_NOISE = "beyond the noise"
"""The verdict of a difference larger than two standard errors of the difference."""
INCONCLUSIVE = "inconclusive"
"""The verdict of a smaller difference, on a schedule that could decide."""
TOO_SHORT = "too short to decide"
"""The verdict of any difference measured on a schedule too short to decide."""


def verdict(difference: float, standard_error: float, *, decisive: bool = True) -> str:
    """The word for a measured difference of accuracy: the lesson's one rule.

    Parameters
    ----------
    difference : float
        One accuracy minus the other.
    standard_error : float
        The standard error of that difference, √(se₁² + se₂²).
    decisive : bool
        False for a schedule too short to decide what a change does in full training
        (the quick profile): then every difference is :data:`TOO_SHORT`.

    Returns
    -------
    str
        :data:`TOO_SHORT` on a schedule that cannot decide; otherwise
        :data:`BEYOND_NOISE` when ``|difference|`` exceeds two standard errors and
        :data:`INCONCLUSIVE` when it does not.

    Raises
    ------
    ValueError
        When ``difference`` is not a finite number or ``standard_error`` is negative or
        not finite.

    Examples
    --------
    >>> verdict(0.05, 0.007), verdict(0.01, 0.007), verdict(0.05, 0.007, decisive=False)
    ('beyond the noise', 'inconclusive', 'too short to decide')

    Exactly two standard errors apart is not more than two:

    >>> verdict(0.02, 0.01)
    'inconclusive'
    """
    if not is_finite_number(difference):
        raise ValueError(f"difference must be a finite number, got {difference!r}")
    if not is_finite_number(standard_error) or standard_error < 0:
        raise ValueError(f"standard_error must be a finite number of at least 0, "
                         f"got {standard_error!r}")
    if not decisive:
        return TOO_SHORT
    return BEYOND_NOISE if abs(difference) > 2 * standard_error else INCONCLUSIVE


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
        ``"best"``, ``"worse than <name>"``, :data:`INCONCLUSIVE` or :data:`TOO_SHORT`.
    behind_best : float
        How far it trails the most accurate variant, in standard errors of their
        difference (0 for that variant itself).
    """

    name: str
    accuracy: float
    standard_error: float
    verdict: str
    behind_best: float


def n_test_images(schedule: dict) -> int:
    """How many test images a schedule's accuracies were measured on.

    Training on a subset tests on the first ``subset`` test images, and there are only
    10,000 of them: a subset larger than the test split is measured on all of it.

    Examples
    --------
    >>> n_test_images({"epochs": 5, "batch_size": 32, "subset": 1_000})
    1000
    >>> n_test_images({"epochs": 25, "batch_size": 32, "subset": None})
    10000
    >>> n_test_images({"epochs": 5, "batch_size": 32, "subset": 20_000})
    10000
    """
    test_split = data.IMAGES_PER_BATCH       # the test split is one batch file
    subset = schedule.get("subset")
    if subset is None:
        return test_split
    return min(positive_int(subset, "subset"), test_split)


def standard_error(accuracy: float, n_test: int) -> float:
    """Standard error of an accuracy measured on ``n_test`` images.

    Examples
    --------
    >>> round(standard_error(0.5, 10_000), 4)
    0.005
    """
    if not is_finite_number(accuracy) or not 0.0 <= accuracy <= 1.0:
        raise ValueError(f"accuracy must lie between 0 and 1, got {accuracy!r}")
    return math.sqrt(accuracy * (1.0 - accuracy) / positive_int(n_test, "n_test"))


def compare_accuracies(accuracies: dict, n_test: int, *, decisive: bool = True) -> list:
    """Verdicts for variants measured on the same ``n_test`` test images.

    Each difference is judged by :func:`verdict`.

    Parameters
    ----------
    accuracies : dict of str to float
        Test accuracy of each variant, at least two.
    n_test : int
        Number of test images each accuracy was measured on.
    decisive : bool
        False when the schedule is too short for any difference to decide the
        question (the quick profile): then every verdict is :data:`TOO_SHORT`.

    Returns
    -------
    list of Verdict
        In the order of ``accuracies``.

    Examples
    --------
    On 10,000 test images two points of accuracy are more than two standard errors:

    >>> for v in compare_accuracies({"3x3": 0.62, "5x5": 0.60, "1x1": 0.45}, 10_000):
    ...     print(v.name, v.verdict, round(v.behind_best, 1))
    3x3 best 0.0
    5x5 worse than 3x3 2.9
    1x1 worse than 3x3 24.5

    On 1,000 they are not:

    >>> [v.verdict for v in compare_accuracies({"3x3": 0.62, "5x5": 0.60}, 1_000)]
    ['inconclusive', 'inconclusive']

    A schedule too short to decide decides nothing, however large the difference:

    >>> compare_accuracies({"a": 0.62, "b": 0.45}, 10_000, decisive=False)[1].verdict
    'too short to decide'
    """
    if len(accuracies) < 2:
        raise ValueError(f"a comparison needs at least two variants, got {list(accuracies)}")
    errors = {name: standard_error(acc, n_test) for name, acc in accuracies.items()}
    top = max(accuracies, key=accuracies.get)

    def gap(name):
        """(the top's lead over ``name``, the standard error of that difference)"""
        return accuracies[top] - accuracies[name], math.hypot(errors[name], errors[top])

    def beyond_noise(name):
        return verdict(*gap(name)) == BEYOND_NOISE

    verdicts = []
    for name, acc in accuracies.items():
        if not decisive:
            word = TOO_SHORT
        elif name == top:
            word = "best" if all(beyond_noise(other) for other in accuracies
                                 if other != top) else INCONCLUSIVE
        else:
            word = f"worse than {top}" if beyond_noise(name) else INCONCLUSIVE
        lead, se = gap(name)
        verdicts.append(Verdict(name, float(acc), errors[name], word,
                                lead / se if se else 0.0))
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
    def verdict(self) -> str:
        """The word :func:`verdict` gives this change."""
        return verdict(self.difference, self.standard_error, decisive=self.schedule_decides)

    @property
    def conclusive(self) -> bool:
        """Beyond the noise, from a schedule that decides."""
        return self.verdict == BEYOND_NOISE

    @property
    def standard_errors(self) -> float:
        """The difference in standard errors (0 when there is no noise at all)."""
        return abs(self.difference) / self.standard_error if self.standard_error else 0.0


def accuracy_change(before, after, n_test, *, decisive=True):
    """Is ``after`` better or worse than ``before``, beyond the noise of ``n_test`` images?

    The pairwise form of :func:`compare_accuracies`, for a table whose every row changes
    the row above it; its :attr:`~AccuracyChange.verdict` is the word of :func:`verdict`.
    A difference within two standard errors is within the noise; a schedule too short to
    decide (``decisive=False``) decides nothing, however large the difference it measured.

    Examples
    --------
    >>> change = accuracy_change(0.60, 0.65, 10_000)
    >>> change.beyond_noise, change.verdict, round(change.standard_errors, 1)
    (True, 'beyond the noise', 7.3)
    >>> accuracy_change(0.60, 0.61, 1_000).verdict
    'inconclusive'
    >>> short = accuracy_change(0.60, 0.65, 10_000, decisive=False)
    >>> short.beyond_noise, short.verdict
    (True, 'too short to decide')
    """
    se = math.hypot(standard_error(before, n_test), standard_error(after, n_test))
    difference = after - before
    return AccuracyChange(difference, se, verdict(difference, se) == BEYOND_NOISE,
                          bool(decisive))
