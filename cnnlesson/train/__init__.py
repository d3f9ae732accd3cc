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
``tf.data`` pipeline (the same float32 values as :func:`cnnlesson.scale_images`,
a quarter of the memory), and that pipeline shuffles with TensorFlow's random
stream where ``model.fit`` on arrays would use Keras'.
"""

from __future__ import annotations

import functools
import sys
import time

from cnnlesson import _interrupts
from cnnlesson import cache as _cache
from cnnlesson import data as _data
from cnnlesson import published as _published
from cnnlesson._checks import positive_int
from cnnlesson._fitting import (
    TrainingResult,
    epoch_clock,
    image_datasets,
    keras_history_by_site_names,
    machine,
    stored_numbers,
)
from cnnlesson.models import (
    INPUT_SHAPE,
    LESSON_CONV_KERNEL_SIZES,
    NUM_CLASSES,
    build_lesson_model,
    describe_variant,
    design_builder,
)
from cnnlesson.profiles import rough_duration
from cnnlesson.wording import count

__all__ = ["MODELS", "TRAINING_CODE_VERSION", "TrainingResult", "image_datasets",
           "train_design_model", "train_lesson_model", "train_model"]

# Bump when a change to the training code changes the numbers it produces: it is
# part of every cache key, so older entries are then trained again.
TRAINING_CODE_VERSION = 3


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
    return _train(build, {}, epochs=epochs, batch_size=batch_size, subset=subset, seed=seed,
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
    build = functools.partial(build_lesson_model, conv_kernel_sizes=conv_kernel_sizes,
                              output_activation=output_activation)
    variant = {"conv_kernel_sizes": list(conv_kernel_sizes),
               "output_activation": output_activation}
    return _train(build, variant, epochs=epochs, batch_size=batch_size, subset=subset,
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
    build = design_builder(epochs=epochs, batch_size=batch_size, subset=subset)
    return train_model(build, epochs=epochs, batch_size=batch_size, subset=subset, seed=seed,
                       cache=cache, verbose=verbose)


#: Training images per second on a 2-core laptop processor, roughly (measured on 2-core
#: Xeon and EPYC machines, benchmarks/NOTES.md): what the notice before training says.
ROUGH_IMAGES_PER_SECOND = {"lesson_cnn": 400, "design_cnn": 250}

#: The networks ``python -m cnnlesson train --model NAME`` trains: for each name, a
#: function of ``epochs``, ``batch_size``, ``subset``, ``seed``, ``cache`` and ``verbose``
#: that trains it through the cache and returns a :class:`cnnlesson.TrainingResult`.
MODELS = {"lesson": train_lesson_model, "design": train_design_model}


def _build(build, seed):
    import keras

    keras.utils.set_random_seed(seed)
    try:
        model = build(seed=seed)
    except TypeError as error:
        if "seed" not in str(error):
            raise
        raise ValueError(f"build must accept seed=..., as in def build(seed=0): ... ({error})"
                         ) from None
    if not isinstance(model, keras.Model):
        raise ValueError(f"build(seed=...) must return a compiled keras.Model, got {model!r}")
    if getattr(model, "optimizer", None) is None or not model.compiled:
        raise ValueError(f"build(seed=...) returned the model {model.name!r} uncompiled; call "
                         "model.compile(...) before returning it")
    _check_shapes(model)
    return model


def _check_shapes(model):
    """Refuse, before the data is loaded, a model that cannot train on CIFAR-10's images."""
    try:
        inputs, outputs = model.input_shape, model.output_shape
    except (AttributeError, ValueError):
        return  # a model that declares no shapes yet: model.fit says what does not fit
    if isinstance(inputs, tuple) and tuple(inputs[1:]) != INPUT_SHAPE:
        raise ValueError(f"the model {model.name!r} takes inputs of shape {inputs[1:]}, not "
                         "CIFAR-10's 32×32×3 images; start it with keras.Input((32, 32, 3))")
    if isinstance(outputs, tuple) and tuple(outputs[1:]) != (NUM_CLASSES,):
        raise ValueError(f"the model {model.name!r} gives outputs of shape {outputs[1:]}, not "
                         f"the {NUM_CLASSES} class scores of CIFAR-10; end it with "
                         f"keras.layers.Dense({NUM_CLASSES})")


def _train(build, variant, *, epochs, batch_size, subset, seed, cache, verbose, label=None):
    model = _build(build, seed)
    (x_train, y_train), (x_test, y_test) = _data.load_cifar10(subset=subset)
    data_source = _data.cifar10_source()
    recipe = {"model": model.name, **variant, "epochs": epochs, "batch_size": batch_size,
              "subset": subset, "seed": seed}
    data_fingerprint = _data.fingerprint(x_train, y_train, x_test, y_test)
    key = _cache.cache_key(model, recipe, data_fingerprint, TRAINING_CODE_VERSION)
    key_of_recipe = _cache.recipe_key(model, recipe, TRAINING_CODE_VERSION)
    entry = _cache.cache_dir() / key
    if cache and not (entry.exists() or entry.is_symlink()):
        # The site's trained model of this recipe, where one is known (use_site_models).
        published = _published.load_published(model, recipe, key_of_recipe, data_fingerprint)
        if published is not None:
            _published.record_use(published[0].name)
            return TrainingResult(model=model, from_cache=True, cache_key=published[0].name,
                                  data_source=data_source, **stored_numbers(published[1]))
        # Looking for it may have drawn from Keras' random state: rebuilt and reseeded, the
        # model trains exactly as it would have without the look.
        model = _build(build, seed)

    def fit_and_evaluate(model):
        if verbose:
            why = "not in the training cache yet" if cache else "the training cache is off"
            rate = ROUGH_IMAGES_PER_SECOND.get(model.name, min(ROUGH_IMAGES_PER_SECOND.values()))
            why += (f"; {rough_duration(epochs * len(x_train) / rate)} on a 2-core laptop "
                    "processor, less on a faster one")
            # On stderr, so that it reaches the terminal also when a docs build captures stdout.
            print(f"cnnlesson: training {label or model.name}: {count(epochs, 'epoch')} of "
                  f"{len(x_train):,} images, batch {batch_size} ({why})",
                  file=sys.stderr, flush=True)
        train_images, test_images = image_datasets(x_train, y_train, x_test, y_test,
                                                   batch_size=batch_size, seed=seed)
        clock, epoch_seconds, epoch_cpu_seconds = epoch_clock(epochs, verbose)
        start = time.perf_counter()
        # shuffle=False: the dataset reshuffles itself every epoch.
        fitted = model.fit(train_images, epochs=epochs, validation_data=test_images,
                           shuffle=False, callbacks=[clock, _interrupts.interruption_callback()],
                           verbose=1 if verbose == 1 else 0)
        train_seconds = time.perf_counter() - start
        test_loss, test_accuracy = model.evaluate(test_images, verbose=0)[:2]
        # A Ctrl-C that TensorFlow swallowed still stops the run here, before the store.
        _interrupts.raise_if_interrupted()
        return {
            "history": {**keras_history_by_site_names(fitted.history),
                        "epoch_seconds": epoch_seconds,
                        "epoch_cpu_seconds": epoch_cpu_seconds},
            "test_accuracy": float(test_accuracy),
            "test_loss": float(test_loss),
            "train_seconds": train_seconds,
            "images_per_second": epochs * len(x_train) / sum(epoch_seconds),
            "recipe": recipe,
            "recipe_key": key_of_recipe,
            "training_code": TRAINING_CODE_VERSION,
            "data_fingerprint": data_fingerprint,
            "versions": _cache.library_versions(),
            "machine": machine(),
        }

    # Loads a verified entry, or checks the cache is writable, trains under the entry's
    # lock and stores the result (a failed store only warns).  A Ctrl-C is always a
    # KeyboardInterrupt, and nothing is stored after one.
    with _interrupts.honoured():
        model, stored, from_cache = _cache.load_or_train(
            entry, model, fit_and_evaluate, recipe=recipe, rebuild=lambda: _build(build, seed),
            cache=cache)
    if cache:
        _published.record_use(key)
    return TrainingResult(model=model, from_cache=from_cache, cache_key=key,
                          data_source=data_source, **stored_numbers(stored))
