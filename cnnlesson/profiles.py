"""Build profiles: how much training the site's pages do.

The *full* profile is the lesson's own recipe on all of CIFAR-10; the *quick*
profile trains briefly on a small subset, so that the site can be checked in
minutes.  Pages ask :func:`~cnnlesson.current_profile` which schedule to use, so that a
downloaded example run on its own gets the full lesson.
"""

from __future__ import annotations

import json
import os
from importlib import resources
from typing import NamedTuple

PROFILE_VARIABLE = "CNNLESSON_PROFILE"
#: Running time of each gallery example per profile, measured by the docs builds
#: (``docs/_ext/gallery_support.py`` writes it; never edited by hand).
EXAMPLE_TIMES_FILE = "example_times.json"


class Profile(NamedTuple):
    """Training schedules for one build profile.

    Attributes
    ----------
    name : str
        ``"full"`` or ``"quick"``.
    lesson : dict
        Keyword arguments of :func:`cnnlesson.train_lesson_model` for the lesson's model.
    comparison : dict
        The shorter schedule every variant of a comparison is trained with.
    is_lesson_recipe : bool
        True when ``lesson`` is the tutorial's exact recipe, so its numbers are the lesson's.
    design : dict
        The design page's schedules: ``steps`` (every row of its one-change-at-a-time
        table), ``calibration`` (short timed runs of the lesson's network and of the
        final design on the same images, each at its own batch size) and ``headline``
        (batch size, subset and most epochs of the final design's equal-time run) and
        ``final`` (the final design's fixed schedule: keyword arguments of
        :func:`cnnlesson.train_design_model`).
    """

    name: str
    lesson: dict
    comparison: dict
    is_lesson_recipe: bool
    design: dict


PROFILES = {
    "full": Profile(
        name="full",
        lesson={"epochs": 25, "batch_size": 32, "subset": None},
        comparison={"epochs": 5, "batch_size": 32, "subset": 10_000},
        is_lesson_recipe=True,
        # Six rows of a few thousand images keep the table within a few minutes; the
        # headline gets as long as the lesson's own 25 epochs took.
        design={
            "steps": {"epochs": 4, "batch_size": 64, "subset": 5_000},
            "calibration": {"epochs": 2, "subset": 5_000},
            "headline": {"batch_size": 128, "subset": None, "max_epochs": 60},
            "final": {"epochs": 10, "batch_size": 128, "subset": None},
        },
    ),
    "quick": Profile(
        name="quick",
        lesson={"epochs": 3, "batch_size": 32, "subset": 2_000},
        comparison={"epochs": 2, "batch_size": 32, "subset": 1_000},
        is_lesson_recipe=False,
        design={
            "steps": {"epochs": 2, "batch_size": 32, "subset": 1_000},
            "calibration": {"epochs": 2, "subset": 1_000},
            "headline": {"batch_size": 128, "subset": 2_000, "max_epochs": 3},
            "final": {"epochs": 3, "batch_size": 128, "subset": 2_000},
        },
    ),
}


def current_profile() -> Profile:
    """The profile named by ``CNNLESSON_PROFILE`` (``full`` when unset).

    Raises
    ------
    ValueError
        When the variable names an unknown profile.

    Examples
    --------
    >>> import os
    >>> os.environ.pop("CNNLESSON_PROFILE", None) and None
    >>> current_profile().lesson
    {'epochs': 25, 'batch_size': 32, 'subset': None}
    """
    name = os.environ.get(PROFILE_VARIABLE, "").strip() or "full"
    if name not in PROFILES:
        raise ValueError(
            f"{PROFILE_VARIABLE}={name!r} is not a build profile; use one of {sorted(PROFILES)}"
        )
    return PROFILES[name]


def _images(subset) -> str:
    return "all 50,000 images" if subset is None else f"{subset:,} images"


def rough_duration(seconds: float) -> str:
    """A running time in words, as rough as a measurement on another machine deserves.

    Examples
    --------
    >>> rough_duration(20), rough_duration(95), rough_duration(1020), rough_duration(7300)
    ('under a minute', 'about 2 min', 'about 17 min', 'about 2.0 h')
    """
    if seconds < 60:
        return "under a minute"
    if seconds < 90 * 60:
        return f"about {round(seconds / 60)} min"
    return f"about {seconds / 3600:.1f} h"


def example_times() -> dict:
    """{profile name: {example name: seconds}} as the site's builds measured them.

    The time of an example is its own running time plus the training it loaded
    from the cache of trained models: what a first run with an empty cache takes.

    Examples
    --------
    >>> sorted(example_times()) == sorted(set(example_times()) & set(PROFILES))
    True
    """
    try:
        text = resources.files("cnnlesson").joinpath(EXAMPLE_TIMES_FILE).read_text("utf-8")
    except (FileNotFoundError, OSError):
        return {}
    return {name: times for name, times in json.loads(text).get("seconds", {}).items()
            if name in PROFILES}


def announce(example: str) -> Profile:
    """Print which profile this run uses and how long it should take; return the profile.

    Every gallery example calls this first, so that a downloaded script says what
    it is about to do before it trains anything.

    Parameters
    ----------
    example : str
        The example's name, e.g. ``"plot_first_layer_kernels"``.

    Examples
    --------
    >>> import os
    >>> os.environ["CNNLESSON_PROFILE"] = "quick"
    >>> announce("plot_first_layer_kernels").name  # doctest: +ELLIPSIS
    Profile: quick (...)...
    'quick'
    >>> del os.environ["CNNLESSON_PROFILE"]
    """
    profile = current_profile()
    lesson = profile.lesson
    other = "quick" if profile.name == "full" else "full"
    print(f"Profile: {profile.name} (the lesson's network: {lesson['epochs']} epochs on "
          f"{_images(lesson['subset'])}); set {PROFILE_VARIABLE}={other} for the "
          f"{other} profile.")
    times = example_times()
    measured = {name: times.get(name, {}).get(example) for name in PROFILES}
    if measured[profile.name] is not None:
        print(f"Expected time: {rough_duration(measured[profile.name])} on the machine that "
              f"built the site, less when the training cache holds its models already.")
    else:
        print("Expected time: not measured yet for this profile.")
    if measured[other] is not None:
        print(f"(The {other} profile took {rough_duration(measured[other])}.)")
    return profile
