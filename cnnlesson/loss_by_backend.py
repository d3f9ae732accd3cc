"""The tutorial's compiled loss on each Keras backend, measured (the errata page).

The tutorial's network ends in a sigmoid and is compiled with
``sparse_categorical_crossentropy``.  Keras' loss receives the sigmoid's outputs; what it
computes from them depends on the backend.  Two definitions are candidates, both written
here in NumPy (:func:`candidate_losses`): the softmax cross-entropy of the values that
enter the sigmoid (the logits), and the cross-entropy of the sigmoid outputs divided by
their sum.  :func:`losses_on_backends` asks every installed backend for the compiled loss
of the same weights on the same batch, also for the lesson's two repairs (a softmax
output, and a linear output with ``from_logits=True``); :func:`training_on_backends`
trains the sigmoid and the softmax network from the same initial weights on each backend.

Each backend runs in its own process (:func:`cnnlesson.backends.run_on_backend`).  The
results are kept as JSON files in a folder the caller names, under a key of everything
that changes them, so a rebuild asks no backend again.
"""

from __future__ import annotations

import hashlib
import json
import platform
import tempfile
from pathlib import Path

import numpy as np

from cnnlesson import backends as _backends
from cnnlesson.data import fingerprint
from cnnlesson.files import write_whole

#: The outputs compared: the tutorial's sigmoid, and the two repairs the lesson advises.
OUTPUTS = ("sigmoid", "softmax", "logits")
#: How the page names each output and its loss.
OUTPUT_LABELS = {
    "sigmoid": "sigmoid (the tutorial's)",
    "softmax": "softmax",
    "logits": "linear, from_logits=True",
}
#: Keras' fuzz factor (``keras.config.epsilon()``'s default), which bounds a probability
#: that its cross-entropy takes the logarithm of.
_EPSILON = 1e-7
#: The two definitions the sigmoid network's compiled loss may follow.
CANDIDATES = {
    "softmax_of_logits": "softmax cross-entropy of the logits",
    "normalised_sigmoid": "cross-entropy of the sigmoid outputs divided by their sum",
}


def candidate_losses(logits, labels) -> dict:
    """The two definitions of the sigmoid network's loss, in NumPy (float64), batch mean.

    ``softmax_of_logits``: :math:`\\log \\sum_j e^{z_j} - z_y`, the cross-entropy of the
    softmax of the logits :math:`z`.  ``normalised_sigmoid``: :math:`-\\log(p_y / \\sum_j
    p_j)` with :math:`p = 1 / (1 + e^{-z})`, the sigmoid outputs made to sum to one; as
    Keras' cross-entropy of probabilities does, the ratio is first kept within
    :math:`[\\epsilon, 1 - \\epsilon]` (``keras.config.epsilon()``, 1e-7), so that an image
    whose class scores almost nothing costs at most :math:`-\\log \\epsilon`.

    Examples
    --------
    >>> losses = candidate_losses([[2.0, 0.0, -2.0]], [0])
    >>> {name: round(value, 4) for name, value in losses.items()}
    {'softmax_of_logits': 0.1429, 'normalised_sigmoid': 0.5324}
    >>> round(candidate_losses([[0.0, -90.0]], [1])["normalised_sigmoid"], 2)  # -log(1e-7)
    16.12
    """
    z = np.asarray(logits, dtype=np.float64)
    y = np.asarray(labels).reshape(-1)
    rows = np.arange(len(z))
    top = z.max(axis=1, keepdims=True)
    log_sum = np.log(np.exp(z - top).sum(axis=1)) + top[:, 0]
    p = 1.0 / (1.0 + np.exp(-z))
    share = np.clip(p[rows, y] / p.sum(axis=1), _EPSILON, 1.0 - _EPSILON)
    return {"softmax_of_logits": float(np.mean(log_sum - z[rows, y])),
            "normalised_sigmoid": float(np.mean(-np.log(share)))}


def logits_of(model, images) -> np.ndarray:
    """What enters the last layer's activation: its input times its kernel, plus its bias.

    Examples
    --------
    >>> from cnnlesson import build_lesson_model
    >>> model = build_lesson_model(compile=False)
    >>> images = np.zeros((2, 32, 32, 3), dtype="float32")
    >>> z = logits_of(model, images)
    >>> bool(np.allclose(1 / (1 + np.exp(-z)), model.predict(images, verbose=0), atol=1e-6))
    True
    """
    import keras

    last = model.layers[-1]
    hidden = keras.Model(model.inputs, last.input)
    kernel, bias = last.get_weights()
    return hidden.predict(images, verbose=0) @ kernel + bias


def build_output_variant(output, *, seed=0):
    """The lesson's network with ``output`` (:data:`OUTPUTS`), compiled for it.

    ``"logits"`` is the linear output with ``SparseCategoricalCrossentropy(from_logits=True)``;
    the others as :func:`cnnlesson.build_lesson_model` compiles them.

    Examples
    --------
    >>> model = build_output_variant("logits")
    >>> model.layers[-1].get_config()["activation"], model.loss.get_config()["from_logits"]
    ('linear', True)
    """
    import keras

    from cnnlesson.models import build_lesson_model

    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {OUTPUTS}, got {output!r}")
    if output != "logits":
        return build_lesson_model(output_activation=output, seed=seed)
    sigmoid = build_lesson_model(compile=False, seed=seed)

    def linear_last(layer):
        config = layer.get_config()
        if layer is sigmoid.layers[-1]:
            config["activation"] = "linear"
        return layer.__class__.from_config(config)

    model = keras.models.clone_model(sigmoid, clone_function=linear_last)
    model.set_weights(sigmoid.get_weights())
    model.compile(optimizer=keras.optimizers.Adam(),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["sparse_categorical_accuracy"])
    return model


def compiled_losses(weights, batch) -> dict:
    """On this process's backend: each output's compiled loss for the same weights and batch.

    Parameters
    ----------
    weights : str
        A ``.weights.h5`` file of the lesson's network (any of :data:`OUTPUTS`: the
        weights are the same arrays).
    batch : str
        An ``.npz`` file with ``images`` (scaled float32) and ``labels``.

    Returns
    -------
    dict
        ``{"backend": name, "losses": {output: loss as model.evaluate reports it}}``.
    """
    with np.load(batch) as arrays:
        images, labels = arrays["images"], arrays["labels"]
    losses = {}
    for output in OUTPUTS:
        model = build_output_variant(output)
        model.load_weights(weights)
        losses[output] = float(model.evaluate(images, labels, batch_size=len(images),
                                              verbose=0, return_dict=True)["loss"])
    return {"backend": _backends.current_backend(), "losses": losses}


def short_runs(initial_weights, epochs, batch_size, subset, seed=0) -> dict:
    """On this process's backend: the sigmoid and the softmax network trained from the
    same initial weights with :func:`cnnlesson.train_model` (nothing cached).

    Returns
    -------
    dict
        ``{output: {"history": ..., "test_accuracy": ..., "test_loss": ...}}`` for
        ``"sigmoid"`` and ``"softmax"``.
    """
    from cnnlesson.train import train_model

    runs = {}
    for output in ("sigmoid", "softmax"):
        def build(seed, output=output):
            model = build_output_variant(output, seed=seed)
            model.load_weights(initial_weights)
            return model

        result = train_model(build, epochs=epochs, batch_size=batch_size, subset=subset,
                             seed=seed, cache=False, verbose=0)
        runs[output] = {"history": result.history, "test_accuracy": result.test_accuracy,
                        "test_loss": result.test_loss}
    return runs


def _versions(backends) -> dict:
    import keras

    return {"keras": keras.__version__, "numpy": np.__version__,
            "python": platform.python_version(),
            **{name: _backends.backend_version(name) for name in backends}}


def _remembered(results_dir, name, description, compute):
    """``compute()``, or its result kept in ``results_dir`` under a key of ``description``."""
    if results_dir is None:
        return compute()
    key = hashlib.sha256(json.dumps(description, sort_keys=True).encode()).hexdigest()[:20]
    path = Path(results_dir) / f"{name}-{key}.json"
    if path.is_file():
        return json.loads(path.read_text(encoding="utf-8"))
    result = compute()
    write_whole(path, lambda partial: partial.write_text(json.dumps(result, indent=1),
                                                         "utf-8"))
    return result


def _which(backends):
    chosen = list(backends) if backends is not None else _backends.installed_backends()
    for name in chosen:
        if name not in _backends.BACKENDS:
            raise ValueError(f"{name!r} is not a Keras backend; use some of "
                             f"{_backends.BACKENDS}")
    return chosen


def losses_on_backends(model, images, labels, *, backends=None, results_dir=None) -> dict:
    """The candidate losses in NumPy, and the compiled loss each backend reports.

    Parameters
    ----------
    model : keras.Model
        The lesson's network, trained or not; its weights are what every backend loads.
    images, labels : numpy.ndarray
        One batch: scaled float32 images and integer labels.
    backends : sequence of str, optional
        Default: every installed backend (:func:`cnnlesson.backends.installed_backends`).
    results_dir : str or pathlib.Path, optional
        Where results are kept between runs; none kept when not given.

    Returns
    -------
    dict
        ``{"candidates": candidate_losses(...), "reported": {backend: {output: loss}}}``.
    """
    chosen = _which(backends)
    images = np.asarray(images, dtype="float32")
    labels = np.asarray(labels).reshape(-1)
    candidates = candidate_losses(logits_of(model, images), labels)
    description = {"weights": fingerprint(*model.get_weights()),
                   "batch": fingerprint(images, labels.astype(np.int64)),
                   "versions": _versions(chosen), "outputs": OUTPUTS}

    def measure():
        with tempfile.TemporaryDirectory() as folder:
            weights, batch = Path(folder, "model.weights.h5"), Path(folder, "batch.npz")
            model.save_weights(weights)
            np.savez(batch, images=images, labels=labels)
            return {name: _backends.run_on_backend(
                name, "cnnlesson.loss_by_backend:compiled_losses", weights=str(weights),
                batch=str(batch))["losses"] for name in chosen}

    reported = _remembered(results_dir, "losses", description, measure)
    return {"candidates": candidates, "reported": reported}


def training_on_backends(*, epochs, batch_size, subset, seed=0, backends=None,
                         results_dir=None) -> dict:
    """Short runs of the sigmoid and the softmax network on each backend, one process per
    backend, all from the same initial weights (built here, on this process's backend).

    Parameters
    ----------
    epochs, batch_size, subset, seed
        The recipe, as :func:`cnnlesson.train_lesson_model` takes it (e.g. the quick
        profile's ``lesson``).
    backends, results_dir
        As in :func:`losses_on_backends`.

    Returns
    -------
    dict
        ``{backend: {output: {"history", "test_accuracy", "test_loss"}}}``.
    """
    from cnnlesson import data as _data
    from cnnlesson.models import build_lesson_model
    from cnnlesson.train import TRAINING_CODE_VERSION

    chosen = _which(backends)
    start = build_lesson_model(compile=False, seed=seed)
    recipe = {"epochs": epochs, "batch_size": batch_size, "subset": subset, "seed": seed}
    description = {"weights": fingerprint(*start.get_weights()), "recipe": recipe,
                   "data": fingerprint(*(array for split in _data.load_cifar10(
                       subset=subset) for array in split)),
                   "training_code": TRAINING_CODE_VERSION, "versions": _versions(chosen)}

    def train():
        with tempfile.TemporaryDirectory() as folder:
            weights = Path(folder, "initial.weights.h5")
            start.save_weights(weights)
            return {name: _backends.run_on_backend(
                name, "cnnlesson.loss_by_backend:short_runs",
                initial_weights=str(weights), **recipe) for name in chosen}

    return _remembered(results_dir, "training", description, train)
