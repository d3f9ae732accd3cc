"""The on-disk store of trained models, so that the site trains each recipe once.

Each entry is a folder named by :func:`cache_key`, holding the layers' weights, a
``result.json`` of the numbers the training run produced, for an imported model an
``origin.json`` saying where it came from, and a ``manifest.json`` of the files' SHA-256
digests.  An entry is used only when every file
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

from cnnlesson.cache._keys import cache_key, library_versions, recipe_key
from cnnlesson.cache._layout import (
    CACHE_DIR_VARIABLE,
    ORIGIN_FILE,
    RESULT_FILE,
    WEIGHTS_FILE,
    cache_dir,
    is_entry_name,
    is_marked,
    write_mark,
)
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
    CacheWarning,
    cached_results,
    file_digest,
    load_entry,
    load_model_weights,
    place_entry,
    save_model_weights,
    store_entry,
    verify_entry,
)

__all__ = [
    "CACHE_DIR_VARIABLE", "CacheNotWritableError", "CacheWarning", "ORIGIN_FILE",
    "RESULT_FILE", "WEIGHTS_FILE", "cache_dir", "cache_key", "cached_results",
    "check_writable", "discard_entry", "entry_lock", "file_digest", "is_entry_name",
    "is_marked",
    "library_versions", "load_entry", "load_model_weights", "load_or_train", "place_entry",
    "recipe_key", "record_loads", "remove_stale_staging", "save_model_weights",
    "store_entry", "verify_entry", "write_mark",
]
