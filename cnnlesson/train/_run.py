"""One training run through the cache: build, load the data, key the recipe, then the
cache's entry, the site's published model or ``model.fit`` (see :mod:`cnnlesson.train`)."""

from __future__ import annotations

import sys
import time

from cnnlesson._interrupts import honoured, interruption_callback, raise_if_interrupted
from cnnlesson.backends import describe_versions
from cnnlesson.cache import cache_dir, cache_key, library_versions, load_or_train, recipe_key
from cnnlesson.data import cifar10_source, fingerprint, load_cifar10
from cnnlesson.models import INPUT_SHAPE, NUM_CLASSES, training_recipe
from cnnlesson.profiles import rough_duration
from cnnlesson.published import record_use, site_fetcher
from cnnlesson.train._fitting import (
    TrainingResult,
    epoch_clock,
    image_datasets,
    keras_history_by_site_names,
    machine,
    stored_numbers,
)
from cnnlesson.wording import count

# Bump when a change to the training code changes the numbers it produces: it is
# part of every cache key, so older entries are then trained again.
TRAINING_CODE_VERSION = 4

#: Training images per second on a 2-core laptop processor, roughly (measured on 2-core
#: Xeon and EPYC machines, benchmarks/NOTES.md): what the notice before training says.
ROUGH_IMAGES_PER_SECOND = {"lesson_cnn": 400, "design_cnn": 250}


def checked_build(build, seed):
    """``build(seed=seed)``, seeded, if it is a compiled model that fits CIFAR-10; else
    ValueError in one line, before any data is loaded."""
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


def run(build, settings, *, epochs, batch_size, subset, seed, cache, verbose, label=None):
    """Train (or load, or fetch) the network ``build`` makes; a :class:`TrainingResult`.

    ``settings`` are the network's settings its recipe records
    (:func:`cnnlesson.models.training_recipe`); the arguments are checked by the caller.
    """
    model = checked_build(build, seed)
    (x_train, y_train), (x_test, y_test) = load_cifar10(subset=subset)
    data_source = cifar10_source()
    recipe = training_recipe(model.name, **settings, epochs=epochs, batch_size=batch_size,
                             subset=subset, seed=seed)
    data_fingerprint = fingerprint(x_train, y_train, x_test, y_test)
    key_of_recipe = recipe_key(model, recipe, TRAINING_CODE_VERSION)

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
        # shuffle=False: the batches reshuffle themselves every epoch.
        fitted = model.fit(train_images, epochs=epochs, validation_data=test_images,
                           shuffle=False, callbacks=[clock, interruption_callback()],
                           verbose=1 if verbose == 1 else 0)
        train_seconds = time.perf_counter() - start
        test_loss, test_accuracy = model.evaluate(test_images, verbose=0)[:2]
        # A Ctrl-C that TensorFlow swallowed still stops the run here, before the store.
        raise_if_interrupted()
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
            "versions": library_versions(),
            "machine": machine(),
        }

    # The cache's entry, else the site's model of this recipe (use_site_models), else
    # model.fit under the entry's lock, stored afterwards (a failed store only warns).  A
    # Ctrl-C is always a KeyboardInterrupt, and nothing is stored after one.
    entry = cache_dir() / cache_key(model, recipe, data_fingerprint, TRAINING_CODE_VERSION)
    with honoured():
        outcome = load_or_train(entry, model, fit_and_evaluate, recipe=recipe,
                                rebuild=lambda: checked_build(build, seed), cache=cache,
                                fetch=site_fetcher(key_of_recipe) if cache else None,
                                recipe_key=key_of_recipe)
    if outcome.from_cache:
        _say_where_it_was_trained(outcome, data_fingerprint)
    if cache:
        record_use(outcome.key)
    return TrainingResult(model=outcome.model, from_cache=outcome.from_cache,
                          cache_key=outcome.key, data_source=data_source,
                          **stored_numbers(outcome.result))


def _say_where_it_was_trained(outcome, data_fingerprint):
    """One line on stderr when a site's model was trained with other versions or data."""
    notes = []
    theirs, ours = outcome.result.get("versions") or {}, library_versions()
    if describe_versions(theirs) != describe_versions(ours):
        notes.append(f"with {describe_versions(theirs)} (here {describe_versions(ours)})")
    if outcome.result.get("data_fingerprint") not in (None, data_fingerprint):
        notes.append("on another copy of CIFAR-10 than this one")
    if notes:
        print(f"cnnlesson: the site's model {outcome.key} was trained {' and '.join(notes)}; "
              "its numbers are the site's, and predictions here may differ in the last "
              "digits", file=sys.stderr, flush=True)
