"""The models a build trained or loaded: recorded while it runs, published beside the site."""

from __future__ import annotations

import json
import os
import shutil
import warnings
from pathlib import Path

from cnnlesson import about
from cnnlesson.cache import (
    RESULT_FILE,
    WEIGHTS_FILE,
    CacheWarning,
    cache_dir,
    file_digest,
    holds_only_entry_files,
    is_entry_name,
    verify_entry,
)
from cnnlesson.files import write_whole

#: The file a build names for the list of models its pages and examples trained or
#: loaded (one cache key a line); every process of the build appends to it.
USED_VARIABLE = "CNNLESSON_MODELS_USED"
INDEX_FILE = "index.json"
INDEX_FORMAT = 1
#: The files of a published model: Keras weights and the numbers of its training run.
PUBLISHED_FILES = (WEIGHTS_FILE, RESULT_FILE)


def record_use(cache_key: str) -> None:
    """Note that this run trained or loaded the model ``cache_key``, where a build asks.

    Does nothing unless ``CNNLESSON_MODELS_USED`` names a file; the docs build names one,
    and its kernels and examples all append to it.

    Examples
    --------
    >>> import os, tempfile
    >>> log = os.path.join(tempfile.mkdtemp(), "used.txt")
    >>> os.environ["CNNLESSON_MODELS_USED"] = log
    >>> record_use("0123456789abcdef01234567")
    >>> used_keys(log)
    ['0123456789abcdef01234567']
    >>> del os.environ["CNNLESSON_MODELS_USED"]
    """
    path = os.environ.get(USED_VARIABLE, "").strip()
    if path:
        with open(path, "a", encoding="utf-8") as log:
            log.write(cache_key + "\n")


def used_keys(path) -> list:
    """The cache keys of a log of :func:`record_use`, each once, in the order first used."""
    path = Path(path)
    if not path.is_file():
        return []
    keys = [line.strip() for line in path.read_text("utf-8").splitlines()]
    return list(dict.fromkeys(key for key in keys if is_entry_name(key)))


def publish_models(keys, folder) -> dict:
    """Write the models ``keys`` of the training cache into ``folder``, with an index.

    Each model gets a folder named by its cache key, holding its Keras weights and the
    ``result.json`` of its training run, exactly as the cache holds them;
    ``index.json`` gives for each its cache key, recipe, recipe key, data fingerprint,
    library versions, test accuracy, and each file's SHA-256 and size, so that
    :func:`cnnlesson.published.import_models` can check every byte it fetches.  A key
    that is not in the cache is left out with a :class:`~cnnlesson.cache.CacheWarning`.
    Only what this function writes (``index.json`` and folders named by a key that hold
    published files) is replaced; nothing else in ``folder`` is touched.  Each file and the
    index take their place whole, and the models no longer wanted are removed only once
    the new index is written.

    Returns
    -------
    dict
        The index.

    Raises
    ------
    FileExistsError
        When a model's folder holds files this function did not write.

    Examples
    --------
    >>> import tempfile
    >>> publish_models([], tempfile.mkdtemp())["models"]
    []
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    keys = list(dict.fromkeys(keys))
    models = []
    for key in keys:
        entry = cache_dir() / key
        try:
            result = verify_entry(entry)
        except (OSError, ValueError, KeyError) as error:
            warnings.warn(f"model {key} is not published: its cache entry is unusable "
                          f"({error}); build with --clean to train it again",
                          CacheWarning, stacklevel=2)
            continue
        target = folder / key
        if target.exists() and not holds_only_entry_files(target, PUBLISHED_FILES):
            raise FileExistsError(f"{target} holds files that cnnlesson did not publish; "
                                  "move them away or publish into another folder")
        target.mkdir(exist_ok=True)
        files = {}
        for name in PUBLISHED_FILES:
            _write_whole(target / name, folder,
                         lambda partial, source=entry / name: shutil.copyfile(source, partial))
            files[name] = {"sha256": file_digest(target / name),
                           "size": (target / name).stat().st_size}
        models.append({
            "cache_key": key, "recipe": result["recipe"],
            "recipe_key": result.get("recipe_key"), "training_code": result.get("training_code"),
            "data_fingerprint": result.get("data_fingerprint"),
            "versions": result.get("versions", {}), "test_accuracy": result.get("test_accuracy"),
            "files": files,
        })
    index = {"format": INDEX_FORMAT, "cnnlesson": about.version(), "models": models}
    _write_whole(folder / INDEX_FILE, folder, lambda partial: partial.write_text(
        json.dumps(index, indent=1, sort_keys=True), "utf-8"))
    # Only once the new index is in place: an earlier publication's models not wanted now.
    for old in folder.iterdir():
        if (is_entry_name(old.name) and old.name not in keys
                and holds_only_entry_files(old, PUBLISHED_FILES)):
            shutil.rmtree(old)
    return index


def _write_whole(path: Path, folder: Path, write) -> None:
    """Have ``write`` fill a file in ``folder``, then put it in ``path``'s place whole, so
    that a reader never sees half a file (and a model's folder holds only its files)."""
    write_whole(path, write, staging=folder)
