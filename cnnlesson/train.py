"""Train the lesson's network once, keep the result, and reuse it.

Training the lesson's recipe takes many minutes on a laptop, and many pages of
the site need the same trained model.  :func:`~cnnlesson.train_lesson_model` therefore
stores each result on disk under a key made of everything that changes the
outcome (architecture, schedule, seed, a fingerprint of the data, library
versions); asking again with the same recipe loads the weights and history in
seconds.  The store itself is :mod:`cnnlesson.cache`.
"""

from __future__ import annotations

import dataclasses
import sys
import time

from cnnlesson import cache as _cache
from cnnlesson import data as _data
from cnnlesson import loop as _loop
from cnnlesson._checks import positive_int
from cnnlesson.model import LESSON_CONV_KERNEL_SIZES, build_lesson_model, describe_variant

# Bump when a change to the training code changes the numbers it produces: it is
# part of every cache key, so older entries are then trained again.
TRAINING_CODE_VERSION = 1


@dataclasses.dataclass
class TrainingResult:
    """What one training run produced.

    Attributes
    ----------
    model : keras.Model
        The trained network.
    history : dict of list of float
        Per epoch: ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``,
        ``epoch_seconds``.
    test_accuracy, test_loss : float
        On the test split after the last epoch.
    train_seconds : float
        Wall time of the training run itself (also when loaded from the cache).
    images_per_second : float
        Training images processed per second of training.
    recipe : dict
        The settings that were trained: architecture, schedule, seed.
    data_source : str
        Where CIFAR-10 came from, as :func:`cnnlesson.cifar10_source` says.
    from_cache : bool
        True when the result was loaded rather than trained.
    cache_key : str
        The key of the cache entry.
    """

    model: object
    history: dict
    test_accuracy: float
    test_loss: float
    train_seconds: float
    images_per_second: float
    recipe: dict
    data_source: str
    from_cache: bool
    cache_key: str

    def summary(self) -> dict:
        """The result's numbers as a JSON-ready dict (everything but the model)."""
        fields = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)
                  if field.name != "model"}
        return {**fields, "epochs": self.recipe["epochs"], "batch_size": self.recipe["batch_size"]}


def _check_schedule(epochs, batch_size, subset):
    positive_int(epochs, "epochs")
    positive_int(batch_size, "batch_size")
    if subset is not None and (isinstance(subset, bool) or not isinstance(subset, int)
                               or subset < batch_size):
        raise ValueError(
            f"subset must be None or an integer of at least batch_size={batch_size}, "
            f"got {subset!r}"
        )


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
    the 50,000 training images, validated on the 10,000 test images.

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
    _check_schedule(epochs, batch_size, subset)
    recipe = {
        "conv_kernel_sizes": list(conv_kernel_sizes), "output_activation": output_activation,
        "epochs": epochs, "batch_size": batch_size, "subset": subset, "seed": seed,
    }
    (x_train, y_train), (x_test, y_test) = _data.load_cifar10(subset=subset)
    data_source = _data.cifar10_source()
    model = build_lesson_model(conv_kernel_sizes=conv_kernel_sizes,
                               output_activation=output_activation, seed=seed)
    key = _cache.cache_key(model, recipe, _data.fingerprint(x_train, y_train, x_test, y_test),
                           TRAINING_CODE_VERSION)
    entry = _cache.cache_dir() / key

    def build():
        return build_lesson_model(conv_kernel_sizes=conv_kernel_sizes,
                                  output_activation=output_activation, seed=seed)

    def fit_and_evaluate(model):
        x_test_scaled = _data.scale_images(x_test)
        if verbose:
            # On stderr, so that it reaches the terminal also when a docs build captures stdout.
            print(f"cnnlesson: training {describe_variant(conv_kernel_sizes, output_activation)}: "
                  f"{epochs} epochs of {len(x_train):,} images, batch {batch_size} "
                  f"(not in the cache {entry.parent} yet)", file=sys.stderr, flush=True)
        start = time.perf_counter()
        # The loop scales the uint8 pixels batch by batch: the same numbers, a quarter of the
        # memory.
        history = _loop.fit(model, x_train, y_train, epochs=epochs,
                            batch_size=batch_size, validation_data=(x_test_scaled, y_test),
                            seed=seed, verbose=verbose)
        train_seconds = time.perf_counter() - start
        test_loss, test_accuracy = model.evaluate(x_test_scaled, y_test, batch_size=256,
                                                  verbose=0)
        return {
            "history": history,
            "test_accuracy": float(test_accuracy),
            "test_loss": float(test_loss),
            "train_seconds": train_seconds,
            "images_per_second": epochs * len(x_train) / sum(history["epoch_seconds"]),
            "recipe": recipe,
            "versions": _cache.library_versions(),
        }

    # Loads a verified entry, or checks the cache is writable, trains under the entry's
    # lock and stores the result (a failed store only warns).
    model, stored, from_cache = _cache.load_or_train(
        entry, model, fit_and_evaluate, recipe=recipe, rebuild=build, cache=cache)
    return TrainingResult(model=model, from_cache=from_cache, cache_key=key,
                          data_source=data_source, **_stored_numbers(stored))


def _stored_numbers(stored: dict) -> dict:
    names = ("history", "test_accuracy", "test_loss", "train_seconds",
             "images_per_second", "recipe")
    return {name: stored[name] for name in names}
