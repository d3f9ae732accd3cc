"""Figures for the lesson: images, feature maps, kernels, training curves and results.

Every function takes NumPy arrays, dicts or lists (never a Keras object) and returns a
:class:`matplotlib.figure.Figure` opened through :mod:`matplotlib.pyplot`, so notebooks
show it and sphinx-gallery collects it; close it with ``plt.close(fig)`` in long loops.
Colour maps are colour-blind safe: viridis/cividis for
magnitudes, RdBu_r centred on zero for signed weights, Okabe-Ito colours for lines and
bars. Each figure carries a one-sentence description, read with :func:`describe`, for
use as alt text (the site's gallery scraper reads it); :func:`set_alt_text` gives any
figure, also one drawn by hand, a description of its own.

Every public name lives here, in ``cnnlesson.plotting``; the private modules behind it
hold one idea each: pixels (:func:`plot_image`, :func:`plot_feature_maps`,
:func:`plot_kernels`), training and evaluation (:func:`plot_training_curves`,
:func:`plot_confusion_matrix`, :func:`plot_per_class_accuracy`,
:func:`plot_variant_comparison`), and the colours, the figure factory and :func:`describe`
shared by both, a network's layers (:func:`plot_architecture`) and its costs and
accuracy over time (:func:`plot_layer_costs`, :func:`plot_accuracy_against_time`).
"""

from __future__ import annotations

from cnnlesson.plotting._base import (
    DIVERGING_CMAP,  # noqa: F401  (colours, public as before but not in __all__)
    MATRIX_CMAP,  # noqa: F401
    OKABE_ITO,  # noqa: F401
    SEQUENTIAL_CMAP,  # noqa: F401
    describe,
    set_alt_text,
)
from cnnlesson.plotting._images import plot_feature_maps, plot_image, plot_kernels
from cnnlesson.plotting._results import (
    plot_confusion_matrix,
    plot_per_class_accuracy,
    plot_training_curves,
    plot_variant_comparison,
)

__all__ = ["describe", "set_alt_text", "plot_image", "plot_feature_maps", "plot_kernels",
           "plot_training_curves", "plot_confusion_matrix", "plot_per_class_accuracy",
           "plot_variant_comparison"]

# A network drawn as one block per layer, and the design page's cost and time figures
# (private modules of their own, like the others).
from cnnlesson.plotting._architecture import plot_architecture  # noqa: E402
from cnnlesson.plotting._design import (  # noqa: E402
    plot_accuracy_against_time,
    plot_layer_costs,
)

__all__ += ["plot_architecture", "plot_layer_costs", "plot_accuracy_against_time"]
