"""The on-disk store of trained models, so that the site trains each recipe once.

Each entry is a folder named by :func:`cache_key`, holding the layers' weights, a
``result.json`` of the numbers the training run produced, for a model fetched from a
site an ``origin.json`` saying where it came from, a ``manifest.json`` of the files'
SHA-256 digests, and the package's mark (``.cnnlesson-mark``).  An entry is used only
when every file matches its digest and the recipe it records is the one asked for;
anything else is reported with a :class:`CacheWarning` and had again.

:func:`load_or_train` is the one way to a trained model: the entry, else a model a site
published (fetched and checked under the entry's lock), else training with
``model.fit``, whose result is then stored.  Entries are written in a staging folder
beside their final place and renamed in, so a build that is interrupted never leaves
half an entry behind; staging folders that a killed build left are removed later.  One
lock per entry makes two builds that need the same model train it once: the second
waits, then loads.  A cache that cannot be written is refused before training
(:class:`CacheNotWritableError`); a write that still fails afterwards only warns, so a
finished training is never lost.  Only entries that carry the package's mark are ever
replaced or removed.  :func:`record_loads` tells what was loaded and how long that took
to train; :func:`cached_results` lists the cache; :func:`model_files` gives an entry's
files to publish.
"""

from cnnlesson.cache._keys import cache_key, library_versions, recipe_key
from cnnlesson.cache._layout import CACHE_DIR_VARIABLE, MODEL_FILES, cache_dir, is_entry_name
from cnnlesson.cache._load_or_train import load_or_train, record_loads
from cnnlesson.cache._read import cached_results, model_files
from cnnlesson.cache._sharing import CacheNotWritableError
from cnnlesson.cache._store import CacheWarning

__all__ = [
    "CACHE_DIR_VARIABLE", "CacheNotWritableError", "CacheWarning", "MODEL_FILES", "cache_dir",
    "cache_key", "cached_results", "is_entry_name", "library_versions", "load_or_train",
    "model_files", "recipe_key", "record_loads",
]
