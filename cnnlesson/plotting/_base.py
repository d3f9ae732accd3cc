"""What every figure of :mod:`cnnlesson.plotting` shares: colours, how it is made, alt text."""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

#: Okabe & Ito (2008): told apart under the common colour-vision deficiencies.
OKABE_ITO = {"blue": "#0072B2", "vermillion": "#D55E00", "sky": "#56B4E9", "black": "#000000"}
SEQUENTIAL_CMAP, MATRIX_CMAP, DIVERGING_CMAP = "viridis", "cividis", "RdBu_r"


def describe(fig: Figure) -> str:
    """Return the alt text that this module stores on a figure as ``fig.cnnlesson_alt_text``.

    Examples
    --------
    >>> import numpy as np
    >>> from cnnlesson.plotting import plot_image
    >>> describe(plot_image(np.zeros((32, 32, 3), dtype=np.uint8), label="horse"))
    'A 32x32 colour image, labelled horse.'
    """
    text = getattr(fig, "cnnlesson_alt_text", None)
    if not text:
        raise ValueError("this figure has no alt text; was it made by cnnlesson.plotting?")
    return text


def set_alt_text(fig: Figure, text: str) -> None:
    """Give ``fig`` the alt text that the site shows for it, in place of its own.

    Use it for a figure drawn by hand, or to say what a figure shows on one page.
    Returns nothing, so a notebook cell or gallery block does not print the figure.

    Raises
    ------
    ValueError
        When ``text`` is empty.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig = plt.figure()
    >>> set_alt_text(fig, "An empty   figure.")
    >>> describe(fig)
    'An empty figure.'
    """
    if not text or not text.strip():
        raise ValueError("alt text must say what the figure shows; got an empty string")
    fig.cnnlesson_alt_text = " ".join(text.split())


def titled_figure(figsize, title, alt):
    # Made through pyplot so that Jupyter shows it and sphinx-gallery's scraper collects it.
    fig = plt.figure(figsize=figsize, layout="constrained")
    if title:
        fig.suptitle(title, fontsize="large", fontweight="bold")
    fig.cnnlesson_alt_text = alt
    return fig
