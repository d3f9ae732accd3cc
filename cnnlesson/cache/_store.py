"""Cache entries: written whole through a staging folder, or not at all (see
:mod:`cnnlesson.cache`)."""

from __future__ import annotations

import errno
import json
import os
import secrets
import shutil
import warnings
from pathlib import Path

from cnnlesson._marks import write_mark
from cnnlesson.cache._layout import (
    ENTRY_FILES,
    MANIFEST_FILE,
    RESULT_FILE,
    STAGING_PREFIX,
    WEIGHTS_FILE,
    is_ours,
)
from cnnlesson.cache._read import digest
from cnnlesson.cache._weights import save_model_weights, weight_bytes


class CacheWarning(UserWarning):
    """A cache entry was unusable or could not be written; the run went on without it."""

    __module__ = "cnnlesson.cache"  # its public home, as tracebacks name it


def staging_folder(entry: Path) -> Path:
    """A new, empty staging folder for ``entry``, beside it (held by the entry's lock)."""
    # A plain mkdir (not mkdtemp's 700), so the entry gets the umask's permissions and
    # the others who share the cache can read it.
    staging = entry.parent / (f"{STAGING_PREFIX}{entry.name}-{os.getpid()}-"
                              f"{secrets.token_hex(4)}")
    staging.mkdir()
    return staging


def check_room(folder: Path, needed_bytes: int) -> None:
    """Raise OSError (ENOSPC) when ``folder``'s disk has less room than ``needed_bytes``."""
    free = shutil.disk_usage(folder).free
    if free < needed_bytes + (1 << 20):
        # Writing HDF5 onto a full disk can crash the process; refuse before starting.
        raise OSError(errno.ENOSPC, f"{free:,} bytes free, the entry needs about "
                      f"{needed_bytes + (1 << 20):,}")


def place_staged(staging: Path, entry: Path, digests=None) -> None:
    """Rename a staging folder that holds an entry's files into place: complete or absent.

    The manifest of the files' SHA-256 digests (``digests`` gives those already known,
    so that no file is hashed twice) and the package's mark are added here; another
    process's complete entry stays as it is.

    Raises
    ------
    FileExistsError
        When something the package did not write (and mark) is in the entry's place.
    ValueError
        When the staging folder does not hold an entry's files.
    """
    digests = dict(digests or {})
    files = {path.name: digests.get(path.name) or digest(path)
             for path in sorted(staging.iterdir())}
    if not {WEIGHTS_FILE, RESULT_FILE} <= set(files) <= ENTRY_FILES:
        raise ValueError(f"an entry holds {sorted(ENTRY_FILES)}, not {sorted(files)}")
    (staging / MANIFEST_FILE).write_text(json.dumps({"format": 3, "files": files}))
    write_mark(staging)
    try:
        staging.rename(entry)  # onto nothing, or onto an empty folder
    except OSError:
        refuse_foreign(entry)
        if not entry.is_dir():
            raise
        # else another process stored the same entry first; theirs is as good


def place_entry(entry: Path, write_files, *, needed_bytes=0) -> None:
    """Write an entry through a staging folder renamed into place: complete or absent.

    Parameters
    ----------
    entry : pathlib.Path
        The entry's folder in the training cache (``cache_dir() / key``).
    write_files : callable
        ``write_files(staging)`` writes the entry's files into the folder ``staging``.
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
    check_room(entry.parent, needed_bytes)
    refuse_foreign(entry)
    staging = staging_folder(entry)
    try:
        write_files(staging)
        place_staged(staging, entry)
    finally:
        if staging.is_dir() and not staging.is_symlink():
            shutil.rmtree(staging, ignore_errors=True)  # its own staging folder, named above


def _write_entry(entry: Path, model, result: dict) -> None:
    def write(staging):
        save_model_weights(model, staging / WEIGHTS_FILE)
        (staging / RESULT_FILE).write_text(json.dumps(result, indent=1, sort_keys=True))

    place_entry(entry, write, needed_bytes=2 * weight_bytes(model))


def refuse_foreign(entry: Path) -> None:
    """Raise FileExistsError when something the package did not write is in ``entry``'s place."""
    if entry.is_symlink() or (entry.exists() and not is_ours(entry)):
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
    >>> from cnnlesson.cache._read import load_entry
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


