"""Build profiles: how much training the site's pages do.

The *full* profile is the lesson's own recipe on all of CIFAR-10; the *quick*
profile trains briefly on a small subset, so that the site can be checked in
minutes.  Pages ask :func:`current_profile` which schedule to use, so that a
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
        table), ``calibration`` (short timed runs of the lesson's network and of the
        final design on the same images, each at its own batch size) and ``headline``
        (batch size, subset and most epochs of the final design's equal-time run).
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
