"""Cache entries: verifying and reading them, and listing what the cache holds (see
:mod:`cnnlesson.cache`)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from cnnlesson.cache._layout import (
    ENTRY_FILES,
    MANIFEST_FILE,
    MODEL_FILES,
    ORIGIN_FILE,
    RESULT_FILE,
    WEIGHTS_FILE,
    cache_dir,
    is_entry_name,
)
from cnnlesson.cache._weights import load_weights_checked


def digest(path: Path) -> str:
    """The SHA-256 of a file, in hex."""
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def verify_entry(entry: Path, recipe: dict | None = None) -> dict:
    """Check every file of an entry against its manifest; return the stored result.

    Parameters
    ----------
    entry : pathlib.Path
    recipe : dict, optional
        When given, the recipe the entry must record.

    Raises
    ------
    OSError, ValueError, KeyError
        When the entry is not a folder, a file is missing or does not match its digest,
        or the entry records another recipe.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> verify_entry(Path(tempfile.mkdtemp()))
    Traceback (most recent call last):
    FileNotFoundError: [Errno 2] No such file or directory: '.../manifest.json'
    """
    entry = Path(entry)
    if not entry.is_dir():
        raise ValueError(f"{entry} is not a folder")
    manifest = json.loads((entry / MANIFEST_FILE).read_text())
    if manifest.get("format") != 3:
        raise ValueError(f"its manifest is of format {manifest.get('format')!r}, written by "
                         "an older cnnlesson; the model is trained again")
    files = manifest["files"]
    for name in sorted({WEIGHTS_FILE, RESULT_FILE} | set(files)):
        if name not in ENTRY_FILES or digest(entry / name) != files[name]:
            raise ValueError(f"{name} does not match its recorded checksum")
    result = json.loads((entry / RESULT_FILE).read_text())
    if not isinstance(result, dict):
        raise ValueError(f"{RESULT_FILE} holds no training result")
    if recipe is not None:
        check_recipe(result, recipe)
    return result


def check_recipe(result: dict, recipe: dict) -> None:
    """Raise ValueError, naming the differences, when ``result`` records another recipe."""
    wanted = json.loads(json.dumps(recipe))  # as JSON stores it: tuples become lists
    stored = result.get("recipe")
    stored = stored if isinstance(stored, dict) else {}
    differences = [f"{name} {stored.get(name)!r}, not {wanted.get(name)!r}"
                   for name in sorted(set(wanted) | set(stored))
                   if stored.get(name) != wanted.get(name)]
    if differences:
        raise ValueError("it records another recipe: " + "; ".join(differences))


def load_entry(entry: Path, model, recipe: dict | None = None):
    """Verify the entry (:func:`verify_entry`), load its weights into ``model``.

    Returns
    -------
    dict
        The stored result.

    Raises
    ------
    OSError, ValueError, KeyError
        When the entry is unusable (the caller decides whether to train again).

    Examples
    --------
    See :func:`store_entry`.
    """
    result = verify_entry(entry, recipe)
    load_weights_checked(model, entry / WEIGHTS_FILE)
    return result


def read_origin(entry: Path):
    """Where an imported entry came from (its ``origin.json``), or None."""
    try:
        origin = json.loads((entry / ORIGIN_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return origin if isinstance(origin, dict) else None


def model_files(key: str):
    """The verified files of the cache entry ``key`` that make its model, for publishing.

    Returns
    -------
    tuple
        ``(result, files)``: the stored result, and for each of the weights and
        ``result.json`` its path and SHA-256, ``{name: (path, sha256)}``.

    Raises
    ------
    FileNotFoundError
        When the cache holds no entry ``key``.
    OSError, ValueError, KeyError
        When the entry is unusable.

    Examples
    --------
    >>> import os, tempfile
    >>> os.environ["CNNLESSON_CACHE_DIR"] = tempfile.mkdtemp()
    >>> model_files("0123456789abcdef01234567")
    Traceback (most recent call last):
    FileNotFoundError: the training cache .../... holds no entry 0123456789abcdef01234567
    >>> del os.environ["CNNLESSON_CACHE_DIR"]
    """
    if not is_entry_name(str(key)):
        raise ValueError(f"{key!r} is not a cache key")
    entry = cache_dir() / key
    if not entry.exists():
        raise FileNotFoundError(f"the training cache {cache_dir()} holds no entry {key}")
    result = verify_entry(entry)
    digests = json.loads((entry / MANIFEST_FILE).read_text())["files"]
    return result, {name: (entry / name, digests[name]) for name in MODEL_FILES}


def cached_results():
    """Every complete, verified training result in the cache, newest first, without models.

    Returns
    -------
    list of dict
        Each with ``cache_key``, ``recipe``, ``test_accuracy``, ``test_loss``,
        ``train_seconds``, ``images_per_second``, ``history`` and ``versions``, and
        ``imported_from`` for a model imported from a site.
        Only entries (folders named by a key) are read; staging folders, locks, any other
        file and entries that fail :func:`verify_entry` are left out.

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
        if not is_entry_name(entry.name):
            continue
        try:
            stored = verify_entry(entry)
            modified = (entry / RESULT_FILE).stat().st_mtime
            origin = read_origin(entry)
            if origin is not None:
                stored["imported_from"] = origin.get("source")
        except (OSError, ValueError, KeyError, TypeError):
            continue
        results.append((modified, {"cache_key": entry.name, **stored}))
    return [result for _, result in sorted(results, key=lambda pair: -pair[0])]
