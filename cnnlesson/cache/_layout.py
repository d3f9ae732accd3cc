"""Where the cache is and which names in it are the package's own (see :mod:`cnnlesson.cache`).

The cache folder may hold other files (it may be a home folder or a clone): the package
touches only names it makes itself.  Entries are named by their key, a hash; staging
folders and locks by a prefix no other program uses.  A name is not enough to tell a
folder of the package's from a user's, so every folder the package writes (a cache entry,
a published model) carries a mark, :data:`MARK_FILE`, and only a marked folder is ever
replaced or removed.
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
#: The package's mark in each folder it writes: a folder without it is left as it is.
MARK_FILE = ".cnnlesson-mark"
MARK_TEXT = "Written by cnnlesson, which may replace or remove this folder.\n"

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


def write_mark(folder: Path) -> None:
    """Mark ``folder`` as the package's own, to be replaced or removed by it (:func:`is_marked`)."""
    (folder / MARK_FILE).write_text(MARK_TEXT, "utf-8")


def is_marked(folder: Path, names=ENTRY_FILES) -> bool:
    """Whether ``folder`` is one the package wrote: a real folder (not a link) holding its
    mark and nothing but files named in ``names`` (by default those of a cache entry).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "result.json").write_text("{}")
    >>> is_marked(folder)  # named like an entry's file, but nobody marked it
    False
    >>> write_mark(folder)
    >>> is_marked(folder)
    True
    >>> _ = (folder / "notes.txt").write_text("mine")
    >>> is_marked(folder)
    False
    """
    if folder.is_symlink() or not folder.is_dir():
        return False
    try:
        mark = folder / MARK_FILE
        if mark.is_symlink() or not mark.is_file() or mark.stat().st_size > 4 * len(MARK_TEXT):
            return False
        if mark.read_text("utf-8", errors="replace") != MARK_TEXT:
            return False
        return all(path.name == MARK_FILE or (path.name in names and path.is_file()
                                              and not path.is_symlink())
                   for path in folder.iterdir())
    except OSError:
        return False


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
