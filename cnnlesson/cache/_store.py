"""Cache entries: their keys, writing, verifying and reading them (see :mod:`cnnlesson.cache`)."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import platform
import re
import secrets
import shutil
import warnings
from pathlib import Path

CACHE_DIR_VARIABLE = "CNNLESSON_CACHE_DIR"

WEIGHTS_FILE = "model.weights.h5"
RESULT_FILE = "result.json"
MANIFEST_FILE = "manifest.json"
#: Every file an entry holds; an entry folder with anything else was not written here.
ENTRY_FILES = frozenset({WEIGHTS_FILE, RESULT_FILE, MANIFEST_FILE})

# The cache folder may hold other files (it may be a home folder or a clone): the package
# touches only names it makes itself.  Entries are named by their key, a hash; staging
# folders and locks by a prefix no other program uses.
KEY_LENGTH = 24
_KEY = re.compile(rf"[0-9a-f]{{{KEY_LENGTH}}}")
STAGING_PREFIX = ".cnnlesson-staging-"
_STAGING = re.compile(rf"{re.escape(STAGING_PREFIX)}(?P<key>[0-9a-f]{{{KEY_LENGTH}}})"
                      r"-\d+-[0-9a-f]{8}")
LOCK_PREFIX = ".cnnlesson-lock-"


def is_entry_name(name: str) -> bool:
    """Whether ``name`` is the name of a cache entry: a key as :func:`cache_key` makes it.

    Examples
    --------
    >>> is_entry_name("0123456789abcdef01234567"), is_entry_name(".git")
    (True, False)
    """
    return _KEY.fullmatch(name) is not None


def staging_key(name: str) -> str | None:
    """The entry key of a staging folder's name, or None for any other name.

    Examples
    --------
    >>> staging_key(".cnnlesson-staging-0123456789abcdef01234567-42-00ff00ff")
    '0123456789abcdef01234567'
    >>> staging_key(".ssh") is None
    True
    """
    match = _STAGING.fullmatch(name)
    return match["key"] if match else None


def lock_path(entry: Path) -> Path:
    """The lock file of an entry: ``.cnnlesson-lock-<key>`` beside it."""
    return entry.parent / f"{LOCK_PREFIX}{entry.name}"


def holds_only_entry_files(entry: Path) -> bool:
    """Whether ``entry`` is a real folder (not a link) holding nothing but an entry's files.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "result.json").write_text("{}")
    >>> holds_only_entry_files(folder)
    True
    >>> _ = (folder / "notes.txt").write_text("mine")
    >>> holds_only_entry_files(folder)
    False
    """
    if entry.is_symlink() or not entry.is_dir():
        return False
    return all(path.name in ENTRY_FILES and path.is_file() and not path.is_symlink()
               for path in entry.iterdir())


class CacheWarning(UserWarning):
    """A cache entry was unusable or could not be written; the run went on without it."""

    __module__ = "cnnlesson.cache"  # its public home, as tracebacks name it


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


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def _model_bytes(model) -> int:
    import numpy as np

    variables = [*model.weights, *model.optimizer.variables]
    return sum(int(np.prod(v.shape)) * np.dtype(v.dtype).itemsize for v in variables)


def _write_entry(entry: Path, model, result: dict) -> None:
    entry.parent.mkdir(parents=True, exist_ok=True)
    # With the optimizer's state always present, load_entry restores it completely.
    model.optimizer.build(model.trainable_variables)
    needed = 2 * _model_bytes(model) + (1 << 20)
    free = shutil.disk_usage(entry.parent).free
    if free < needed:
        # Writing HDF5 onto a full disk can crash the process; refuse before starting.
        raise OSError(errno.ENOSPC, f"{free:,} bytes free, the entry needs about {needed:,}")
    _refuse_foreign(entry)
    # A plain mkdir (not mkdtemp's 700), so the entry gets the umask's permissions and
    # the others who share the cache can read it.
    staging = entry.parent / (f"{STAGING_PREFIX}{entry.name}-{os.getpid()}-"
                              f"{secrets.token_hex(4)}")
    staging.mkdir()
    try:
        model.save_weights(staging / WEIGHTS_FILE)
        (staging / RESULT_FILE).write_text(json.dumps(result, indent=1, sort_keys=True))
        files = {name: _digest(staging / name) for name in (WEIGHTS_FILE, RESULT_FILE)}
        (staging / MANIFEST_FILE).write_text(json.dumps({"format": 2, "files": files}))
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


def _refuse_foreign(entry: Path) -> None:
    """Raise FileExistsError when something the package did not write is in ``entry``'s place."""
    if entry.is_symlink() or (entry.exists() and not holds_only_entry_files(entry)):
        raise FileExistsError(
            errno.EEXIST, f"{entry} is in the way: it was not written by cnnlesson, so it is "
            "left as it is; move it elsewhere to let the model be cached", str(entry))


def store_entry(entry: Path, model, result: dict) -> bool:
    """Keep ``model``'s weights and the JSON-ready ``result`` as the entry ``entry``.

    The entry is written in a staging folder beside it and renamed in, so it is
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
    ['manifest.json', 'model.weights.h5', 'result.json']
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
    if not entry.is_dir():
        raise ValueError(f"{entry} is not a folder")
    files = json.loads((entry / MANIFEST_FILE).read_text())["files"]
    for name in (WEIGHTS_FILE, RESULT_FILE):
        if _digest(entry / name) != files[name]:
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
    # The file holds Adam's state too; building the optimizer first lets it be restored
    # instead of skipped with a warning.
    model.optimizer.build(model.trainable_variables)
    model.load_weights(entry / WEIGHTS_FILE)
    return result


def cached_results():
    """Every complete, verified training result in the cache, newest first, without models.

    Returns
    -------
    list of dict
        Each with ``cache_key``, ``recipe``, ``test_accuracy``, ``test_loss``,
        ``train_seconds``, ``images_per_second``, ``history`` and ``versions``.
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
        except (OSError, ValueError, KeyError, TypeError):
            continue
        results.append((modified, {"cache_key": entry.name, **stored}))
    return [result for _, result in sorted(results, key=lambda pair: -pair[0])]
