"""Build profiles: how much training the site's pages do.

The *full* profile is the lesson's own recipe on all of CIFAR-10; the *quick*
profile trains briefly on a small subset, so that the site can be checked in
minutes.  Pages ask :func:`~cnnlesson.current_profile` which schedule to use, so that a
downloaded example run on its own gets the full lesson.
"""

from __future__ import annotations

import os
from typing import NamedTuple

PROFILE_VARIABLE = "CNNLESSON_PROFILE"


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
        table) and ``final`` (the final design's fixed schedule, the same on every
        machine: keyword arguments of :func:`cnnlesson.train_design_model`).
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
        # Six rows of a few thousand images keep the table within a few minutes.  The
        # final design's epochs take 1.2-1.9 times a tutorial epoch, depending on the CPU
        # (benchmarks/NOTES.md): this many take clearly less time than the tutorial's 25.
        design={
            "steps": {"epochs": 4, "batch_size": 64, "subset": 5_000},
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


def describe_images(subset) -> str:
    """The training images of a schedule's ``subset``, in words.

    Examples
    --------
    >>> describe_images(None), describe_images(2000)
    ('all 50,000 images', '2,000 images')
    """
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


def announce() -> Profile:
    """Print which profile this run uses and what it trains; return the profile.

    Every gallery example calls this first, so that a downloaded script says what
    it is about to do before it trains anything.

    Examples
    --------
    >>> import os
    >>> os.environ["CNNLESSON_PROFILE"] = "quick"
    >>> announce().name
    Profile: quick (the lesson's network: 3 epochs on 2,000 images); set
    CNNLESSON_PROFILE=full for the full profile.
    'quick'
    >>> del os.environ["CNNLESSON_PROFILE"]
    """
    profile = current_profile()
    lesson = profile.lesson
    other = "quick" if profile.name == "full" else "full"
    print(f"Profile: {profile.name} (the lesson's network: {lesson['epochs']} epochs on "
          f"{describe_images(lesson['subset'])}); set {PROFILE_VARIABLE}={other} for the "
          f"{other} profile.")
    return profile
