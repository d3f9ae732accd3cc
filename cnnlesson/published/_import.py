"""All of a site's published models into the training cache, each checked before use."""

from __future__ import annotations

import json

from cnnlesson._checks import one_line
from cnnlesson._web import checked_timeout, network_timeout
from cnnlesson.cache import (
    CacheNotWritableError,
    cache_dir,
    is_entry_name,
    load_or_train,
    recipe_key,
)
from cnnlesson.models import builder_for_recipe
from cnnlesson.published._fetch import RESULT_NAME, checked, download
from cnnlesson.published._sources import ModelsSourceError, open_source


def _label(model, position: int) -> str:
    """How the report names an index entry: its cache key and network, as far as it has them."""
    if not isinstance(model, dict):
        return f"#{position}"
    key, recipe = model.get("cache_key"), model.get("recipe")
    name = recipe.get("model") if isinstance(recipe, dict) else None
    key = key if isinstance(key, str) and is_entry_name(key) else f"#{position}"
    return f"{key} {name}" if isinstance(name, str) else key


def _import_one(reader, model: dict) -> str:
    """Import one checked index entry through the cache; "imported" or "skipped"."""
    key, recipe = model["cache_key"], model["recipe"]
    seed = recipe.get("seed", 0)
    try:
        build = builder_for_recipe(recipe)
        network = build(seed=seed)
        expected = recipe_key(network, recipe, model.get("training_code"))
    except Exception as error:  # a recipe no builder takes: any error of the builder's
        raise ModelsSourceError(f"{key}/{RESULT_NAME}: {one_line(error)}") from None
    if expected != model["recipe_key"]:
        raise ModelsSourceError(
            f"{key}/{RESULT_NAME}: the network its recipe names is not the one the index "
            "describes (another architecture, optimizer or training code)")
    outcome = load_or_train(cache_dir() / key, network, None, recipe=recipe,
                            rebuild=lambda: build(seed=seed), recipe_key=expected,
                            fetch=lambda files: download(reader, model, files))
    return "skipped" if outcome.how == "cache" else "imported"


def import_models(source, *, keys=None, report=print, timeout=None) -> dict:
    """Add the models a site publishes to the training cache, each checked before use.

    Every file is checked against the size and SHA-256 of the site's ``index.json`` (the
    size before a byte of it is written), the recipe that ``result.json`` records
    against the index's, and the weights against the network the recipe names; a model
    that fails any check is refused, and nothing of it enters the cache.  Each model is
    checked on its own: one that is refused (or an entry of the index that describes no
    model) never stops the others.  A model already in the cache is skipped.  Each model
    goes through :func:`cnnlesson.cache.load_or_train`, under its entry's lock, so an
    interrupted import leaves no half entry, and staging folders that a killed import
    left are removed.  An imported model is an ordinary cache entry, marked with where it
    came from, and the training functions use it for its recipe also where this
    machine's library versions or copy of CIFAR-10 differ from the site's (saying so).

    Parameters
    ----------
    source : str or path-like
        A built site, its ``models/`` folder, a zip of either, or an http(s) address of a
        site or of its ``models/`` folder.
    keys : iterable of str, optional
        Import only these cache keys.
    report : callable
        Called with one line per model, then with the JSON summary.
    timeout : float, optional
        Seconds an http(s) read waits for the connection and for each next piece of data;
        by default ``CNNLESSON_NETWORK_TIMEOUT``, else 30.

    Returns
    -------
    dict
        ``{"imported": [...], "skipped": [...], "refused": [...]}`` of cache keys (an
        index entry without a cache key is refused as ``#N``, its place in the index).

    Raises
    ------
    cnnlesson.published.ModelsSourceError
        When ``source`` holds no index of published models, or ``keys`` names a model
        the index lacks (:class:`~cnnlesson.published.UnreachableSourceError` when an
        address did not answer in time).
    cnnlesson.cache.CacheNotWritableError
        When the training cache cannot be written.
    ValueError
        When ``timeout`` or ``CNNLESSON_NETWORK_TIMEOUT`` is not a positive number of
        seconds, ``keys`` is not a list of keys or ``report`` cannot be called.
    """
    timeout = network_timeout() if timeout is None else checked_timeout(timeout, "timeout")
    if keys is not None and (isinstance(keys, (str, bytes)) or not hasattr(keys, "__iter__")):
        raise ValueError(f"keys must be a list of cache keys, got {keys!r}")
    if not callable(report):
        raise ValueError(f"report must be a function of one line, such as print; got {report!r}")
    reader = open_source(source, timeout=timeout)
    index = reader.index()
    wanted = None if keys is None else list(dict.fromkeys(str(key) for key in keys))
    if wanted is not None:
        listed = {m.get("cache_key") for m in index["models"] if isinstance(m, dict)}
        unknown = [key for key in wanted if key not in listed]
        if unknown:
            raise ModelsSourceError(f"{reader.label} publishes no model {', '.join(unknown)}; "
                                    "its index.json lists the models it has")
    outcome = {"imported": [], "skipped": [], "refused": []}
    for position, model in enumerate(index["models"], start=1):
        label = _label(model, position)
        if wanted is not None and label.split()[0] not in wanted:
            continue
        try:
            status = _import_one(reader, checked(model, position))
            why = "already in the cache" if status == "skipped" else "every file checked"
            report(f"{status:8s} {label} ({why})")
        except CacheNotWritableError:
            raise  # the cache, not this model: nothing else can be imported either
        except Exception as error:  # one bad model never stops the others
            status = "refused"
            report(f"refused  {label}: {one_line(error)}")
        outcome[status].append(label.split()[0])
    report(json.dumps({status: len(keys) for status, keys in outcome.items()}))
    return outcome
