"""The trained models a site publishes, and students and builds that reuse them, verified.

A docs build records every model its pages and examples train or load
(:func:`record_use`) and publishes them under ``models/`` of the site
(:func:`publish_models`): each model's Keras weights and the ``result.json`` of its run,
with an ``index.json`` of their SHA-256 digests and sizes, recipes and versions.
:func:`import_models` (``python -m cnnlesson models import SOURCE``) adds a site's models to
the training cache, checking every byte, every recipe and every architecture;
:func:`use_site_models` names the site whose models the training functions fetch when
the cache lacks one (:func:`site_fetcher`, the step :func:`cnnlesson.cache.load_or_train`
tries before training), so a student's notebook loads the site's trained network
instead of training it for an hour.
"""

from cnnlesson.published._fetch import (
    SOURCE_VARIABLE,
    packaged_site,
    site_fetcher,
    use_site_models,
)
from cnnlesson.published._import import import_models
from cnnlesson.published._publish import (
    INDEX_FILE,
    USED_VARIABLE,
    publish_models,
    record_use,
    used_keys,
)
from cnnlesson.published._sources import ModelsSourceError, UnreachableSourceError, open_source

__all__ = [
    "INDEX_FILE", "ModelsSourceError", "SOURCE_VARIABLE", "USED_VARIABLE",
    "UnreachableSourceError", "import_models", "open_source", "packaged_site",
    "publish_models", "record_use", "site_fetcher", "use_site_models", "used_keys",
]
