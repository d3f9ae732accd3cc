"""The models a build trained or loaded: recorded while it runs, published beside the site."""

from __future__ import annotations

import json
import os
import shutil
import warnings
from pathlib import Path

from cnnlesson import about
from cnnlesson._marks import is_marked, write_mark
from cnnlesson.cache import (
    CACHE_DIR_VARIABLE,
    MODEL_FILES,
    CacheWarning,
    cache_dir,
    is_entry_name,
    model_files,
)
from cnnlesson.files import write_whole

#: The file in which this process records the models it trained or loaded (one cache key
#: a line): a docs build names one per page and example it runs.
USED_VARIABLE = "CNNLESSON_MODELS_USED"
INDEX_FILE = "index.json"
INDEX_FORMAT = 1
#: The files of a published model: Keras weights and the numbers of its training run.
PUBLISHED_FILES = MODEL_FILES

#: The records this process has written to: its first note starts a record afresh.
_started: set = set()


def record_use(cache_key: str) -> None:
    """Note that this run trained or loaded the model ``cache_key``, where a build asks.

    Does nothing unless ``CNNLESSON_MODELS_USED`` names a file.  The docs build names one
    for each page and example it runs (each page runs in a process of its own); the
    process's first note replaces what an earlier run of the page recorded, so the
    record says what the page uses now.

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
    if not isinstance(cache_key, str) or not is_entry_name(cache_key):
        raise ValueError(f"cache_key must be a cache key (24 hexadecimal digits), got "
                         f"{cache_key!r}")
    path = os.environ.get(USED_VARIABLE, "").strip()
    if path:
        first = path not in _started
        _started.add(path)
        with open(path, "w" if first else "a", encoding="utf-8") as log:
            log.write(cache_key + "\n")


def used_keys(path) -> list:
    """The cache keys that records of :func:`record_use` name, each once, in order.

    Parameters
    ----------
    path : str or path-like
        One record, or a folder of them (a build's ``models-used/``, one record per page
        and example): every ``*.txt`` file in it, in the order of their paths.

    Raises
    ------
    ValueError
        When a record is not text (not a record of used models).
    """
    if not isinstance(path, (str, os.PathLike)) or not str(path).strip():
        raise ValueError(f"path must name the log of used models, got {path!r}")
    path = Path(path)
    records = sorted(path.rglob("*.txt")) if path.is_dir() else [path] if path.is_file() else []
    keys = []
    for record in records:
        try:
            keys += [line.strip() for line in record.read_text("utf-8").splitlines()]
        except UnicodeDecodeError:
            raise ValueError(f"{record} is not a log of used models (it is not text); name "
                             f"the file that {USED_VARIABLE} named during the build") from None
    return list(dict.fromkeys(key for key in keys if is_entry_name(key)))


def _warn(line: str) -> None:
    warnings.warn(line, CacheWarning, stacklevel=3)


def _previous_keys(index_path: Path) -> set:
    """The models of the index an earlier publication wrote here (none if there is none).

    Raises FileExistsError when ``index_path`` holds an index.json of somebody else's.
    """
    if not index_path.exists() and not index_path.is_symlink():
        return set()
    try:
        index = json.loads(index_path.read_text("utf-8"))
        if (index_path.is_symlink() or not isinstance(index, dict) or "cnnlesson" not in index
                or index.get("format") != INDEX_FORMAT or not isinstance(index.get("models"),
                                                                          list)):
            raise ValueError("not cnnlesson's")
    except (OSError, ValueError):
        raise FileExistsError(f"{index_path} was not written by cnnlesson, so it is left as it "
                              "is; publish into another folder") from None
    return {m.get("cache_key") for m in index["models"] if isinstance(m, dict)}


def _is_ours(target: Path, earlier: set) -> bool:
    """Whether a model's folder in the publication is the package's: marked, or (written by
    a cnnlesson that did not mark its folders yet) listed in the index it wrote."""
    if is_marked(target, PUBLISHED_FILES):
        return True
    return (target.name in earlier and not target.is_symlink() and target.is_dir()
            and all(p.name in PUBLISHED_FILES and p.is_file() for p in target.iterdir()))


def publish_models(keys, folder, *, report=None) -> dict:
    """Write the models ``keys`` of the training cache into ``folder``, with an index.

    Each model gets a folder named by its cache key, holding its Keras weights and the
    ``result.json`` of its training run, exactly as the cache holds them, and the
    package's mark; ``index.json`` gives for each its cache key, recipe, recipe key, data
    fingerprint, library versions, test accuracy, and each file's SHA-256 and size, so
    that :func:`cnnlesson.published.import_models` can check every byte it fetches.  A
    model that cannot be published (not in the cache, or its place taken by a folder
    the package did not write) is left out, and the others are published.
    Only what this function wrote (``index.json`` and the model folders it marked) is
    ever replaced or removed; nothing else in ``folder`` is touched.  Each file and the
    index take their place whole, and the models no longer wanted are removed only once
    the new index is written.

    Parameters
    ----------
    keys : iterable of str
        The cache keys of the models to publish.
    folder : str or path-like
        Where to publish them (a site's ``models/`` folder).
    report : callable, optional
        Called with one line for each model left out, saying why; by default each line
        is a :class:`~cnnlesson.cache.CacheWarning`.

    Returns
    -------
    dict
        The index.

    Raises
    ------
    FileExistsError, NotADirectoryError
        When ``folder`` is a file, or holds an ``index.json`` that cnnlesson did not write.
    ValueError
        When ``keys`` is not a list of keys or ``folder`` names no folder.

    Examples
    --------
    >>> import tempfile
    >>> publish_models([], tempfile.mkdtemp())["models"]
    []
    """
    if isinstance(keys, (str, bytes)) or not hasattr(keys, "__iter__"):
        raise ValueError(f"keys must be a list of cache keys, got {keys!r}")
    if not isinstance(folder, (str, os.PathLike)) or not str(folder).strip():
        raise ValueError(f"folder must name the folder to publish into, got {folder!r}")
    report = _warn if report is None else report
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise NotADirectoryError(f"{folder} is a file, not a folder: name a folder to "
                                 "publish the models into")
    folder.mkdir(parents=True, exist_ok=True)
    earlier = _previous_keys(folder / INDEX_FILE)
    keys = list(dict.fromkeys(keys))
    models = []
    for key in keys:
        model = _publish_one(key, folder, earlier, report)
        if model is not None:
            models.append(model)
    index = {"format": INDEX_FORMAT, "cnnlesson": about.version(), "models": models}
    write_whole(folder / INDEX_FILE, lambda partial: partial.write_text(
        json.dumps(index, indent=1, sort_keys=True), "utf-8"))
    # Only once the new index is in place: an earlier publication's models not wanted now.
    published = {model["cache_key"] for model in models}
    for old in folder.iterdir():
        if is_entry_name(old.name) and old.name not in published and _is_ours(old, earlier):
            shutil.rmtree(old)
    return index


def _publish_one(key, folder: Path, earlier: set, report):
    """Publish one model into ``folder``; its index entry, or None (``report`` says why)."""
    if not isinstance(key, str) or not is_entry_name(key):
        report(f"{key!r} is not a cache key, so it is not published")
        return None
    try:
        result, files = model_files(key)
    except FileNotFoundError:
        report(f"model {key} is not published: the training cache {cache_dir()} does not "
               f"hold it (is {CACHE_DIR_VARIABLE} the cache the build used?)")
        return None
    except (OSError, ValueError, KeyError, TypeError) as error:
        report(f"model {key} is not published: its cache entry is unusable ({error})")
        return None
    target = folder / key
    if (target.exists() or target.is_symlink()) and not _is_ours(target, earlier):
        report(f"model {key} is not published: {target} is in the way (cnnlesson did not "
               "write it, so it is left as it is); move it away or publish into another "
               "folder")
        return None
    if not target.exists():
        target.mkdir()
    write_mark(target)
    for name, (source, _) in files.items():
        write_whole(target / name, lambda partial, source=source: shutil.copyfile(
            source, partial), staging=folder)
    return {
        "cache_key": key, "recipe": result.get("recipe"),
        "recipe_key": result.get("recipe_key"), "training_code": result.get("training_code"),
        "data_fingerprint": result.get("data_fingerprint"),
        "versions": result.get("versions", {}), "test_accuracy": result.get("test_accuracy"),
        "files": {name: {"sha256": sha256, "size": (target / name).stat().st_size}
                  for name, (_, sha256) in files.items()},
    }
