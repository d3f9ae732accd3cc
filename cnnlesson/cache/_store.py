"""Cache entries: writing, verifying and reading them (see :mod:`cnnlesson.cache`)."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import secrets
import shutil
import warnings
from pathlib import Path

from cnnlesson.cache._layout import (
    ENTRY_FILES,
    MANIFEST_FILE,
    ORIGIN_FILE,
    RESULT_FILE,
    STAGING_PREFIX,
    WEIGHTS_FILE,
    cache_dir,
    is_entry_name,
    is_marked,
    write_mark,
)


class CacheWarning(UserWarning):
    """A cache entry was unusable or could not be written; the run went on without it."""

    __module__ = "cnnlesson.cache"  # its public home, as tracebacks name it


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def file_digest(path: Path) -> str:
    """The SHA-256 of a file, in hex.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "empty"
    >>> _ = path.write_bytes(b"")
    >>> file_digest(path)[:16]
    'e3b0c44298fc1c14'
    """
    return _digest(path)


def _twin(model):
    """An uncompiled copy of ``model``'s architecture: its weights without the optimizer's."""
    return type(model).from_config(model.get_config())


def save_model_weights(model, path: Path) -> None:
    """Save the layers' weights of ``model`` (not the optimizer's state) as a Keras file.

    The file is a third of one with Adam's two moments, and it is all a trained model
    needs to predict, to be shown or to be published.
    """
    twin = _twin(model)
    twin.set_weights(model.get_weights())
    twin.save_weights(path)


def load_model_weights(model, path: Path) -> None:
    """Load a file of :func:`save_model_weights` into ``model`` (its optimizer starts afresh)."""
    twin = _twin(model)
    twin.load_weights(path)
    model.set_weights(twin.get_weights())


def _weight_bytes(model) -> int:
    import numpy as np

    return sum(int(np.prod(v.shape)) * np.dtype(v.dtype).itemsize for v in model.weights)


def place_entry(entry: Path, write_files, *, needed_bytes=0) -> None:
    """Write an entry through a staging folder renamed into place: complete or absent.

    The manifest of the files' SHA-256 digests and the package's mark are added here;
    another process's complete entry stays as it is.

    Parameters
    ----------
    entry : pathlib.Path
        The entry's folder in the training cache (``cache_dir() / key``).
    write_files : callable
        ``write_files(staging)`` writes the entry's files into the folder ``staging``: the
        weights and ``result.json``, and ``origin.json`` for an imported model.
    needed_bytes : int
        About how much the files take; less free disk than that is refused first.

    Raises
    ------
    FileExistsError
        When something the package did not write (and mark) is in the entry's place.
    OSError
        When the disk has too little room, or the files cannot be written.
    """
    entry.parent.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(entry.parent).free
    if free < needed_bytes + (1 << 20):
        # Writing HDF5 onto a full disk can crash the process; refuse before starting.
        raise OSError(errno.ENOSPC, f"{free:,} bytes free, the entry needs about "
                      f"{needed_bytes + (1 << 20):,}")
    _refuse_foreign(entry)
    # A plain mkdir (not mkdtemp's 700), so the entry gets the umask's permissions and
    # the others who share the cache can read it.
    staging = entry.parent / (f"{STAGING_PREFIX}{entry.name}-{os.getpid()}-"
                              f"{secrets.token_hex(4)}")
    staging.mkdir()
    try:
        write_files(staging)
        files = {path.name: _digest(path) for path in sorted(staging.iterdir())}
        if not {WEIGHTS_FILE, RESULT_FILE} <= set(files) <= ENTRY_FILES:
            raise ValueError(f"an entry holds {sorted(ENTRY_FILES)}, not {sorted(files)}")
        (staging / MANIFEST_FILE).write_text(json.dumps({"format": 3, "files": files}))
        write_mark(staging)
        try:
            staging.rename(entry)  # onto nothing, or onto an empty folder
        except OSError:
            _refuse_foreign(entry)
            if not entry.is_dir():
                raise
            # else another process stored the same entry first; theirs is as good
    finally:
        if staging.is_dir() and not staging.is_symlink():
            shutil.rmtree(staging, ignore_errors=True)  # its own staging folder, named above


def _write_entry(entry: Path, model, result: dict) -> None:
    def write(staging):
        save_model_weights(model, staging / WEIGHTS_FILE)
        (staging / RESULT_FILE).write_text(json.dumps(result, indent=1, sort_keys=True))

    place_entry(entry, write, needed_bytes=2 * _weight_bytes(model))


def _refuse_foreign(entry: Path) -> None:
    """Raise FileExistsError when something the package did not write is in ``entry``'s place."""
    if entry.is_symlink() or (entry.exists() and not is_marked(entry)):
        raise FileExistsError(
            errno.EEXIST, f"{entry} is in the way: it was not written by cnnlesson, so it is "
            "left as it is; move it elsewhere to let the model be cached", str(entry))


def store_entry(entry: Path, model, result: dict) -> bool:
    """Keep ``model``'s weights and the JSON-ready ``result`` as the entry ``entry``.

    The weights are the layers' (:func:`save_model_weights`): a model loaded from the cache
    predicts as the trained one did, and its optimizer starts afresh.  The entry is
    written in a staging folder beside it and renamed in, so it is
    either complete or absent; when another process stored it first, theirs stays.
    When the entry cannot be written (a full disk, a read-only folder, a path that is
    in the way), a :class:`CacheWarning` says so and nothing is raised: the caller still
    has the trained model, which is simply not cached.

    Returns
    -------
    bool
        Whether the entry is now in the cache.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from cnnlesson import build_lesson_model
    >>> entry = Path(tempfile.mkdtemp()) / "example"
    >>> store_entry(entry, build_lesson_model(seed=1), {"test_accuracy": 0.5})
    True
    >>> sorted(path.name for path in entry.iterdir())
    ['.cnnlesson-mark', 'manifest.json', 'model.weights.h5', 'result.json']
    >>> load_entry(entry, build_lesson_model(seed=2))["test_accuracy"]
    0.5
    """
    try:
        _write_entry(entry, model, result)
        return True
    except Exception as error:  # a finished training must not be lost to a cache problem
        warnings.warn(
            f"the trained model could not be stored in the cache at {entry} "
            f"({type(error).__name__}: {error}); the result is returned but not cached",
            CacheWarning, stacklevel=2,
        )
        return False


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
        if name not in ENTRY_FILES or _digest(entry / name) != files[name]:
            raise ValueError(f"{name} does not match its recorded checksum")
    result = json.loads((entry / RESULT_FILE).read_text())
    if recipe is not None:
        wanted = json.loads(json.dumps(recipe))  # as JSON stores it: tuples become lists
        stored = result.get("recipe", {})
        differences = [f"{name} {stored.get(name)!r}, not {wanted.get(name)!r}"
                       for name in sorted(set(wanted) | set(stored))
                       if stored.get(name) != wanted.get(name)]
        if differences:
            raise ValueError("it records another recipe: " + "; ".join(differences))
    return result


def load_entry(entry: Path, model, recipe: dict | None = None) -> dict:
    """Verify the entry (:func:`verify_entry`), load its weights into ``model``, return its result.

    Raises
    ------
    OSError, ValueError, KeyError
        When the entry is unusable (the caller decides whether to train again).

    Examples
    --------
    See :func:`store_entry`.
    """
    result = verify_entry(entry, recipe)
    load_model_weights(model, entry / WEIGHTS_FILE)
    return result


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
            if (entry / ORIGIN_FILE).is_file():
                origin = json.loads((entry / ORIGIN_FILE).read_text())
                stored["imported_from"] = origin.get("source")
        except (OSError, ValueError, KeyError, TypeError):
            continue
        results.append((modified, {"cache_key": entry.name, **stored}))
    return [result for _, result in sorted(results, key=lambda pair: -pair[0])]
