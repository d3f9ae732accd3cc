"""Where the cache is and which names in it are the package's own (see :mod:`cnnlesson.cache`).

The cache folder may hold other files (it may be a home folder or a clone): the package
touches only names it makes itself.  Entries are named by their key, a hash; staging
folders and locks by a prefix no other program uses.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

CACHE_DIR_VARIABLE = "CNNLESSON_CACHE_DIR"

WEIGHTS_FILE = "model.weights.h5"
RESULT_FILE = "result.json"
MANIFEST_FILE = "manifest.json"
#: Where an imported entry came from (entries trained here have none).
ORIGIN_FILE = "origin.json"
#: Every file an entry holds; an entry folder with anything else was not written here.
ENTRY_FILES = frozenset({WEIGHTS_FILE, RESULT_FILE, MANIFEST_FILE, ORIGIN_FILE})

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


def holds_only_entry_files(entry: Path, names=ENTRY_FILES) -> bool:
    """Whether ``entry`` is a real folder (not a link) holding nothing but an entry's files.

    ``names`` are the file names allowed: by default those of a training-cache entry.

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
    return all(path.name in names and path.is_file() and not path.is_symlink()
               for path in entry.iterdir())


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
