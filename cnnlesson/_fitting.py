"""The pieces of a ``model.fit`` run that :mod:`cnnlesson.train` puts together.

The input pipelines (:func:`image_datasets`), Keras' history under the site's
names, and a callback that times each epoch and reports progress where a docs
build captures the output.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from cnnlesson import data as _data

# Test images per evaluation batch: evaluation is per image, a larger batch is quicker.
EVALUATION_BATCH_SIZE = 256


def image_datasets(x_train, y_train, x_test, y_test, *, batch_size, seed=0):
    """The ``tf.data`` pipelines that :func:`train_model` gives ``model.fit``.

    The pixels stay uint8 in memory (a quarter of float32) and each batch is
    scaled on the way, to exactly the values of :func:`cnnlesson.scale_images`.

    Parameters
    ----------
    x_train, y_train, x_test, y_test : numpy.ndarray
        uint8 images (N, 32, 32, 3) and integer labels, as :func:`cnnlesson.load_cifar10`
        returns them.
    batch_size : int
        Training batch size; the test set is batched by 256 (evaluation is per image).
    seed : int
        Seeds the shuffle, which draws a new order every epoch.

    Returns
    -------
    tuple of tf.data.Dataset
        ``(train, test)``, each yielding ``(float32 images, int labels)`` batches.

    Examples
    --------
    >>> pixels = np.full((5, 32, 32, 3), 255, dtype=np.uint8)
    >>> train, test = image_datasets(pixels, np.arange(5), pixels, np.arange(5), batch_size=2)
    >>> images, labels = next(iter(test))
    >>> images.shape.as_list(), float(images.numpy().max()), len(list(train))
    ([5, 32, 32, 3], 1.0, 3)
    """
    import tensorflow as tf

    # A table of the 256 scaled values: TensorFlow's own division rounds differently
    # from NumPy's in the last bit, and the lesson's numbers are NumPy's.
    table = tf.constant(_data.scale_images(np.arange(256, dtype=np.uint8)))

    def scale(images, labels):
        return tf.gather(table, tf.cast(images, tf.int32)), labels

    def pipeline(images, labels, batch, shuffle):
        dataset = tf.data.Dataset.from_tensor_slices((images, np.asarray(labels).reshape(-1)))
        if shuffle:
            dataset = dataset.shuffle(len(images), seed=seed, reshuffle_each_iteration=True)
        return dataset.batch(batch).map(scale).prefetch(tf.data.AUTOTUNE)

    return (pipeline(x_train, y_train, batch_size, shuffle=True),
            pipeline(x_test, y_test, EVALUATION_BATCH_SIZE, shuffle=False))


def keras_history_by_site_names(keras_history):
    """Keras' per-epoch history under the site's names: loss, accuracy, val_loss, val_accuracy."""
    history = {}
    for prefix in ("", "val_"):
        history[f"{prefix}loss"] = keras_history[f"{prefix}loss"]
        accuracy = next(name for name in keras_history if name.startswith(prefix)
                        and "acc" in name and (prefix or not name.startswith("val_")))
        history[f"{prefix}accuracy"] = keras_history[accuracy]
    return {name: [float(value) for value in values] for name, values in history.items()}


def report_line(line):
    """Print a progress line; where stdout is captured (a docs build), echo it to the terminal."""
    print(line, flush=True)
    if sys.stdout is not sys.__stdout__ and sys.__stderr__ is not None:
        print(line, file=sys.__stderr__, flush=True)


def epoch_clock(epochs, verbose):
    """A callback timing every epoch (validation included), and the list it fills.

    At ``verbose=2`` it also prints one line per epoch.
    """
    import keras

    seconds, started = [], []

    def begin(epoch, logs=None):
        started.append(time.perf_counter())

    def end(epoch, logs=None):
        seconds.append(time.perf_counter() - started[-1])
        if verbose == 2:
            numbers = " - ".join(f"{name}: {value:.4f}" for name, value in (logs or {}).items())
            report_line(f"Epoch {epoch + 1}/{epochs} - {seconds[-1]:.1f}s - {numbers}")

    return keras.callbacks.LambdaCallback(on_epoch_begin=begin, on_epoch_end=end), seconds
