"""The training loop: how the lesson's recipe is stepped through on this machine.

`cnnlesson.train` decides *what* to train and caches it; this module decides
*how* the optimisation steps are run.  Kept apart so that faster loops can be
swapped in without touching the cache or the recipe.
"""

from __future__ import annotations

import time

import numpy as np


def fit(model, x_train, y_train, *, epochs, batch_size, validation_data=None, seed=0,
        verbose=1):
    """Run ``epochs`` passes of mini-batch training and return the per-epoch history.

    Parameters
    ----------
    model : keras.Model
        A compiled model.
    x_train, y_train : numpy.ndarray
        Float32 images scaled to [0, 1] and integer labels.
    epochs, batch_size : int
        The schedule.
    validation_data : tuple of numpy.ndarray, optional
        ``(x_test, y_test)`` evaluated after every epoch.
    seed : int
        Seeds the shuffling so that a rerun gives the same curves.
    verbose : int
        0 silent, 1 a progress bar, 2 one line per epoch.

    Returns
    -------
    dict
        Lists, one value per epoch: ``loss``, ``accuracy``, ``val_loss``,
        ``val_accuracy`` (the last two only with validation data) and
        ``epoch_seconds``.
    """
    import keras

    keras.utils.set_random_seed(seed)
    epoch_seconds = []

    class _Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            epoch_seconds.append(time.perf_counter() - self._start)

    keras_history = model.fit(
        x_train, y_train, epochs=epochs, batch_size=batch_size,
        validation_data=validation_data, verbose=verbose, callbacks=[_Timer()],
    ).history
    history = {
        "loss": keras_history["loss"],
        "accuracy": keras_history["sparse_categorical_accuracy"],
    }
    if validation_data is not None:
        history["val_loss"] = keras_history["val_loss"]
        history["val_accuracy"] = keras_history["val_sparse_categorical_accuracy"]
    history["epoch_seconds"] = epoch_seconds
    return {key: [float(v) for v in np.asarray(values)] for key, values in history.items()}
