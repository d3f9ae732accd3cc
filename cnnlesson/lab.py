"""Measurements of the design page: costs per layer, accuracy differences, equal time.

- :func:`layer_costs` and :func:`last_conv_receptive_field` describe a network before
  training: parameters and forward FLOPs per layer (by the formulas of
  :mod:`cnnlesson.analysis`), and how much of the image its last convolution sees.
- :func:`accuracy_change` says whether the difference between two rows of a table is
  larger than the noise of a finite test set (with :mod:`cnnlesson.compare`).
- :func:`steady_epoch_seconds` and :func:`equal_time_epochs` turn measured epoch times
  into a number of epochs that fits a time budget; :func:`equal_time_plan` does it for the
  design against the tutorial's network, from short timed runs of both.
- :func:`equal_time_runs` is the page's headline: the tutorial's network and the final
  design, trained for the same time. The design page and the explorer page both call it,
  so both show the same cached model.
"""

from __future__ import annotations

import math
import statistics
from typing import NamedTuple

from cnnlesson._checks import positive_int

#: Layers whose work is per element, not a matrix product: counted as 0 FLOPs, like
#: pooling and activations in :func:`cnnlesson.analysis.layer_forward_flops`.
AUGMENTATION_LAYERS = ("RandomFlip", "RandomTranslation")
ELEMENTWISE_LAYERS = ("BatchNormalization", *AUGMENTATION_LAYERS)


class LayerCost(NamedTuple):
    """Parameters and forward FLOPs (for one image) of one layer."""

    name: str
    kind: str
    parameters: int
    forward_flops: int


def layer_costs(model):
    """Parameters and forward FLOPs per image of each layer of ``model``.

    FLOPs count a multiply-add as 2 and only the matrix work of convolutions and dense
    layers (:func:`cnnlesson.analysis.layer_forward_flops`); batch normalisation and
    augmentation work per element and count 0, like pooling.

    Parameters
    ----------
    model : keras.Model
        A built model.

    Returns
    -------
    list of LayerCost

    Examples
    --------
    >>> import cnnlesson
    >>> costs = layer_costs(cnnlesson.build_lesson_model(compile=False))
    >>> [(c.name, c.parameters, c.forward_flops) for c in costs][:3]
    [('conv2d', 896, 1769472), ('dropout', 0, 0), ('conv2d_1', 9248, 18874368)]
    """
    from cnnlesson.analysis import layer_forward_flops

    costs = []
    for layer in model.layers:
        kind = type(layer).__name__
        flops = 0 if kind in ELEMENTWISE_LAYERS else layer_forward_flops(layer)
        costs.append(LayerCost(layer.name, kind, int(layer.count_params()), int(flops)))
    return costs


def last_conv_receptive_field(model):
    """Width in pixels of the input window that one output of the last convolution sees.

    Read with :func:`cnnlesson.analysis.receptive_field` along the chain of layers up to
    and including the last ``Conv2D``; augmentation layers are left out (they shift or
    flip the whole image, and only in training).

    Raises
    ------
    ValueError
        When the model has no ``Conv2D`` layer.

    Examples
    --------
    >>> import cnnlesson
    >>> last_conv_receptive_field(cnnlesson.build_lesson_model(compile=False))
    5
    """
    from cnnlesson.analysis import receptive_field

    kinds = [type(layer).__name__ for layer in model.layers]
    if "Conv2D" not in kinds:
        raise ValueError(f"model {model.name!r} has no Conv2D layer")
    last = len(kinds) - 1 - kinds[::-1].index("Conv2D")
    # Augmentation moves the whole image and is off at test time: no window of its own.
    chain = [layer for layer in model.layers[:last + 1]
             if type(layer).__name__ not in AUGMENTATION_LAYERS]
    return receptive_field(chain).size


class AccuracyChange(NamedTuple):
    """The change in test accuracy from one network to the next, and its noise."""

    difference: float
    """``after - before``."""
    standard_error: float
    """√(se_before² + se_after²), each from :func:`cnnlesson.compare.standard_error`."""
    conclusive: bool
    """True when the difference exceeds two standard errors (and the schedule decides)."""


def accuracy_change(before, after, n_test, *, decisive=True):
    """Is ``after`` better or worse than ``before``, beyond the noise of ``n_test`` images?

    The pairwise form of :func:`cnnlesson.compare.compare_accuracies`, for a table whose
    every row changes the row above it: a difference within two standard errors, or
    from a schedule too short to decide (``decisive=False``), is inconclusive.

    Examples
    --------
    >>> accuracy_change(0.60, 0.65, 10_000).conclusive
    True
    >>> accuracy_change(0.60, 0.61, 1_000).conclusive
    False
    >>> accuracy_change(0.60, 0.65, 10_000, decisive=False).conclusive
    False
    """
    from cnnlesson.compare import standard_error

    se = math.hypot(standard_error(before, n_test), standard_error(after, n_test))
    difference = after - before
    return AccuracyChange(difference, se, bool(decisive) and abs(difference) > 2 * se)


def steady_epoch_seconds(history):
    """Median seconds of an epoch, leaving out the first (which also builds the graph).

    Examples
    --------
    >>> steady_epoch_seconds({"epoch_seconds": [9.0, 5.0, 6.0, 5.5]})
    5.5
    >>> steady_epoch_seconds({"epoch_seconds": [9.0]})
    9.0
    """
    seconds = list(history["epoch_seconds"])
    if not seconds:
        raise ValueError("the history has no epochs")
    return statistics.median(seconds[1:] or seconds)


def equal_time_epochs(budget_seconds, epoch_seconds, *, overhead_seconds=0.0, max_epochs=None):
    """Whole epochs of ``epoch_seconds`` that fit in ``budget_seconds`` (at least one).

    ``overhead_seconds`` is paid once, before the epochs: a first epoch's extra time
    for building the graph, for example.

    Examples
    --------
    >>> equal_time_epochs(1000.0, 90.0)
    11
    >>> equal_time_epochs(1000.0, 90.0, overhead_seconds=20.0)
    10
    >>> equal_time_epochs(1000.0, 90.0, max_epochs=8)
    8
    """
    if budget_seconds <= 0 or epoch_seconds <= 0 or overhead_seconds < 0:
        raise ValueError(f"budget_seconds and epoch_seconds must be positive and "
                         f"overhead_seconds not negative, got {budget_seconds!r}, "
                         f"{epoch_seconds!r} and {overhead_seconds!r}")
    epochs = max(1, math.floor((budget_seconds - overhead_seconds) / epoch_seconds))
    return epochs if max_epochs is None else min(epochs, positive_int(max_epochs, "max_epochs"))


class EqualTimePlan(NamedTuple):
    """How many epochs of the final design fit in the time of the tutorial's run."""

    epochs: int
    """Whole design epochs that fit (at least one, at most the profile's ``max_epochs``)."""
    epoch_ratio: float
    """A design epoch's time over a tutorial epoch's, measured in the short timed runs."""
    graph_seconds: float
    """The extra time of the design's first epoch, which also builds the graph."""


def equal_time_plan(lesson_history, lesson_seconds, timed_lesson_history, timed_design_history,
                    *, max_epochs=None):
    """Design epochs that fit in the tutorial's training time, from short timed runs of both.

    The timed runs (the same images, each network at its own batch size) give the ratio
    of their steady epoch times; the tutorial's own run's steady epoch time, scaled by that
    ratio, is the design's epoch time on the full schedule. The extra time of the design's
    first epoch, which also builds its graph, comes out of the budget first.

    Parameters
    ----------
    lesson_history : dict
        The tutorial's run's history (``epoch_seconds``).
    lesson_seconds : float
        Its training time: the budget.
    timed_lesson_history, timed_design_history : dict
        Histories of the two short timed runs.
    max_epochs : int, optional
        The most epochs to plan.

    Returns
    -------
    EqualTimePlan

    Examples
    --------
    A design epoch takes twice a tutorial epoch, the design's graph 4 s to build, and the
    tutorial's five epochs took 52 s:

    >>> equal_time_plan({"epoch_seconds": [12.0, 10.0, 10.0, 10.0, 10.0]}, 52.0,
    ...                 {"epoch_seconds": [3.0, 1.0, 1.0]}, {"epoch_seconds": [6.0, 2.0, 2.0]})
    EqualTimePlan(epochs=2, epoch_ratio=2.0, graph_seconds=4.0)
    """
    design_steady = steady_epoch_seconds(timed_design_history)
    ratio = design_steady / steady_epoch_seconds(timed_lesson_history)
    graph_seconds = max(0.0, timed_design_history["epoch_seconds"][0] - design_steady)
    epochs = equal_time_epochs(lesson_seconds, ratio * steady_epoch_seconds(lesson_history),
                               overhead_seconds=graph_seconds, max_epochs=max_epochs)
    return EqualTimePlan(epochs, ratio, graph_seconds)


class EqualTimeRuns(NamedTuple):
    """The tutorial's network and the final design, trained for the same time."""

    lesson: object
    """The tutorial's run (:class:`cnnlesson.TrainingResult`): its time is the budget."""
    design: object
    """The final design's run, ``plan.epochs`` epochs (:class:`cnnlesson.TrainingResult`)."""
    plan: EqualTimePlan
    """How the number of epochs was chosen."""


def equal_time_runs(profile, *, cache=True, verbose=0):
    """Train the tutorial's network and the final design at equal wall-clock time.

    The tutorial's network trains with ``profile.lesson``. Short timed runs of both
    networks on the same images (``profile.design["calibration"]``, each at its own batch
    size) give :func:`equal_time_plan` the design's epoch time; the design then trains on
    ``profile.design["headline"]``'s images for that many epochs. Every run goes through
    the training cache, so the timed runs, and so the number of epochs and the design's
    cache entry, are the same on every later call: the pages that call this show one and
    the same model, and a rebuild trains nothing.

    Parameters
    ----------
    profile : cnnlesson.Profile
        The build profile, e.g. :func:`cnnlesson.current_profile`.
    cache : bool
        Passed on to every training run.
    verbose : int
        Passed on to every training run.

    Returns
    -------
    EqualTimeRuns

    Raises
    ------
    ValueError
        For a profile without the design's ``calibration`` and ``headline`` schedules.

    Examples
    --------
    Training needs the data (a download, or the local copy):

    >>> import cnnlesson
    >>> runs = equal_time_runs(cnnlesson.current_profile())  # doctest: +SKIP
    >>> runs.design.recipe["epochs"] == runs.plan.epochs  # doctest: +SKIP
    True

    A profile without the schedules is refused before anything trains:

    >>> from cnnlesson.profiles import PROFILES
    >>> equal_time_runs(PROFILES["quick"]._replace(design={}))
    Traceback (most recent call last):
    ValueError: profile 'quick' has no design schedule 'calibration'; ...
    """
    from cnnlesson.designs import train_design_model
    from cnnlesson.model import build_lesson_model
    from cnnlesson.train import train_lesson_model, train_model

    for part in ("calibration", "headline"):
        if part not in profile.design:
            raise ValueError(f"profile {profile.name!r} has no design schedule {part!r}; "
                             "see cnnlesson.profiles.PROFILES for both")
    calibration, headline = profile.design["calibration"], profile.design["headline"]
    runs = {"cache": cache, "verbose": verbose}
    lesson = train_lesson_model(**profile.lesson, **runs)
    timed_lesson = train_model(build_lesson_model, **calibration,
                               batch_size=profile.lesson["batch_size"], **runs)
    timed_design = train_design_model(**calibration, batch_size=headline["batch_size"], **runs)
    plan = equal_time_plan(lesson.history, lesson.train_seconds, timed_lesson.history,
                           timed_design.history, max_epochs=headline["max_epochs"])
    design = train_design_model(epochs=plan.epochs, batch_size=headline["batch_size"],
                                subset=headline["subset"], **runs)
    return EqualTimeRuns(lesson, design, plan)
