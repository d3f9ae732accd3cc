"""The networks the package trains, by name: their builders and the fields of their recipes.

A training recipe names the network (``model``, the Keras model's name), its settings
and the schedule; it is what the training cache keys and what a site publishes.  This
table is the one place that ties the three together: training writes its recipes with
:func:`training_recipe`, and an import rebuilds the network a published recipe names with
:func:`builder_for_recipe`.
"""

from __future__ import annotations

import functools

from cnnlesson.models._design import (
    DESIGN_STEPS,
    build_design_step,
    design_builder,
    design_step_name,
)
from cnnlesson.models._lesson import LESSON_CONV_KERNEL_SIZES, build_lesson_model

#: The fields of every recipe besides the network and its settings.
SCHEDULE_FIELDS = ("epochs", "batch_size", "subset", "seed")


def _lesson(recipe):
    return functools.partial(
        build_lesson_model,
        conv_kernel_sizes=tuple(recipe.get("conv_kernel_sizes", LESSON_CONV_KERNEL_SIZES)),
        output_activation=recipe.get("output_activation", "sigmoid"))


def _design(recipe):
    # The learning-rate schedule spans the run, so the builder takes the recipe's schedule.
    return design_builder(epochs=recipe["epochs"], batch_size=recipe["batch_size"],
                          subset=recipe.get("subset"))


#: Each network's name (``model.name``) -> (its builder for a recipe, the settings a
#: recipe may give it besides the schedule).
NETWORKS = {
    "lesson_cnn": (_lesson, ("conv_kernel_sizes", "output_activation")),
    "design_cnn": (_design, ()),
    **{design_step_name(step): (lambda recipe, step=step: functools.partial(
        build_design_step, step), ()) for step in DESIGN_STEPS},
}


def training_recipe(name, *, epochs, batch_size, subset, seed, **settings) -> dict:
    """The recipe of training the network ``name`` with a schedule: what the cache keys.

    Parameters
    ----------
    name : str
        The network's name (``model.name``); a network this table lacks (a reader's own)
        gets a recipe too, but no import can rebuild it.
    epochs, batch_size, subset, seed
        The schedule.
    **settings
        The network's settings, for a network of the table only those it takes
        (the lesson's network: ``conv_kernel_sizes`` as a list, ``output_activation``).

    Raises
    ------
    ValueError
        For a setting the network does not take.

    Examples
    --------
    >>> training_recipe("design_step_b", epochs=2, batch_size=32, subset=None, seed=0)
    {'model': 'design_step_b', 'epochs': 2, 'batch_size': 32, 'subset': None, 'seed': 0}
    """
    takes = NETWORKS[name][1] if name in NETWORKS else tuple(settings)
    unknown = sorted(set(settings) - set(takes))
    if unknown:
        raise ValueError(f"the network {name!r} takes no setting {', '.join(unknown)}")
    return {"model": name, **settings, "epochs": epochs, "batch_size": batch_size,
            "subset": subset, "seed": seed}


def builder_for_recipe(recipe: dict):
    """The builder of the network a training recipe names, as the package trained it.

    Parameters
    ----------
    recipe : dict
        A recipe as :func:`training_recipe` writes it: ``model`` (the network's name),
        the schedule, and the network's settings.

    Returns
    -------
    callable
        ``build(seed=0, compile=True)`` returning a compiled Keras model.

    Raises
    ------
    ValueError
        For a recipe that names no network the package builds, or settings it cannot
        build with.

    Examples
    --------
    >>> build = builder_for_recipe({"model": "design_step_c", "epochs": 2})
    >>> build(compile=False).count_params()
    66218
    >>> builder_for_recipe({"model": 7})
    Traceback (most recent call last):
    ValueError: the recipe names a network cnnlesson does not build: 7
    """
    name = recipe.get("model") if isinstance(recipe, dict) else None
    if not isinstance(name, str) or name not in NETWORKS:
        raise ValueError(f"the recipe names a network cnnlesson does not build: {name!r}")
    try:
        return NETWORKS[name][0](recipe)
    except (KeyError, TypeError) as error:
        raise ValueError(f"the recipe of {name} cannot be built: {error!r}") from None
