"""The pieces of a ``model.fit`` run that :mod:`cnnlesson.train` puts together.

The input batches (:func:`image_datasets`), Keras' history under the site's
names, a callback that times each epoch and reports progress where a docs
build captures the output, and the :class:`TrainingResult` a run returns.
"""

from __future__ import annotations

import dataclasses
import sys
import time

import numpy as np

from cnnlesson import data as _data

# Test images per evaluation batch: evaluation is per image, a larger batch is quicker.
EVALUATION_BATCH_SIZE = 256


def image_datasets(x_train, y_train, x_test, y_test, *, batch_size, seed=0):
    """The batches that :func:`train_model` gives ``model.fit``, on every Keras backend.

    Each split is a ``keras.utils.PyDataset``, which ``model.fit`` reads alike on
    TensorFlow, JAX and PyTorch.  The pixels stay uint8 in memory (a quarter of float32)
    and each batch is scaled on the way, by a table of the 256 values of
    :func:`cnnlesson.scale_images`, so the numbers are exactly that function's.  The
    training images come in a new order every epoch, drawn by NumPy from ``seed`` and the
    epoch's number: the same order on every backend.  Fit with ``shuffle=False`` (Keras
    would otherwise also shuffle the batches).

    Parameters
    ----------
    x_train, y_train, x_test, y_test : numpy.ndarray
        uint8 images (N, 32, 32, 3) and integer labels, as :func:`cnnlesson.load_cifar10`
        returns them.
    batch_size : int
        Training batch size; the test set is batched by 256 (evaluation is per image).
    seed : int
        Seeds the order of the training images.

    Returns
    -------
    tuple of keras.utils.PyDataset
        ``(train, test)``, each yielding ``(float32 images, labels)`` batches, the labels
        in the shape given; the last batch of a split may be smaller.

    Examples
    --------
    >>> pixels = np.full((5, 32, 32, 3), 255, dtype=np.uint8)
    >>> train, test = image_datasets(pixels, np.arange(5), pixels, np.arange(5), batch_size=2)
    >>> images, labels = test[0]
    >>> images.shape, images.dtype, float(images.max()), len(train)
    ((5, 32, 32, 3), dtype('float32'), 1.0, 3)
    >>> first = [int(label) for index in range(len(train)) for label in train[index][1]]
    >>> train.on_epoch_end()
    >>> second = [int(label) for index in range(len(train)) for label in train[index][1]]
    >>> sorted(first) == sorted(second) == [0, 1, 2, 3, 4], first != second
    (True, True)
    """
    import keras

    table = _data.scale_images(np.arange(256, dtype=np.uint8))

    class ImageBatches(keras.utils.PyDataset):
        def __init__(self, images, labels, batch, shuffle):
            super().__init__()
            # The labels keep their shape, (N, 1) from load_cifar10: a model.evaluate on
            # those arrays after fit then matches the step TensorFlow traced for the fit.
            self.images, self.labels = images, np.asarray(labels)
            self.batch, self.shuffle, self.epoch = batch, shuffle, 0
            self.order = self.draw_order()

        def draw_order(self):
            if not self.shuffle:
                return np.arange(len(self.images))
            return np.random.default_rng([seed, self.epoch]).permutation(len(self.images))

        def __len__(self):
            return -(-len(self.images) // self.batch)

        def __getitem__(self, index):
            rows = self.order[index * self.batch:(index + 1) * self.batch]
            return table[self.images[rows]], self.labels[rows]

        def on_epoch_end(self):
            self.epoch += 1
            self.order = self.draw_order()

    return (ImageBatches(x_train, y_train, batch_size, shuffle=True),
            ImageBatches(x_test, y_test, EVALUATION_BATCH_SIZE, shuffle=False))


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
    """A callback timing every epoch (validation included), and the lists it fills.

    Returns the callback, the wall seconds of each epoch and the processor seconds of
    each (of this process, all its threads): other work on the machine stretches the
    first and hardly the second.  At ``verbose=2`` it also prints one line per epoch.
    """
    import keras

    seconds, cpu_seconds, started = [], [], []

    def begin(epoch, logs=None):
        started.append((time.perf_counter(), time.process_time()))

    def end(epoch, logs=None):
        wall, cpu = started[-1]
        seconds.append(time.perf_counter() - wall)
        cpu_seconds.append(time.process_time() - cpu)
        if verbose == 2:
            numbers = " - ".join(f"{name}: {value:.4f}" for name, value in (logs or {}).items())
            report_line(f"Epoch {epoch + 1}/{epochs} - {seconds[-1]:.1f}s - {numbers}")

    return (keras.callbacks.LambdaCallback(on_epoch_begin=begin, on_epoch_end=end), seconds,
            cpu_seconds)


def machine() -> dict:
    """The processor a run trained on, named as the operating system names it.

    Examples
    --------
    >>> sorted(machine())
    ['cores', 'processor']
    """
    import os
    import platform

    name = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            name = next(line.split(":", 1)[1].strip() for line in cpuinfo
                        if line.startswith("model name"))
    except (OSError, StopIteration):
        pass  # not Linux: the platform's own name
    return {"processor": name, "cores": os.cpu_count()}


@dataclasses.dataclass
class TrainingResult:
    """What one training run produced.

    Attributes
    ----------
    model : keras.Model
        The trained network.
    history : dict of list of float
        Per epoch: ``loss``, ``accuracy``, ``val_loss``, ``val_accuracy``,
        ``epoch_seconds`` (wall time) and ``epoch_cpu_seconds`` (processor time of the
        training process, which other work on the machine disturbs little).
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
    machine : dict
        The ``processor`` and number of ``cores`` it trained on (empty for entries
        stored before the package recorded it).
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
    machine: dict = dataclasses.field(default_factory=dict)

    def summary(self) -> dict:
        """The result's numbers as a JSON-ready dict (everything but the model)."""
        fields = {field.name: getattr(self, field.name) for field in dataclasses.fields(self)
                  if field.name != "model"}
        return {**fields, "epochs": self.recipe["epochs"], "batch_size": self.recipe["batch_size"]}


def stored_numbers(stored: dict) -> dict:
    """The fields of a :class:`TrainingResult` that a cache entry's result holds."""
    names = ("history", "test_accuracy", "test_loss", "train_seconds",
             "images_per_second", "recipe")
    return {**{name: stored[name] for name in names}, "machine": stored.get("machine", {})}
