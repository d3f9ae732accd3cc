"""The on-disk store of trained models, so that the site trains each recipe once.

Each entry is a folder named by :func:`cache_key`, holding the weights (with the
optimizer's state), a ``result.json`` of the numbers the training run produced, and a
``manifest.json`` of both files' SHA-256 digests.  An entry is used only when every file
matches its digest and the recipe it records is the one asked for
(:func:`verify_entry`); anything else is reported with a :class:`CacheWarning` and
trained again.

Entries are written in a staging folder beside their final place and renamed in, so a
build that is interrupted never leaves half an entry behind; staging folders that a
killed build left are removed later (:func:`remove_stale_staging`).  One lock per key
(:func:`entry_lock`) makes two builds that need the same model train it once: the second
waits, then loads.  A cache that cannot be written is refused before training
(:func:`check_writable`); a write that still fails afterwards only warns, so a finished
training is never lost (:func:`store_entry`).  :func:`load_or_train` puts these together;
:func:`record_loads` tells what it loaded and how long that took to train.
"""

from cnnlesson.cache._sharing import (
    CacheNotWritableError,
    check_writable,
    discard_entry,
    entry_lock,
    load_or_train,
    record_loads,
    remove_stale_staging,
)
from cnnlesson.cache._store import (
    CACHE_DIR_VARIABLE,
    CacheWarning,
    cache_dir,
    cache_key,
    cached_results,
    library_versions,
    load_entry,
    store_entry,
    verify_entry,
)

__all__ = [
    "CACHE_DIR_VARIABLE", "CacheNotWritableError", "CacheWarning", "cache_dir", "cache_key",
    "cached_results", "check_writable", "discard_entry", "entry_lock", "library_versions",
    "load_entry", "load_or_train", "record_loads", "remove_stale_staging", "store_entry",
    "verify_entry",
]
