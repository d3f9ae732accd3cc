"""The trained models a site publishes, and students and builds that reuse them, verified.

A docs build records every model its pages and examples train or load
(:func:`record_use`) and publishes them under ``models/`` of the site
(:func:`publish_models`): each model's Keras weights and the ``result.json`` of its run,
with an ``index.json`` of their SHA-256 digests and sizes, recipes and versions.
:func:`import_models` (``python -m cnnlesson models import SOURCE``) adds a site's models to
the training cache, checking every byte, every recipe and every architecture;
:func:`use_site_models` lets the training functions fetch just the model they need, so a
student's notebook loads the site's trained network instead of training it for an hour.
"""

from cnnlesson.published._import import (
    SOURCE_VARIABLE,
    fetch_published,
    find_imported,
    import_models,
    load_published,
    packaged_site,
    use_site_models,
)
from cnnlesson.published._publish import (
    INDEX_FILE,
    USED_VARIABLE,
    publish_models,
    record_use,
    used_keys,
)
from cnnlesson.published._sources import ModelsSourceError, UnreachableSourceError, open_source

__all__ = [
    "INDEX_FILE", "ModelsSourceError", "SOURCE_VARIABLE", "USED_VARIABLE", "fetch_published",
    "find_imported", "import_models", "load_published", "open_source", "packaged_site",
    "publish_models", "record_use", "UnreachableSourceError", "use_site_models", "used_keys",
]
