"""The site's explorer data: the two networks of a build profile, exported for the page.

``nox -s docs`` runs ``python -m cnnlesson.export docs/_build/<profile>/site-extra`` before
Sphinx, and ``docs/conf.py`` lists that folder in ``html_extra_path``: Sphinx publishes
its content as it is, so the built site serves ``explorer-data/`` beside its pages.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from cnnlesson.data import CIFAR10_CLASSES, load_cifar10, scale_images
from cnnlesson.export._reference import write_reference
from cnnlesson.export._write import (
    INDEX_FILE,
    WRITTEN_BY,
    choose_images,
    export_explorer,
    rounded_model,
)
from cnnlesson.files import write_whole
from cnnlesson.profiles import current_profile
from cnnlesson.train import train_design_model, train_lesson_model

#: The folder :func:`write_site_data` writes inside the folder it is given; the page's
#: script reads ``explorer-data/`` at the site's root.
DATA_FOLDER = "explorer-data"
#: The images: the lesson's horse, then this many test images of every class.
IMAGES_PER_CLASS = 5


def _say(message):
    print(message, flush=True)


def _written_by_us(data):
    """Whether ``data`` is a folder an earlier :func:`write_site_data` wrote."""

    try:
        index = json.loads((data / INDEX_FILE).read_text())
    except (OSError, ValueError):
        return False
    return isinstance(index, dict) and index.get("written_by") == WRITTEN_BY


def _export(folder, profile):
    """Train or load both networks and write their data into ``folder``; the sizes."""

    _say(f"  the tutorial's network: train_lesson_model({_call(profile.lesson)}), from the "
         "training cache when it holds it")
    lesson = train_lesson_model(**profile.lesson, verbose=2).model
    _say(f"  the final design: train_design_model({_call(profile.design['final'])})")
    design = train_design_model(**profile.design["final"], verbose=2).model
    (x_train, y_train), (x_test, y_test) = load_cifar10(subset=1_000)
    pixels, labels, sources = choose_images(x_train, y_train, x_test, y_test,
                                            per_class=IMAGES_PER_CLASS)
    # The page runs the tutorial's dense kernel rounded to 8-bit levels, as it downloads it.
    shipped = {"lesson": rounded_model(lesson), "design": design}
    x = scale_images(pixels)
    exact, rounded = (m.predict(x, verbose=0) for m in (lesson, shipped["lesson"]))
    moved = int((exact.argmax(axis=1) != rounded.argmax(axis=1)).sum())
    _say(f"  rounding the tutorial's dense layer to 8 bits moves its scores by at most "
         f"{np.abs(exact - rounded).max():.1e} on the {len(x)} images; top classes changed: "
         f"{moved}")
    sizes = export_explorer({"lesson": lesson, "design": design}, pixels, labels, sources,
                            folder, classes=CIFAR10_CLASSES)
    for name, size in sizes.items():
        _say(f"  {name:20} {size / 1e6:6.2f} MB")
    for key, model in shipped.items():
        write_reference(model, pixels, folder / key, images=(0, 12, 37))
    _say("  Keras's answers for the site's tests: lesson/reference.*, design/reference.*")
    return sizes


def _call(arguments):
    return ", ".join(f"{key}={value!r}" for key, value in arguments.items())


def write_site_data(folder, profile=None):
    """Write the explorer page's data for a build profile into ``folder/explorer-data``.

    Both networks come through the training cache, trained when it does not hold them:
    the tutorial's, ``cnnlesson.train_lesson_model(**profile.lesson)``, and the final
    design, ``cnnlesson.train_design_model(**profile.design["final"])``, the calls the
    lesson's pages make, so the explorer shows the models they report on. With the
    lesson's horse and the first test images of every class (:func:`choose_images`),
    they go through :func:`export_explorer`; :func:`write_reference` adds Keras's own
    answers, which the site's browser tests compare the page with.

    Safe to rerun: the data is written into a new folder beside ``folder`` first and then
    takes the place of ``folder/explorer-data``, which is removed only when an earlier
    run wrote it (its ``explorer.json`` says so). Nothing else is removed; a run that
    fails leaves the earlier data as it was. Progress is printed.

    Parameters
    ----------
    folder : str or pathlib.Path
        Created if needed, e.g. ``docs/_build/quick/site-extra``, the folder ``docs/conf.py``
        publishes with ``html_extra_path``.
    profile : cnnlesson.Profile, optional
        The build profile; :func:`cnnlesson.current_profile` when not given.

    Returns
    -------
    dict
        ``{path relative to folder/explorer-data: size in bytes}`` of what the page
        downloads, as :func:`export_explorer` returns it.

    Raises
    ------
    FileExistsError
        When ``folder/explorer-data`` exists and this function did not write it.

    Examples
    --------
    From the command line (``nox -s docs`` does this before Sphinx runs)::

        CNNLESSON_PROFILE=quick python -m cnnlesson.export docs/_build/quick/site-extra

    A folder this function did not write is left alone:

    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / "explorer-data").mkdir()
    >>> _ = (folder / "explorer-data" / "notes.txt").write_text("mine")
    >>> write_site_data(folder)
    Traceback (most recent call last):
    FileExistsError: .../explorer-data holds files that cnnlesson.export did not write; ...
    """
    profile = profile or current_profile()
    folder = Path(folder)
    target = folder / DATA_FOLDER
    if target.exists() and not _written_by_us(target):
        raise FileExistsError(f"{target} holds files that cnnlesson.export did not write; "
                              "move them away or name another folder")
    started = time.monotonic()
    _say(f"explorer data, {profile.name} profile: {target}")
    sizes = {}
    # In place of an earlier run's data (checked above) once all is written.
    write_whole(target, lambda partial: sizes.update(_export(partial, profile)))
    _say(f"explorer data written in {time.monotonic() - started:.0f} s: "
         f"{sum(sizes.values()) / 1e6:.2f} MB for the page to download")
    return sizes
