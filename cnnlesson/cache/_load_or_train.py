"""The one way to a trained model: the cache's entry, else a model a site published, else
training (see :mod:`cnnlesson.cache`)."""

from __future__ import annotations

import contextlib
import json
import shutil
import warnings
from pathlib import Path
from typing import NamedTuple

from cnnlesson.cache._layout import (
    MODEL_FILES,
    ORIGIN_FILE,
    RESULT_FILE,
    WEIGHTS_FILE,
    is_entry_name,
    recipe_pointer,
)
from cnnlesson.cache._read import check_recipe, load_entry
from cnnlesson.cache._sharing import (
    check_writable,
    discard_entry,
    entry_lock,
    remove_stale_staging,
)
from cnnlesson.cache._store import (
    CacheWarning,
    place_staged,
    refuse_foreign,
    staging_folder,
    store_entry,
)
from cnnlesson.cache._weights import load_weights_checked


class Outcome(NamedTuple):
    """What :func:`load_or_train` gave: the model, its result, how it was had, its entry."""

    model: object
    result: dict
    #: ``"cache"`` (loaded), ``"published"`` (fetched from a site now) or ``"trained"``.
    how: str
    #: The name of the cache entry the model is in (another than the one asked for when it
    #: was fetched from a site for the recipe earlier).
    key: str

    @property
    def from_cache(self) -> bool:
        """Whether the model was loaded or fetched rather than trained."""
        return self.how != "trained"


def load_or_train(entry: Path, model, train, *, recipe: dict, rebuild, cache=True,
                  fetch=None, recipe_key=None) -> Outcome:
    """The cached model for ``entry``, else one a site published, else a new training run.

    In that order: a verified entry is loaded; with ``recipe_key``, so is the entry of a
    model fetched from a site for that recipe earlier (whatever this machine's key for it
    is); then, under the entry's lock (a second process that needs the same entry waits,
    then loads it), ``fetch`` is asked for the site's model and the trained model is
    stored; else ``train`` trains it and the result is stored.  Staging folders that
    killed writes left are removed first.  Unusable entries are
    warned about (:class:`CacheWarning`), removed when they are the package's own, and
    had again.  Before anything is written, the cache must be writable (else
    :class:`CacheNotWritableError`).

    Parameters
    ----------
    entry : pathlib.Path
        The entry's folder, ``cache_dir() / cache_key(...)``.
    model : keras.Model
        The freshly built, compiled model: loaded into, or trained.
    train : callable or None
        ``train(model)`` trains in place and returns the JSON-ready result, with a
        ``"recipe"`` item.  None: the model is only ever loaded or fetched, and an error
        of ``fetch`` is raised (an import).
    recipe : dict
        The recipe the entry must record.
    rebuild : callable
        ``rebuild()`` returns a fresh model, used when loading an entry failed halfway.
    cache : bool
        False: train and store nothing, whatever is in the cache.
    fetch : callable, optional
        ``fetch(files)`` writes a published model's files into the paths of ``files``
        (``{name: path}``: the weights and ``result.json``), each checked against its
        source, and returns ``(digests, origin)``: each file's SHA-256 and a JSON-ready
        description of where it came from; or None when there is no such model.  Its
        weights must fit ``model`` and its recipe be ``recipe``, else it is not used.
    recipe_key : str, optional
        The recipe key (:func:`recipe_key`) of what is asked for.

    Returns
    -------
    Outcome
        ``(model, result, how, key)``.

    Examples
    --------
    >>> import tempfile
    >>> from cnnlesson import build_lesson_model
    >>> entry = Path(tempfile.mkdtemp()) / "example"
    >>> def train(model):
    ...     return {"recipe": {"seed": 0}, "test_accuracy": 0.5}
    >>> first = load_or_train(entry, build_lesson_model(), train, recipe={"seed": 0},
    ...                       rebuild=build_lesson_model)
    >>> first.how, load_or_train(entry, build_lesson_model(), train, recipe={"seed": 0},
    ...                          rebuild=build_lesson_model).how
    ('trained', 'cache')
    """
    if not cache:
        return Outcome(model, train(model), "trained", entry.name)
    # What killed writes left (by name: no entry is read), also where nothing is written now.
    remove_stale_staging(entry.parent)
    quiet = train is None  # an import says itself why it did not import a model
    model, result = _load(entry, model, recipe, rebuild, quiet)
    if result is not None:
        return Outcome(model, result, "cache", entry.name)
    in_the_way = entry.exists() or entry.is_symlink()  # unusable, and not the package's
    if recipe_key is not None and train is not None:
        imported = _pointed_to(entry.parent, recipe_key)
        if imported is not None and imported != entry:
            model, result = _load(imported, model, recipe, rebuild, quiet)
            if result is not None:
                return Outcome(model, result, "cache", imported.name)
    check_writable(entry.parent, training=train is not None)
    with entry_lock(entry):
        if not in_the_way:  # another process's entry, written meanwhile
            model, result = _load(entry, model, recipe, rebuild, quiet)
            if result is not None:
                return Outcome(model, result, "cache", entry.name)
        if fetch is not None and not in_the_way:
            try:
                result = _fetched(entry, model, recipe, fetch, recipe_key)
            except Exception as error:  # a published model that cannot be used
                if train is None:
                    raise
                warnings.warn(f"the published model for {entry.name} cannot be used "
                              f"({error}); training it here", CacheWarning, stacklevel=2)
            if result is not None:
                return Outcome(model, _loaded(entry, result), "published", entry.name)
        if train is None:
            refuse_foreign(entry)  # says so when a folder that is not an entry holds its place
            raise LookupError(f"no published model for {entry.name} was found")
        result = train(model)
        store_entry(entry, model, result)
    return Outcome(model, result, "trained", entry.name)


def _load(entry: Path, model, recipe, rebuild, quiet=False):
    """``(model, result)`` of a verified entry, or ``(model, None)`` where there is none."""
    if not (entry.exists() or entry.is_symlink()):
        return model, None
    try:
        result = load_entry(entry, model, recipe)
        return model, _loaded(entry, result)
    except Exception as error:  # any unusable entry is had again, never fatal
        return _unusable(entry, error, rebuild, quiet), None


def _fetched(entry: Path, model, recipe, fetch, recipe_key):
    """The result of a published model placed as ``entry``, or None when ``fetch`` has none.

    Each file is hashed once, by ``fetch`` as it arrives; its weights are loaded into
    ``model`` (which checks that they fit) before the entry takes its place.
    """
    refuse_foreign(entry)  # nothing is fetched into a place a user's folder holds
    staging = staging_folder(entry)
    try:
        answer = fetch({name: staging / name for name in MODEL_FILES})
        if answer is None:
            return None
        digests, origin = answer
        try:
            result = json.loads((staging / RESULT_FILE).read_text("utf-8"))
        except ValueError as error:  # not UTF-8, or not JSON
            raise ValueError(f"{RESULT_FILE} is not JSON ({error})") from None
        if not isinstance(result, dict):
            raise ValueError(f"{RESULT_FILE} holds no training result")
        check_recipe(result, recipe)
        load_weights_checked(model, staging / WEIGHTS_FILE)
        (staging / ORIGIN_FILE).write_text(json.dumps(origin, indent=1), "utf-8")
        place_staged(staging, entry, digests)
        if recipe_key is not None:
            recipe_pointer(entry.parent, recipe_key).write_text(entry.name, "utf-8")
        return result
    finally:
        if staging.is_dir() and not staging.is_symlink():
            shutil.rmtree(staging, ignore_errors=True)  # its own staging folder


def _pointed_to(folder: Path, key_of_recipe: str):
    """The entry a site's model for ``key_of_recipe`` was fetched into, or None."""
    pointer = recipe_pointer(folder, key_of_recipe)
    try:
        name = pointer.read_text("utf-8")[:64].strip() if pointer.is_file() else ""
    except (OSError, ValueError):
        return None
    return folder / name if is_entry_name(name) else None


_load_records: list[dict] = []


@contextlib.contextmanager
def record_loads():
    """Collect the training time of every entry :func:`load_or_train` loads meanwhile.

    Loading takes seconds where training took minutes; whoever reports how long a
    piece of work takes with an empty cache (the site's example timings) adds these.
    A model fetched from a site counts as loaded.

    Yields
    ------
    dict
        Filled while the block runs: entry name -> the ``train_seconds`` its result
        recorded.

    Examples
    --------
    >>> import tempfile
    >>> from cnnlesson import build_lesson_model
    >>> entry = Path(tempfile.mkdtemp()) / "example"
    >>> def train(model):
    ...     return {"recipe": {"seed": 0}, "train_seconds": 12.5}
    >>> _ = load_or_train(entry, build_lesson_model(), train, recipe={"seed": 0},
    ...                   rebuild=build_lesson_model)
    >>> with record_loads() as loaded:
    ...     _ = load_or_train(entry, build_lesson_model(), train, recipe={"seed": 0},
    ...                       rebuild=build_lesson_model)
    >>> loaded
    {'example': 12.5}
    """
    loaded: dict = {}
    _load_records.append(loaded)
    try:
        yield loaded
    finally:
        _load_records.remove(loaded)


def _loaded(entry: Path, result: dict) -> dict:
    for loaded in _load_records:
        loaded[entry.name] = float(result.get("train_seconds") or 0.0)
    return result


def _unusable(entry: Path, reason, rebuild, quiet):
    if discard_entry(entry):
        what = "removed it"
    else:
        what = ("it is not one cnnlesson wrote (it has no .cnnlesson-mark, or other files), "
                "so it is left as it is (move it away to let the model be cached)")
    if not quiet:
        warnings.warn(f"training cache entry {entry} is unusable ({reason}); {what}",
                      CacheWarning, stacklevel=4)
    return rebuild()
