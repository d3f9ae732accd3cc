"""One published model from a source into a cache entry's staging folder, every byte
checked against the site's index (the ``fetch`` step of :func:`cnnlesson.cache.load_or_train`)."""

from __future__ import annotations

import datetime
import json
import os
import shutil
import sys
from importlib import resources
from pathlib import Path

from cnnlesson._checks import one_line
from cnnlesson.cache import MODEL_FILES, is_entry_name
from cnnlesson.published._sources import ModelsSourceError, open_source

#: A source of published models for this run: a folder, a zip or an http(s) address.
SOURCE_VARIABLE = "CNNLESSON_MODELS_FROM"
#: Written into the wheel by a site build that knows its address (``--baseurl``).
SITE_FILE = "site.json"
WEIGHTS_NAME, RESULT_NAME = MODEL_FILES


def _is_digest(value) -> bool:
    return isinstance(value, str) and len(value) == 64 and all(
        c in "0123456789abcdef" for c in value)


def _is_size(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def checked(model, position: int) -> dict:
    """The index's entry ``model`` (its ``position``-th), if it is one the package could
    have written; else ModelsSourceError saying what is wrong with it."""
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
    if not isinstance(files, dict) or sorted(files) != sorted(MODEL_FILES):
        listed = sorted(files) if isinstance(files, dict) else files
        raise ModelsSourceError(f"{key}: the index lists {listed!r}, not the weights and "
                                f"{RESULT_NAME}")
    for name, claim in files.items():
        if not (isinstance(claim, dict) and _is_digest(claim.get("sha256"))
                and _is_size(claim.get("size"))):
            raise ModelsSourceError(f"{key}/{name}: the index gives no SHA-256 and size "
                                    f"({claim!r})")
    if not isinstance(model.get("recipe_key"), str):
        raise ModelsSourceError(f"{key}: the index gives no recipe key")
    return model


def download(reader, model: dict, files: dict):
    """Fetch the files of the index's ``model`` (checked) from ``reader`` into ``files``.

    Returns ``(digests, origin)`` as :func:`cnnlesson.cache.load_or_train` asks of its
    ``fetch`` step; raises ModelsSourceError naming the file and what is wrong.
    """
    key, claims = model["cache_key"], model["files"]
    folder = next(iter(files.values())).parent
    claimed = sum(claim["size"] for claim in claims.values())
    free = shutil.disk_usage(folder).free
    if claimed > free:
        raise ModelsSourceError(f"{key}: the index claims {claimed:,} bytes for it, and "
                                f"{free:,} are free in {folder.parent}")
    digests = {name: reader.fetch(f"{key}/{name}", claims[name]["sha256"],
                                  claims[name]["size"], path)
               for name, path in files.items()}
    try:
        stored = json.loads(files[RESULT_NAME].read_text("utf-8"))
    except ValueError as error:  # not UTF-8, or not JSON
        raise ModelsSourceError(f"{key}/{RESULT_NAME} is not JSON ({one_line(error)})") from None
    if not isinstance(stored, dict) or stored.get("recipe") != model["recipe"]:
        recipe = stored.get("recipe") if isinstance(stored, dict) else stored
        raise ModelsSourceError(f"{key}/{RESULT_NAME}: its recipe {recipe} is not the "
                                f"index's {model['recipe']}")
    origin = {"source": reader.label, "cache_key": key,
              "imported": datetime.date.today().isoformat()}
    return digests, origin


def packaged_site() -> str | None:
    """The models address of the site whose build made this installation's wheel, if known."""
    try:
        text = resources.files("cnnlesson").joinpath(SITE_FILE).read_text("utf-8")
        return json.loads(text).get("models") or None
    except (FileNotFoundError, OSError, ValueError, AttributeError):
        return None


def use_site_models(source=None):
    """Let the training functions fetch a model from the site's published ones when needed.

    Called by every example and notebook first.  A model the training cache lacks is
    then looked up in the site's ``index.json`` and, if the site published it, fetched
    and checked instead of trained.  Without a source (offline, say), the model is
    trained here, as before.

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


#: The sources read in this run, each once: source -> (reader, index), or None when it
#: was out of reach (it is not tried again in this run).
_opened: dict = {}


def site_fetcher(key_of_recipe: str):
    """The ``fetch`` step for training: the site's model of a recipe, or None to train.

    Looks in the source of :func:`use_site_models` (``CNNLESSON_MODELS_FROM``, or the
    packaged site address).  The step says in one line on stderr when it fetches, or
    why it could not, and never raises: the model is then trained here.

    Parameters
    ----------
    key_of_recipe : str
        The recipe key (:func:`cnnlesson.cache.recipe_key`) of the model wanted.

    Returns
    -------
    callable or None
        ``fetch(files)`` for :func:`cnnlesson.cache.load_or_train`, or None when no source
        of published models is known.

    Examples
    --------
    >>> import os
    >>> os.environ.pop("CNNLESSON_MODELS_FROM", None) and None
    >>> site_fetcher("0" * 24) is None or callable(site_fetcher("0" * 24))
    True
    """
    source = os.environ.get(SOURCE_VARIABLE, "").strip() or packaged_site()
    if not source:
        return None

    def fetch(files):
        try:
            if source not in _opened:
                _opened[source] = None  # out of reach unless it answers below
                reader = open_source(source)
                _opened[source] = (reader, reader.index())
            if _opened[source] is None:
                return None
            reader, index = _opened[source]
            for position, model in enumerate(index["models"], start=1):
                if isinstance(model, dict) and model.get("recipe_key") == key_of_recipe:
                    model = checked(model, position)
                    print(f"cnnlesson: fetching the trained model {model['cache_key']} from "
                          f"{reader.label}", file=sys.stderr, flush=True)
                    return download(reader, model, files)
            return None
        except Exception as error:  # noqa: BLE001 - whatever fails, the model is trained here
            print(f"cnnlesson: the site's trained model is out of reach ({one_line(error)}); "
                  "training here instead", file=sys.stderr, flush=True)
            return None

    return fetch
