"""Where the cache is and which names in it are the package's own (see :mod:`cnnlesson.cache`).

The cache folder may hold other files (it may be a home folder or a clone): the package
touches only names it makes itself.  Entries are named by their key, a hash; staging
folders, locks and the pointers from a recipe key to an imported entry by a prefix no
other program uses.  Only an entry that carries the package's mark
(:mod:`cnnlesson._marks`) is ever replaced or removed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from cnnlesson._marks import is_marked

CACHE_DIR_VARIABLE = "CNNLESSON_CACHE_DIR"

WEIGHTS_FILE = "model.weights.h5"
RESULT_FILE = "result.json"
MANIFEST_FILE = "manifest.json"
#: Where an imported entry came from (entries trained here have none).
ORIGIN_FILE = "origin.json"
#: Every file an entry holds; an entry folder with anything else was not written here.
ENTRY_FILES = frozenset({WEIGHTS_FILE, RESULT_FILE, MANIFEST_FILE, ORIGIN_FILE})
#: The files of an entry that make its model, as a site publishes them.
MODEL_FILES = (WEIGHTS_FILE, RESULT_FILE)

KEY_LENGTH = 24
_KEY = re.compile(rf"[0-9a-f]{{{KEY_LENGTH}}}")
STAGING_PREFIX = ".cnnlesson-staging-"
_STAGING = re.compile(rf"{re.escape(STAGING_PREFIX)}(?P<key>[0-9a-f]{{{KEY_LENGTH}}})"
                      r"-\d+-[0-9a-f]{8}")
LOCK_PREFIX = ".cnnlesson-lock-"
#: ``.cnnlesson-recipe-<recipe key>`` names the entry of a model fetched from a site for
#: that recipe, whatever this machine's own key for it is.
POINTER_PREFIX = ".cnnlesson-recipe-"


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


def is_ours(entry: Path) -> bool:
    """Whether ``entry`` is an entry the package wrote, to be replaced or removed by it."""
    return is_marked(entry, ENTRY_FILES)


def recipe_pointer(folder: Path, key_of_recipe: str) -> Path:
    """The file naming the entry of a model fetched from a site for ``key_of_recipe``."""
    return folder / f"{POINTER_PREFIX}{key_of_recipe}"


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
