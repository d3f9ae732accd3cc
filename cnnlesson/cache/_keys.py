"""Cache keys: everything that changes a training run's outcome, hashed (see
:mod:`cnnlesson.cache`)."""

from __future__ import annotations

import hashlib
import json
import platform


def library_versions() -> dict:
    """The versions that can change a training run's numbers, and the Keras backend.

    The backend is part of the run: the same recipe on JAX or PyTorch draws other
    initial weights and dropout masks than on TensorFlow, and computes in another order.

    Examples
    --------
    >>> versions = library_versions()
    >>> sorted(versions) == sorted(["backend", versions["backend"], "keras", "numpy",
    ...                             "python"])
    True
    """
    import keras
    import numpy

    from cnnlesson.backends import backend_version

    backend = keras.backend.backend()
    return {"backend": backend, backend: backend_version(backend), "keras": keras.__version__,
            "numpy": numpy.__version__, "python": platform.python_version()}


def _hash(description: dict) -> str:
    text = json.dumps(description, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def recipe_key(model, recipe: dict, training_code_version: int) -> str:
    """A hash of what is trained and how: the architecture, the optimizer, the recipe.

    Two runs with the same recipe key differ at most in the copy of the data and the
    library versions; a model fetched from a site is used for a recipe with its recipe
    key (see :func:`cnnlesson.cache.load_or_train`).

    Examples
    --------
    >>> from cnnlesson import build_lesson_model
    >>> recipe = {"epochs": 1, "batch_size": 32, "seed": 0}
    >>> recipe_key(build_lesson_model(), recipe, 1) == recipe_key(
    ...     build_lesson_model(), {**recipe, "seed": 1}, 1)
    False
    """
    return _hash({
        "architecture": model.get_config(),
        # The optimizer's name is numbered per session ("adam_1"), so it is left out.
        "optimizer": {k: v for k, v in model.optimizer.get_config().items() if k != "name"},
        "recipe": recipe,
        "training_code": training_code_version,
    })


def cache_key(model, recipe: dict, data_fingerprint: str, training_code_version: int) -> str:
    """The name of the entry for training ``model`` with ``recipe`` on some data.

    Everything that changes the outcome goes into the key: the architecture, the
    optimizer's settings, the schedule and seed (:func:`recipe_key`), the data, the
    library versions and the version of the training code.

    Examples
    --------
    >>> from cnnlesson import build_lesson_model
    >>> recipe = {"epochs": 1, "batch_size": 32, "seed": 0}
    >>> key = cache_key(build_lesson_model(), recipe, "data-0", 1)
    >>> len(key), key == cache_key(build_lesson_model(), recipe, "data-1", 1)
    (24, False)
    """
    return _hash({"recipe_key": recipe_key(model, recipe, training_code_version),
                  "data": data_fingerprint, "versions": library_versions()})
