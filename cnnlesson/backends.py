"""Keras backends: which one runs, the one gradient Keras has no neutral API for, and
running a package function under another backend.

Keras 3 runs the same model code on TensorFlow, JAX and PyTorch; ``KERAS_BACKEND``
chooses, before Keras is first imported (TensorFlow when unset).  The package uses only
Keras' own API, with one exception: the gradient of a model's output with respect to its
*input* (:func:`input_gradient`), for which Keras offers no backend-neutral function, so
each backend's own automatic differentiation is called there, in one place.

:func:`run_on_backend` calls a function of this package in a fresh Python process under
another backend, which is how one program compares backends: a process has one backend
for its whole life.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np

#: The backends Keras 3 runs on, by the names ``KERAS_BACKEND`` takes.
BACKENDS = ("tensorflow", "jax", "torch")
#: How the lesson names each backend.
BACKEND_NAMES = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}
#: The package on the package index that brings each backend.
_DISTRIBUTIONS = {"tensorflow": "tensorflow", "jax": "jax", "torch": "torch"}


def current_backend() -> str:
    """The backend this process's Keras runs on: ``"tensorflow"``, ``"jax"`` or ``"torch"``.

    Examples
    --------
    >>> current_backend() in BACKENDS
    True
    """
    import keras

    return keras.backend.backend()


def installed_backends() -> list:
    """The backends of :data:`BACKENDS` that can be imported here, without importing them.

    Examples
    --------
    >>> current_backend() in installed_backends()
    True
    """
    return [name for name in BACKENDS if importlib.util.find_spec(name) is not None]


def backend_version(backend: str) -> str:
    """The installed version of ``backend``'s package, read without importing it.

    Examples
    --------
    >>> backend_version(current_backend()) != ""
    True
    >>> backend_version("theano")
    Traceback (most recent call last):
    ValueError: 'theano' is not a Keras backend; use one of ('tensorflow', 'jax', 'torch')
    """
    if backend not in BACKENDS:
        raise ValueError(f"{backend!r} is not a Keras backend; use one of {BACKENDS}")
    return importlib.metadata.version(_DISTRIBUTIONS[backend])


def describe_versions(versions: dict) -> str:
    """Backend and Keras versions in words, from a dict such as
    :func:`cnnlesson.cache.library_versions` returns (``backend`` missing: TensorFlow,
    the only backend the package used before it recorded one).

    Examples
    --------
    >>> describe_versions({"backend": "jax", "jax": "0.10.2", "keras": "3.15.1"})
    'JAX 0.10.2 and Keras 3.15.1'
    >>> describe_versions({"tensorflow": "2.21.0", "keras": "3.15.1"})
    'TensorFlow 2.21.0 and Keras 3.15.1'
    """
    backend = versions.get("backend", "tensorflow")
    return (f"{BACKEND_NAMES.get(backend, backend)} {versions.get(backend)} and Keras "
            f"{versions.get('keras')}")


def input_gradient(function, x) -> np.ndarray:
    """The gradient of ``sum(function(x))`` with respect to the input ``x``, as NumPy.

    Keras 3 has no backend-neutral gradient function (a model's training step uses each
    backend's own), so this is the one place where the package calls a backend
    directly: ``tf.GradientTape``, ``jax.grad`` or ``torch.autograd``, each its
    backend's documented way.  ``function`` must be built from Keras layers or
    ``keras.ops`` (a model called with ``training=False``, say), so that it runs on
    whichever backend is current.

    Parameters
    ----------
    function : callable
        Maps a batch tensor to a tensor; it must not update any state.
    x : array-like
        The input, converted to float32.

    Returns
    -------
    numpy.ndarray
        Of ``x``'s shape.

    Examples
    --------
    >>> import keras
    >>> x = np.array([[1.0, 2.0, 3.0]])
    >>> input_gradient(lambda v: keras.ops.square(v), x)
    array([[2., 4., 6.]], dtype=float32)
    """
    import keras

    x = np.asarray(x, dtype="float32")
    backend = current_backend()
    if backend == "tensorflow":
        import tensorflow as tf

        tensor = tf.convert_to_tensor(x)
        with tf.GradientTape() as tape:
            tape.watch(tensor)
            total = keras.ops.sum(function(tensor))
        return tape.gradient(total, tensor).numpy()
    if backend == "jax":
        import jax

        return np.asarray(jax.grad(lambda v: keras.ops.sum(function(v)))(x))
    if backend == "torch":
        import torch

        tensor = torch.tensor(x, requires_grad=True)
        keras.ops.sum(function(tensor)).backward()
        return tensor.grad.detach().cpu().numpy()
    raise NotImplementedError(f"no input gradient for the Keras backend {backend!r}; "
                              f"run with KERAS_BACKEND set to one of {BACKENDS}")


class BackendRunError(RuntimeError):
    """A function run under another backend (:func:`run_on_backend`) failed."""


def run_on_backend(backend: str, function: str, *, timeout: float = 1800, **arguments):
    """Call ``function`` of this package in a new Python process under ``backend``.

    Parameters
    ----------
    backend : str
        One of :data:`BACKENDS`; it must be installed (:func:`installed_backends`).
    function : str
        ``"module:name"`` of a function in :mod:`cnnlesson`, e.g.
        ``"cnnlesson.sigmoid_loss:compiled_losses"``.
    timeout : float
        Seconds before the process is stopped.
    **arguments
        Keyword arguments of the function: JSON values (strings for paths).

    Returns
    -------
    object
        What the function returned, through JSON.

    Raises
    ------
    ValueError
        For an unknown or missing backend, or a function outside the package.
    BackendRunError
        When the process fails or runs past ``timeout``; the message ends with the
        last lines it wrote.

    Examples
    --------
    >>> run_on_backend(current_backend(), "cnnlesson.backends:current_backend") in BACKENDS
    True
    >>> run_on_backend("jax", "os:getcwd")
    Traceback (most recent call last):
    ValueError: run_on_backend runs functions of cnnlesson only, not 'os:getcwd'
    """
    if backend not in BACKENDS:
        raise ValueError(f"{backend!r} is not a Keras backend; use one of {BACKENDS}")
    if not function.startswith("cnnlesson.") or ":" not in function:
        raise ValueError(f"run_on_backend runs functions of cnnlesson only, not {function!r}")
    if backend not in installed_backends():
        raise ValueError(f"the Keras backend {backend!r} is not installed here; "
                         f"'pip install {_DISTRIBUTIONS[backend]}' adds it")
    env = {**os.environ, "KERAS_BACKEND": backend, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-c", "import sys; from cnnlesson.backends import _main; "
               "_main(sys.argv[1:])", function, json.dumps(arguments)]
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired as error:
        raise BackendRunError(f"{function} on {backend} ran past {timeout:.0f} s") from error
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-12:])
        raise BackendRunError(f"{function} on {backend} failed (exit status "
                              f"{done.returncode}):\n{tail}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _main(argv):
    """The other process of :func:`run_on_backend`: call, print the result as JSON."""
    import importlib

    function, arguments = argv
    module, name = function.split(":")
    result = getattr(importlib.import_module(module), name)(**json.loads(arguments))
    print(json.dumps(result), flush=True)
