"""Figures of the design page: where a network's cost sits, and accuracy against time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from cnnlesson.plotting._base import OKABE_ITO, titled_figure

_LINE_STYLES = [(OKABE_ITO["blue"], "o", "-"), (OKABE_ITO["vermillion"], "s", "--"),
                (OKABE_ITO["sky"], "^", ":"), (OKABE_ITO["black"], "D", "-.")]


def plot_layer_costs(names: Sequence[str], parameters: Sequence[int],
                     flops: Sequence[int], *, title=None) -> Figure:
    """Each layer's share of the parameters and of the forward FLOPs, as paired bars.

    Parameters
    ----------
    names : sequence of str
        Layer names, top to bottom.
    parameters, flops : sequence of int
        Per layer; layers with neither are best left out by the caller.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from cnnlesson.plotting import describe
    >>> fig = plot_layer_costs(["conv", "dense"], [10, 990], [900, 100])
    >>> print(describe(fig))  # doctest: +NORMALIZE_WHITESPACE
    Paired horizontal bars for 2 layers: dense holds 99.0% of the parameters,
    conv 90.0% of the forward FLOPs.
    """
    names, parameters, flops = list(names), np.asarray(parameters, float), np.asarray(flops, float)
    if not (len(names) == len(parameters) == len(flops)) or not names:
        raise ValueError("names, parameters and flops need one entry per layer, at least one")
    if parameters.sum() <= 0 or flops.sum() <= 0:
        raise ValueError("parameters and flops must each have a positive total")
    shares = {"parameters": 100 * parameters / parameters.sum(),
              "forward FLOPs": 100 * flops / flops.sum()}
    top_params, top_flops = names[int(parameters.argmax())], names[int(flops.argmax())]
    alt = (f"Paired horizontal bars for {len(names)} layers: {top_params} holds "
           f"{shares['parameters'].max():.1f}% of the parameters, {top_flops} "
           f"{shares['forward FLOPs'].max():.1f}% of the forward FLOPs.")
    fig = titled_figure((6.4, 0.55 * len(names) + 1.6), title, alt)
    ax = fig.add_subplot()
    rows = np.arange(len(names))
    height = 0.38
    for offset, (label, share), colour, hatch in zip(
            (-height / 2, height / 2), shares.items(),
            (OKABE_ITO["blue"], OKABE_ITO["vermillion"]), ("", "//"), strict=True):
        bars = ax.barh(rows + offset, share, height, label=label, color=colour, hatch=hatch,
                       edgecolor="white")
        ax.bar_label(bars, labels=[f"{v:.1f}%" for v in share], padding=3, fontsize="small")
    ax.set_yticks(rows, names)
    ax.invert_yaxis()
    ax.set_xlim(0, 118)
    ax.set_xlabel("share of the network's total (%)")
    ax.set_ylabel("layer")
    ax.legend(loc="lower right", fontsize="small")
    return fig


def plot_accuracy_against_time(curves: Mapping[str, Mapping[str, Sequence[float]]], *,
                               goal=None, title=None) -> Figure:
    """Test accuracy after each epoch against the training time spent so far.

    Parameters
    ----------
    curves : mapping of str to history
        For each network's label, a training history with ``epoch_seconds`` and
        ``val_accuracy`` per epoch (as :class:`cnnlesson.TrainingResult` keeps it).
    goal : float, optional
        An accuracy to mark with a dotted horizontal line.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from cnnlesson.plotting import describe
    >>> fig = plot_accuracy_against_time(
    ...     {"a": {"epoch_seconds": [60, 60], "val_accuracy": [0.5, 0.6]}}, goal=0.8)
    >>> print(describe(fig))  # doctest: +NORMALIZE_WHITESPACE
    Test accuracy against minutes of training for 1 network: a reaches 60.0% after
    2.0 min. A dotted line marks 80%.
    """
    if not curves:
        raise ValueError("curves needs at least one network's history")
    if len(curves) > len(_LINE_STYLES):
        raise ValueError(f"at most {len(_LINE_STYLES)} curves, got {len(curves)}")
    finals = []
    for label, history in curves.items():
        if len(history["epoch_seconds"]) != len(history["val_accuracy"]) or not \
                history["val_accuracy"]:
            raise ValueError(f"{label!r}: epoch_seconds and val_accuracy need one entry "
                             "per epoch")
        finals.append(f"{label} reaches {history['val_accuracy'][-1]:.1%} after "
                      f"{sum(history['epoch_seconds']) / 60:.1f} min")
    alt = (f"Test accuracy against minutes of training for {len(curves)} "
           f"network{'s' if len(curves) > 1 else ''}: " + "; ".join(finals) + ".")
    if goal is not None:
        alt += f" A dotted line marks {goal:.0%}."
    fig = titled_figure((6.4, 4.2), title, alt)
    ax = fig.add_subplot()
    styles = _LINE_STYLES[:len(curves)]
    for (label, history), (colour, marker, style) in zip(curves.items(), styles, strict=True):
        minutes = np.cumsum(history["epoch_seconds"]) / 60
        accuracy = 100 * np.asarray(history["val_accuracy"], float)
        ax.plot(minutes, accuracy, color=colour, marker=marker, linestyle=style, label=label,
                markersize=4)
    if goal is not None:
        ax.axhline(100 * goal, color=OKABE_ITO["black"], linestyle=":", linewidth=1,
                   label=f"goal, {goal:.0%}")
    ax.set_xlabel("training time (minutes, cumulative, this build's machine)")
    ax.set_ylabel("test accuracy after the epoch (%)")
    ax.set_xlim(left=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", fontsize="small")
    return fig
