"""The training loop: how the lesson's recipe is stepped through on this machine.

`cnnlesson.train` decides *what* to train and caches it; this module decides
*how* the optimisation steps are run, so faster loops can be swapped in
without touching the cache or the recipe.

:func:`fit` does the arithmetic of ``model.fit`` (model, loss, Adam, constraints
after every step, dropout, shuffling each epoch, batch size, number of steps)
with less waste on a CPU; ``benchmarks/NOTES.md`` has the measurements:

* one ``tf.function`` call runs a chunk of steps in a graph loop, gathering
  each batch from a tensor of all the images made once per fit (uint8 pixels
  stay uint8 and are scaled batch by batch);
* Adam is one fused kernel per variable (``ResourceApplyAdam``: Keras's formula
  up to float32 rounding) instead of a dozen passes over the 4.2M weights;
* dense kernels are trained transposed (rows = units), so that ``MaxNorm``'s
  per-unit norm is a fast row reduction and no matmul needs the slow
  ``dy @ W^T`` layout; they are copied back into the Keras model after each epoch;
* dropout draws 16 random bits per unit instead of a float32.
"""

from __future__ import annotations

import sys
import time
import weakref

import numpy as np

from cnnlesson._checks import positive_int
from cnnlesson._steps import LEVERS, Steps

# Traced steps per model, so that fitting a model again does not retrace.
_CACHE = weakref.WeakKeyDictionary()


def fit(model, x_train, y_train, *, epochs, batch_size, validation_data=None, seed=0,
        verbose=1, precision="float32"):
    """Run ``epochs`` passes of mini-batch training and return the per-epoch history.

    Parameters
    ----------
    model : keras.Model
        A compiled model; on return its weights and optimizer state are the
        trained ones.
    x_train, y_train : numpy.ndarray
        Images, either float32 scaled to [0, 1] or uint8 pixels (scaled by ``/ 255``
        batch by batch, which saves memory), and integer labels.
    epochs, batch_size : int
        The schedule.
    validation_data : tuple of numpy.ndarray, optional
        ``(x_test, y_test)`` evaluated after every epoch.
    seed : int
        Seeds the shuffling and dropout so that a rerun gives the same curves.
    verbose : int
        0 silent, 1 a progress bar, 2 one line per epoch.
    precision : {"float32", "bfloat16"}
        ``"float32"`` is the lesson's arithmetic.  ``"bfloat16"`` runs the
        convolutions in bfloat16 (weights, optimizer and everything else stay
        float32): faster on CPUs with AVX512-BF16, but a different recipe.

    Returns
    -------
    dict
        Lists, one value per epoch: ``loss``, ``accuracy`` (means over the
        epoch's images, dropout on, as Keras reports them), ``val_loss``,
        ``val_accuracy`` (only with validation data) and ``epoch_seconds``.

    Raises
    ------
    ValueError
        For a non-positive schedule, an unknown precision, or images and labels
        of different lengths.

    Examples
    --------
    >>> from cnnlesson import build_lesson_model
    >>> pixels = np.random.default_rng(0).integers(0, 256, (64, 32, 32, 3), dtype=np.uint8)
    >>> history = fit(build_lesson_model(), pixels, np.arange(64) % 10,
    ...               epochs=2, batch_size=32, verbose=0)
    >>> sorted(history), len(history["loss"])
    (['accuracy', 'epoch_seconds', 'loss'], 2)
    """
    import keras
    import tensorflow as tf

    positive_int(epochs, "epochs")
    positive_int(batch_size, "batch_size")
    if precision not in ("float32", "bfloat16"):
        raise ValueError(f"precision must be 'float32' or 'bfloat16', got {precision!r}")
    if len(x_train) != len(y_train) or len(x_train) == 0:
        raise ValueError(f"fit needs as many labels as images, at least one of each; "
                         f"got {len(x_train)} images and {len(y_train)} labels")
    keras.utils.set_random_seed(seed)
    # uint8 pixels stay uint8 (a quarter of the memory) and are scaled batch by batch,
    # to exactly the values of scale_images.
    x_train = np.asarray(x_train)
    x_all = tf.constant(x_train if x_train.dtype == np.uint8 else x_train.astype("float32"))
    y_all = tf.constant(np.asarray(y_train).reshape(-1).astype("int32"))
    n = int(x_all.shape[0])
    steps = _CACHE.get(model)
    if steps is None or steps.opt is not model.optimizer or steps.precision != precision:
        steps = _CACHE[model] = Steps(model, precision)
    steps.seed.assign(seed)
    steps.load()
    rng = np.random.default_rng(seed)
    names = ["loss", "accuracy"] + (["val_loss", "val_accuracy"] if validation_data else [])
    history = {name: [] for name in names + ["epoch_seconds"]}
    chunk = LEVERS["steps_per_call"] * batch_size
    for epoch in range(epochs):
        start, loss_sum, correct = time.perf_counter(), 0.0, 0.0
        if verbose == 1:
            print(f"Epoch {epoch + 1}/{epochs}")
            bar = keras.utils.Progbar(-(-n // batch_size), stateful_metrics=names)
        order = tf.constant(rng.permutation(n).astype("int32"))
        for begin in range(0, n, chunk):
            idx = order[begin:begin + chunk]
            full = len(idx) // batch_size * batch_size
            for part, size in ((idx[:full], batch_size), (idx[full:], len(idx) - full)):
                if size:
                    sums = steps.run(x_all, y_all, part, size)
                    loss_sum, correct = loss_sum + float(sums[0]), correct + float(sums[1])
            if verbose == 1:
                done = min(begin + chunk, n)
                bar.update(-(-done // batch_size),
                           [("loss", loss_sum / done), ("accuracy", correct / done)])
        steps.load(to_keras=True)
        values = {"loss": loss_sum / n, "accuracy": correct / n}
        if validation_data is not None:  # batch 256: per-image arithmetic, quicker
            val = model.evaluate(*validation_data, batch_size=256, verbose=0, return_dict=True)
            values["val_loss"] = val["loss"]
            values["val_accuracy"] = next(v for k, v in val.items() if "acc" in k)
        for name in names:
            history[name].append(values[name])
        history["epoch_seconds"].append(time.perf_counter() - start)
        if verbose == 1:
            bar.update(-(-n // batch_size), list(values.items()), finalize=True)
        elif verbose:
            _report(f"Epoch {epoch + 1}/{epochs} - {history['epoch_seconds'][-1]:.1f}s - "
                    + " - ".join(f"{k}: {v:.4f}" for k, v in values.items()))
    return {key: [float(v) for v in values] for key, values in history.items()}


def _report(line):
    """Print a progress line; where stdout is captured (a docs build), echo it to the terminal."""
    print(line, flush=True)
    if sys.stdout is not sys.__stdout__ and sys.__stderr__ is not None:
        print(line, file=sys.__stderr__, flush=True)
