"""Train a network with Keras' ``model.fit`` once, keep the result, and reuse it.

Training the lesson's recipe takes many minutes on a laptop, and many pages of
the site need the same trained model.  :func:`train_model` therefore stores
each result on disk under a key made of everything that changes the outcome
(architecture, optimizer, schedule, seed, a fingerprint of the data, library
versions); asking again with the same recipe loads the weights and history in
seconds.  The store itself is :mod:`cnnlesson.cache`.

The training itself is one call of ``model.fit``, as in the tutorial.  Two
things differ from the tutorial's listing, neither in the arithmetic of a
step: the pixels are kept as uint8 and scaled batch by batch by a
``keras.utils.PyDataset`` (the same float32 values as :func:`cnnlesson.scale_images`,
a quarter of the memory), and the training images are shuffled by NumPy, in the
same order on every Keras backend, where ``model.fit`` on arrays would use the
backend's random stream.
"""

from __future__ import annotations

from cnnlesson._checks import positive_int
from cnnlesson.models import (
    LESSON_CONV_KERNEL_SIZES,
    builder_for_recipe,
    describe_variant,
    training_recipe,
)
from cnnlesson.train._fitting import TrainingResult, image_datasets
from cnnlesson.train._run import TRAINING_CODE_VERSION, run

__all__ = ["MODELS", "TRAINING_CODE_VERSION", "TrainingResult", "image_datasets",
           "train_design_model", "train_lesson_model", "train_model"]


def _check_schedule(epochs, batch_size, subset, seed=0, cache=True, verbose=2):
    positive_int(epochs, "epochs")
    positive_int(batch_size, "batch_size")
    if subset is not None and (isinstance(subset, bool) or not isinstance(subset, int)
                               or subset < batch_size):
        raise ValueError(
            f"subset must be None or an integer of at least batch_size={batch_size}, "
            f"got {subset!r}"
        )
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be an integer from 0 to {2**32 - 1}, got {seed!r}")
    if not isinstance(cache, bool):
        raise ValueError(f"cache must be True or False, got {cache!r}")
    if verbose not in (0, 1, 2) or isinstance(verbose, bool):
        raise ValueError(f"verbose must be 0, 1 or 2, got {verbose!r}")


def train_model(build, *, epochs=25, batch_size=32, subset=None, seed=0, cache=True, verbose=2):
    """Train the network that ``build`` makes on CIFAR-10 with ``model.fit``, through the cache.

    Parameters
    ----------
    build : callable
        ``build(seed=seed)`` returns a compiled Keras model (Sequential or
        functional) taking 32×32×3 images scaled to [0, 1] and integer labels,
        e.g. :func:`cnnlesson.build_lesson_model`.
    epochs, batch_size : int
        The schedule.
    subset : int, optional
        Train and test on the first ``subset`` images of each split.
    seed : int
        Fixes initial weights, dropout and shuffling, so a rerun gives the same curves.
    cache : bool
        Look for a stored result first and store a new one; ``False`` always trains
        and stores nothing.
    verbose : int
        0 silent, 1 Keras' progress bar, 2 one line per epoch.

    Returns
    -------
    TrainingResult
        Its ``recipe`` names the model (``model.name``) and the schedule.

    Raises
    ------
    ValueError
        For a non-positive schedule, a subset smaller than one batch, or a
        ``build`` that does not return a compiled Keras model.
    cnnlesson.DatasetError
        When CIFAR-10 cannot be loaded.
    cnnlesson.cache.CacheNotWritableError
        With ``cache=True``, when the cache folder cannot be written (checked before
        training).

    Examples
    --------
    Training needs the data (a download, or the local copy):

    >>> from cnnlesson import build_lesson_model
    >>> result = train_model(build_lesson_model, epochs=1, subset=256)  # doctest: +SKIP
    >>> result.recipe["model"], 0.0 <= result.test_accuracy <= 1.0  # doctest: +SKIP
    ('lesson_cnn', True)

    A schedule that cannot work is refused before anything is built or loaded:

    >>> train_model(build_lesson_model, batch_size=-1)
    Traceback (most recent call last):
    ValueError: batch_size must be a positive integer, got -1
    """
    _check_schedule(epochs, batch_size, subset, seed, cache, verbose)
    if not callable(build) or hasattr(build, "fit"):
        what = ("a model: pass the function that builds it, without the parentheses"
                if hasattr(build, "fit") else f"{build!r}")
        raise ValueError(f"build must be a function that returns a compiled keras.Model, "
                         f"such as cnnlesson.build_lesson_model; got {what}")
    return run(build, {}, epochs=epochs, batch_size=batch_size, subset=subset, seed=seed,
               cache=cache, verbose=verbose)


def train_lesson_model(
    *,
    conv_kernel_sizes=LESSON_CONV_KERNEL_SIZES,
    output_activation="sigmoid",
    epochs=25,
    batch_size=32,
    subset=None,
    seed=0,
    cache=True,
    verbose=2,
):
    """Train the lesson's network (or a variant) on CIFAR-10, through the cache.

    With no arguments this is the lesson's recipe: the network of
    :func:`cnnlesson.build_lesson_model`, 25 epochs of Adam with batch 32 on
    the 50,000 training images, validated on the 10,000 test images, trained by
    ``model.fit`` (see :func:`train_model`).

    Parameters
    ----------
    conv_kernel_sizes, output_activation
        The variant, as in :func:`cnnlesson.build_lesson_model`.
    epochs, batch_size : int
        The schedule.
    subset : int, optional
        Train and test on the first ``subset`` images of each split.
    seed : int
        Fixes initial weights, dropout and shuffling, so a rerun gives the same curves.
    cache : bool
        Look for a stored result first and store a new one; ``False`` always trains
        and stores nothing.
    verbose : int
        0 silent, 1 a progress bar, 2 one line per epoch.

    Returns
    -------
    TrainingResult

    Raises
    ------
    ValueError
        For a non-positive schedule or a subset smaller than one batch.
    cnnlesson.DatasetError
        When CIFAR-10 cannot be loaded.
    cnnlesson.cache.CacheNotWritableError
        With ``cache=True``, when the cache folder cannot be written (checked before
        training).

    Examples
    --------
    Training needs the data (a download, or the local copy):

    >>> result = train_lesson_model(epochs=1, subset=256)  # doctest: +SKIP
    >>> result.recipe["epochs"], 0.0 <= result.test_accuracy <= 1.0  # doctest: +SKIP
    (1, True)

    A schedule that cannot work is refused before anything is loaded:

    >>> train_lesson_model(epochs=0)
    Traceback (most recent call last):
    ValueError: epochs must be a positive integer, got 0
    """
    _check_schedule(epochs, batch_size, subset, seed, cache, verbose)
    if isinstance(conv_kernel_sizes, (str, bytes)) or not hasattr(conv_kernel_sizes, "__iter__"):
        raise ValueError(f"conv_kernel_sizes must be a tuple of kernel sizes, such as (3, 3); "
                         f"got {conv_kernel_sizes!r}")
    settings = {"conv_kernel_sizes": list(conv_kernel_sizes),
                "output_activation": output_activation}
    build = builder_for_recipe({"model": "lesson_cnn", **settings})
    return run(build, settings, epochs=epochs, batch_size=batch_size, subset=subset,
               seed=seed, cache=cache, verbose=verbose,
               label=describe_variant(conv_kernel_sizes, output_activation))


def train_design_model(*, epochs, batch_size=128, subset=None, seed=0, cache=True, verbose=2):
    """Train the final design with ``train_model``, its schedule spanning the run.

    Parameters are those of :func:`cnnlesson.train.train_model`.

    Returns
    -------
    cnnlesson.TrainingResult

    Examples
    --------
    >>> train_design_model(epochs=0)
    Traceback (most recent call last):
    ValueError: epochs must be a positive integer, got 0
    """
    _check_schedule(epochs, batch_size, subset, seed, cache, verbose)
    build = builder_for_recipe(training_recipe("design_cnn", epochs=epochs,
                                               batch_size=batch_size, subset=subset, seed=seed))
    return run(build, {}, epochs=epochs, batch_size=batch_size, subset=subset, seed=seed,
               cache=cache, verbose=verbose)


#: The networks ``python -m cnnlesson train --model NAME`` trains: for each name, a
#: function of ``epochs``, ``batch_size``, ``subset``, ``seed``, ``cache`` and ``verbose``
#: that trains it through the cache and returns a :class:`cnnlesson.TrainingResult`.
MODELS = {"lesson": train_lesson_model, "design": train_design_model}


