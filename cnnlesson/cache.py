"""The on-disk store of trained models, so that the site trains each recipe once.

Each entry is a folder named by :func:`cache_key`, holding the weights (with
the optimizer's state) and a ``result.json`` of the numbers the training run
produced.  Entries are written beside their final place and renamed in, so a
build that is interrupted never leaves half an entry behind; an entry whose
weights do not match their recorded checksum is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
from pathlib import Path

CACHE_DIR_VARIABLE = "CNNLESSON_CACHE_DIR"

_WEIGHTS_FILE = "model.weights.h5"
_RESULT_FILE = "result.json"


class CacheWarning(UserWarning):
    """A cache entry was unusable and has been replaced by a fresh training run."""


def cache_dir() -> Path:
    """Where trained models are kept: ``$CNNLESSON_CACHE_DIR``, else the user cache.

    Examples
    --------
    >>> import os
    >>> os.environ["CNNLESSON_CACHE_DIR"] = "/tmp/cnnlesson-doctest-cache"
    >>> str(cache_dir())
    '/tmp/cnnlesson-doctest-cache'
    >>> del os.environ["CNNLESSON_CACHE_DIR"]
    """
    value = os.environ.get(CACHE_DIR_VARIABLE, "").strip()
    if value:
        return Path(value).expanduser()
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or Path.home() / ".cache"
    return Path(base) / "cnnlesson"


def library_versions() -> dict:
    """The versions that can change a training run's numbers.

    Examples
    --------
    >>> sorted(library_versions())
    ['keras', 'numpy', 'python', 'tensorflow']
    """
    import keras
    import numpy
    import tensorflow

    return {"tensorflow": tensorflow.__version__, "keras": keras.__version__,
            "numpy": numpy.__version__, "python": platform.python_version()}


def cache_key(model, recipe: dict, data_fingerprint: str, training_code_version: int) -> str:
    """The name of the entry for training ``model`` with ``recipe`` on some data.

    Everything that changes the outcome goes into the key: the architecture, the
    optimizer's settings, the schedule and seed, the data, the library versions
    and the version of the training code.

    Examples
    --------
    >>> from cnnlesson import build_lesson_model
    >>> recipe = {"epochs": 1, "batch_size": 32, "seed": 0}
    >>> key = cache_key(build_lesson_model(), recipe, "data-0", 1)
    >>> len(key), key == cache_key(build_lesson_model(), recipe, "data-1", 1)
    (24, False)
    """
    description = {
        "architecture": model.get_config(),
        # The optimizer's name is numbered per session ("adam_1"), so it is left out.
        "optimizer": {k: v for k, v in model.optimizer.get_config().items() if k != "name"},
        "recipe": recipe,
        "data": data_fingerprint,
        "versions": library_versions(),
        "training_code": training_code_version,
    }
    text = json.dumps(description, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def store_entry(entry: Path, model, result: dict) -> None:
    """Keep ``model``'s weights and the JSON-ready ``result`` as the entry ``entry``.

    The entry is written in a staging folder beside it and renamed in, so it is
    either complete or absent; when another process stored it first, theirs stays.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from cnnlesson import build_lesson_model
    >>> entry = Path(tempfile.mkdtemp()) / "example"
    >>> store_entry(entry, build_lesson_model(seed=1), {"test_accuracy": 0.5})
    >>> sorted(path.name for path in entry.iterdir())
    ['model.weights.h5', 'result.json']
    >>> load_entry(entry, build_lesson_model(seed=2))["test_accuracy"]
    0.5
    """
    entry.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{entry.name}-", dir=entry.parent))
    try:
        # With the optimizer's state always present, load_entry restores it completely.
        model.optimizer.build(model.trainable_variables)
        model.save_weights(staging / _WEIGHTS_FILE)
        result = {**result, "weights_sha256": _file_digest(staging / _WEIGHTS_FILE)}
        (staging / _RESULT_FILE).write_text(json.dumps(result, indent=1))
        try:
            staging.rename(entry)
        except OSError:
            pass  # another process stored the same entry first; theirs is as good
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def load_entry(entry: Path, model) -> dict:
    """Load the entry's weights into ``model`` and return its stored result.

    Raises
    ------
    OSError, ValueError, KeyError
        When the entry is incomplete, unreadable, or its weights do not match
        their checksum (the caller decides whether to train again).

    Examples
    --------
    See :func:`store_entry`.
    """
    result = json.loads((entry / _RESULT_FILE).read_text())
    weights = entry / _WEIGHTS_FILE
    if _file_digest(weights) != result["weights_sha256"]:
        raise ValueError("the weights file does not match its recorded checksum")
    # The file holds Adam's state too; building the optimizer first lets it be restored
    # instead of skipped with a warning.
    model.optimizer.build(model.trainable_variables)
    model.load_weights(weights)
    return result


def cached_results():
    """Every training result stored in the cache, newest first, without the models.

    Returns
    -------
    list of dict
        Each with ``cache_key``, ``recipe``, ``test_accuracy``, ``test_loss``,
        ``train_seconds``, ``images_per_second``, ``history`` and ``versions``.
        Unreadable entries are skipped.

    Examples
    --------
    >>> import os, tempfile
    >>> os.environ["CNNLESSON_CACHE_DIR"] = tempfile.mkdtemp()
    >>> cached_results()
    []
    >>> del os.environ["CNNLESSON_CACHE_DIR"]
    """
    folder = cache_dir()
    if not folder.is_dir():
        return []
    results = []
    for entry in folder.iterdir():
        try:
            stored = json.loads((entry / _RESULT_FILE).read_text())
            modified = (entry / _RESULT_FILE).stat().st_mtime
        except (OSError, ValueError):
            continue
        stored.pop("weights_sha256", None)
        results.append((modified, {"cache_key": entry.name, **stored}))
    return [result for _, result in sorted(results, key=lambda pair: -pair[0])]
