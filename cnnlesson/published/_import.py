"""Published models into the training cache: all of a site's at once, or one when needed."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import sys
from importlib import resources
from pathlib import Path

from cnnlesson import cache as _cache
from cnnlesson._web import checked_timeout, network_timeout
from cnnlesson.cache import (
    ORIGIN_FILE,
    RESULT_FILE,
    WEIGHTS_FILE,
    cache_dir,
    check_writable,
    discard_entry,
    entry_lock,
    is_entry_name,
    load_model_weights,
    place_entry,
    recipe_key,
    remove_stale_staging,
    verify_entry,
)
from cnnlesson.models import builder_for_recipe
from cnnlesson.published._publish import PUBLISHED_FILES
from cnnlesson.published._sources import ModelsSourceError, open_source

#: A source of published models for this run: a folder, a zip or an http(s) address.
SOURCE_VARIABLE = "CNNLESSON_MODELS_FROM"
#: Written into the wheel by a site build that knows its address (``--baseurl``).
SITE_FILE = "site.json"


def _one_line(error: BaseException) -> str:
    """The first line of an error's message: Keras and h5py explain over several."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = lines[0] if lines else type(error).__name__
    return text if len(text) <= 200 else text[:199] + "…"


def _check_architecture(model: dict, staging: Path) -> None:
    recipe = model["recipe"]
    key = model["cache_key"]
    try:
        network = builder_for_recipe(recipe)(seed=recipe.get("seed", 0))
        expected = recipe_key(network, recipe, model.get("training_code"))
    except Exception as error:  # a recipe no builder takes: any error of the builder's
        raise ModelsSourceError(f"{key}/{RESULT_FILE}: {_one_line(error)}") from None
    if expected != model.get("recipe_key"):
        raise ModelsSourceError(
            f"{key}/{RESULT_FILE}: the network its recipe names is not the "
            "one the index describes (another architecture, optimizer or training code)")
    try:
        load_model_weights(network, staging / WEIGHTS_FILE)
    except Exception as error:  # h5py and Keras raise many kinds for a file that does not fit
        raise ModelsSourceError(f"{key}/{WEIGHTS_FILE}: the weights do not fit the network "
                                f"its recipe names ({_one_line(error)})") from None


def _is_digest(value) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(
        c in "0123456789abcdef" for c in value)


def _is_size(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _checked(model, position: int) -> dict:
    """The index's entry ``model``, if it is one the package could have written."""
    if not isinstance(model, dict):
        raise ModelsSourceError(f"the index's model #{position} is a {type(model).__name__}, "
                                "not an object")
    key = model.get("cache_key")
    if not isinstance(key, str) or not is_entry_name(key):
        raise ModelsSourceError(f"the index's model #{position} has the cache key {key!r}, "
                                "which is not one")
    recipe = model.get("recipe")
    if not isinstance(recipe, dict) or not isinstance(recipe.get("model"), str):
        raise ModelsSourceError(f"{key}: the index gives no recipe naming a network "
                                f"(recipe {recipe!r})")
    files = model.get("files")
    if not isinstance(files, dict) or sorted(files) != sorted(PUBLISHED_FILES):
        listed = sorted(files) if isinstance(files, dict) else files
        raise ModelsSourceError(f"{key}: the index lists {listed!r}, not the weights and "
                                f"{RESULT_FILE}")
    for name, claim in files.items():
        if not (isinstance(claim, dict) and _is_digest(claim.get("sha256"))
                and _is_size(claim.get("size"))):
            raise ModelsSourceError(f"{key}/{name}: the index gives no SHA-256 and size "
                                    f"({claim!r})")
    if not isinstance(model.get("recipe_key"), str):
        raise ModelsSourceError(f"{key}: the index gives no recipe key")
    return model


def _label(model, position: int) -> str:
    """How the report names an index entry: its cache key and network, as far as it has them."""
    if not isinstance(model, dict):
        return f"#{position}"
    key, recipe = model.get("cache_key"), model.get("recipe")
    name = recipe.get("model") if isinstance(recipe, dict) else None
    key = key if isinstance(key, str) and is_entry_name(key) else f"#{position}"
    return f"{key} {name}" if isinstance(name, str) else key


def _read_result(staging: Path, key: str) -> dict:
    try:
        stored = json.loads((staging / RESULT_FILE).read_text("utf-8"))
    except ValueError as error:  # not UTF-8, or not JSON
        raise ModelsSourceError(f"{key}/{RESULT_FILE} is not JSON ({_one_line(error)})") from None
    if not isinstance(stored, dict):
        raise ModelsSourceError(f"{key}/{RESULT_FILE} holds a {type(stored).__name__}, not the "
                                "numbers of a training run")
    return stored


def _import_one(reader, model: dict) -> str:
    key, files = model["cache_key"], model["files"]
    folder = cache_dir()
    entry = folder / key
    with entry_lock(entry):
        if entry.exists() or entry.is_symlink():
            try:
                verify_entry(entry, model["recipe"])
                return "skipped"  # already in the cache, complete
            except (OSError, ValueError, KeyError, TypeError):
                discard_entry(entry)  # an unusable entry of the package's own, replaced below
        claimed = sum(claim["size"] for claim in files.values())
        free = shutil.disk_usage(folder).free
        if claimed > free:
            raise ModelsSourceError(f"{key}: the index claims {claimed:,} bytes for it, and "
                                    f"{free:,} are free in {folder}")

        def write(staging: Path) -> None:
            for name in PUBLISHED_FILES:
                reader.fetch(f"{key}/{name}", files[name]["sha256"], files[name]["size"],
                             staging / name)
            stored = _read_result(staging, key)
            if stored.get("recipe") != model["recipe"]:
                raise ModelsSourceError(f"{key}/{RESULT_FILE}: its recipe "
                                        f"{stored.get('recipe')} is not the index's "
                                        f"{model['recipe']}")
            _check_architecture(model, staging)
            origin = {"source": reader.label, "imported": datetime.date.today().isoformat()}
            (staging / ORIGIN_FILE).write_text(json.dumps(origin, indent=1))

        place_entry(entry, write, needed_bytes=claimed)
    return "imported"


def import_models(source, *, keys=None, report=print, timeout=None) -> dict:
    """Add the models a site publishes to the training cache, each checked before use.

    Every file is checked against the SHA-256 and size of the site's ``index.json``, the
    recipe that ``result.json`` records against the index's, and the weights against the
    network the recipe names; a model that fails any check is refused, and nothing of it
    enters the cache.  Each model is checked on its own: one that is refused (or an entry
    of the index that describes no model) never stops the others.  A model already in
    the cache is skipped.  Each model is written through a staging folder and renamed
    into place under its entry's lock, so an interrupted import leaves no half entry, and
    the staging folders that a killed import left are removed first.  An imported model
    is an ordinary cache entry, marked with where it came from, and the training
    functions use it for its recipe also where this machine's library versions or copy
    of CIFAR-10 differ from the site's (saying so).

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
    check_writable(cache_dir(), training=False)
    remove_stale_staging(cache_dir())
    reader = open_source(source, timeout=timeout)
    index = reader.index()
    wanted = None if keys is None else list(dict.fromkeys(str(key) for key in keys))
    if wanted is not None:
        listed = {m.get("cache_key") for m in index["models"] if isinstance(m, dict)}
        unknown = [key for key in wanted if key not in listed]
        if unknown:
            raise ModelsSourceError(f"{reader.label} publishes no model {', '.join(unknown)}; "
                                    "'python -m cnnlesson models list' shows the cache, the "
                                    "index lists the site's models")
    outcome = {"imported": [], "skipped": [], "refused": []}
    for position, model in enumerate(index["models"], start=1):
        label = _label(model, position)
        if wanted is not None and label.split()[0] not in wanted:
            continue
        try:
            status = _import_one(reader, _checked(model, position))
            why = "already in the cache" if status == "skipped" else "every file checked"
            report(f"{status:8s} {label} ({why})")
        except Exception as error:  # one bad model never stops the others
            status = "refused"
            report(f"refused  {label}: {_one_line(error)}")
        outcome[status].append(label.split()[0])
    report(json.dumps({status: len(keys) for status, keys in outcome.items()}))
    return outcome


def find_imported(key_of_recipe: str, recipe: dict):
    """The imported cache entry for a recipe key, verified, or None.

    Examples
    --------
    >>> import os, tempfile
    >>> os.environ["CNNLESSON_CACHE_DIR"] = tempfile.mkdtemp()
    >>> find_imported("0" * 24, {}) is None
    True
    >>> del os.environ["CNNLESSON_CACHE_DIR"]
    """
    folder = cache_dir()
    if not folder.is_dir():
        return None
    for entry in sorted(folder.iterdir()):
        if not is_entry_name(entry.name) or not (entry / ORIGIN_FILE).is_file():
            continue
        try:
            stored = json.loads((entry / RESULT_FILE).read_text("utf-8"))
            if stored.get("recipe_key") == key_of_recipe:
                verify_entry(entry, recipe)
                return entry
        except (OSError, ValueError, KeyError):
            continue
    return None


def packaged_site() -> str | None:
    """The models address of the site whose build made this installation's wheel, if known."""
    try:
        text = resources.files("cnnlesson").joinpath(SITE_FILE).read_text("utf-8")
        return json.loads(text).get("models") or None
    except (FileNotFoundError, OSError, ValueError):
        return None


def use_site_models(source=None):
    """Let the training functions fetch a model from the site's published ones when needed.

    Called by every example and notebook first.  A model the training cache lacks is
    then looked up in the site's ``index.json`` and, if the site published it, fetched
    and checked (:func:`import_models`) instead of trained.  Without a source (offline,
    say), the model is trained here, as before.

    Parameters
    ----------
    source : str or path-like, optional
        Where the models are.  By default: ``CNNLESSON_MODELS_FROM`` if set, else a
        ``models/`` folder in the current folder or the one above (beside a course pack's
        notebooks), else the address of the site that built this installation's wheel.

    Returns
    -------
    str or None
        The source used, which is also put in ``CNNLESSON_MODELS_FROM`` for this run.

    Examples
    --------
    >>> import os, tempfile
    >>> here = os.getcwd(); os.chdir(tempfile.mkdtemp())
    >>> os.environ.pop("CNNLESSON_MODELS_FROM", None) and None
    >>> use_site_models() is None or use_site_models().startswith("http")
    True
    >>> os.chdir(here)
    """
    if source is None:
        source = os.environ.get(SOURCE_VARIABLE, "").strip() or None
    if source is None:
        for folder in (Path.cwd() / "models", Path.cwd().parent / "models"):
            if (folder / "index.json").is_file():
                source = str(folder)
                break
    if source is None:
        source = packaged_site()
    if source is not None and (not isinstance(source, (str, os.PathLike))
                               or not str(source).strip()):
        raise ValueError(f"source must name a built site, its models/ folder, a zip of either "
                         f"or an http(s) address; got {source!r}")
    if source is not None:
        os.environ[SOURCE_VARIABLE] = str(source)
    return source


_opened: dict = {}


def fetch_published(key_of_recipe: str, recipe: dict):
    """The cache entry of the published model for a recipe key, fetched if needed, or None.

    Looks in the source of :func:`use_site_models` (``CNNLESSON_MODELS_FROM``, or the
    packaged site address); says in one line on stderr when it fetches, or why it could
    not, and never raises for a source it cannot reach (it is then not asked again in
    this run).

    Parameters
    ----------
    key_of_recipe : str
        The recipe key (:func:`cnnlesson.cache.recipe_key`) of the model wanted.
    recipe : dict
        Its recipe, which the published model's must equal.

    Returns
    -------
    pathlib.Path or None
        The verified cache entry, or None when no source publishes the model.
    """
    found = find_imported(key_of_recipe, recipe)
    if found is not None:
        return found
    source = os.environ.get(SOURCE_VARIABLE, "").strip() or packaged_site()
    if not source:
        return None
    try:
        if source not in _opened:
            reader = open_source(source)
            _opened[source] = (reader, reader.index())
        reader, index = _opened[source]
        matches = [m for m in index["models"]
                   if isinstance(m, dict) and m.get("recipe_key") == key_of_recipe]
        if not matches:
            return None
        model = _checked(matches[0], index["models"].index(matches[0]) + 1)
        print(f"cnnlesson: fetching the trained model {model['cache_key']} from "
              f"{reader.label}", file=sys.stderr, flush=True)
        _import_one(reader, model)
    except Exception as error:  # noqa: BLE001 - whatever fails, the model is trained here
        if source not in _opened:
            _opened[source] = (None, {"models": []})  # out of reach: not tried again this run
        print(f"cnnlesson: the site's trained model is out of reach ({_one_line(error)}); "
              "training here instead", file=sys.stderr, flush=True)
        return None
    return find_imported(key_of_recipe, recipe)


def load_published(model, recipe: dict, key_of_recipe: str, data_fingerprint: str):
    """Load the site's trained model for a recipe into ``model``; its entry and result, or None.

    Where the site's model was trained with other library versions or on another copy of
    CIFAR-10 than this machine's, one line on stderr says so: its numbers are the site's.

    Parameters
    ----------
    model : keras.Model
        A freshly built model of the recipe's network; the weights are loaded into it.
    recipe : dict
        The training recipe, as the training cache records it.
    key_of_recipe : str
        Its recipe key (:func:`cnnlesson.cache.recipe_key`).
    data_fingerprint : str
        The fingerprint of this machine's CIFAR-10 copy (:func:`cnnlesson.data.fingerprint`).

    Returns
    -------
    tuple of (pathlib.Path, dict) or None
        The cache entry and its stored result, or None when there is no usable published
        model (the caller then trains).
    """
    entry = fetch_published(key_of_recipe, recipe)
    if entry is None:
        return None
    try:
        stored = _cache.load_entry(entry, model, recipe)
    except Exception:  # unusable after all: the caller trains instead
        return None
    notes = []
    theirs, ours = stored.get("versions", {}), _cache.library_versions()
    if {k: theirs.get(k) for k in ("tensorflow", "keras")} != {
            k: ours[k] for k in ("tensorflow", "keras")}:
        notes.append(f"with TensorFlow {theirs.get('tensorflow')} and Keras "
                     f"{theirs.get('keras')} (here {ours['tensorflow']} and {ours['keras']})")
    if stored.get("data_fingerprint") not in (None, data_fingerprint):
        notes.append("on another copy of CIFAR-10 than this one")
    if notes:
        print(f"cnnlesson: the site's model {entry.name} was trained {' and '.join(notes)}; "
              "its numbers are the site's, and predictions here may differ in the last "
              "digits", file=sys.stderr, flush=True)
    return entry, stored
