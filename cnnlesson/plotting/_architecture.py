"""A picture of a network: one block per layer, its output shape and its parameters."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch
from matplotlib.ticker import PercentFormatter

from cnnlesson.plotting._base import (
    describe,  # noqa: F401  (the docstring's example calls it)
    titled_figure,
)

# Okabe-Ito colours, one per kind of layer; text on them stays black and readable.
_KIND_COLOURS = {"Conv2D": "#56B4E9", "Conv3D": "#56B4E9", "Dense": "#E69F00",
                 "MaxPooling2D": "#009E73", "AveragePooling2D": "#009E73"}
_OTHER_COLOUR, _INPUT_COLOUR = "#D9D9D9", "#FFFFFF"


def _rows(layers):
    """(name, kind, shape text, parameters) for each row of a parameter table."""
    rows = []
    for number, row in enumerate(layers):
        try:
            name, kind, shape = row[0], row[1], row[2]
            params = getattr(row, "keras", None)
            params = row[3] if params is None else params
        except (TypeError, IndexError):
            raise ValueError(f"layer {number} must be a (name, kind, output_shape, parameters) "
                             f"row such as cnnlesson.analysis.parameter_table gives, got {row!r}"
                             ) from None
        dims = [int(d) for d in shape if d is not None]
        rows.append((str(name), str(kind), "×".join(f"{d:,}" for d in dims), int(params)))
    if not rows:
        raise ValueError("no layers to draw; pass cnnlesson.analysis.parameter_table(model)")
    return rows


def plot_architecture(layers, *, input_shape=None, title=None) -> Figure:
    """Draw a network as a column of blocks, one per layer, with each layer's share of weights.

    Each block names the layer and its type and gives its output shape (without the
    batch axis) and its parameter count; a bar beside it shows the layer's share of all
    the network's parameters, so that a layer holding most of them stands out.

    Parameters
    ----------
    layers : sequence
        One ``(name, kind, output_shape, parameters)`` row per layer, in order: exactly
        what :func:`cnnlesson.analysis.parameter_table` returns for a Keras model.
    input_shape : tuple of int, optional
        The input's shape, drawn as a first block without parameters.
    title : str, optional
        Figure title; the default gives the total parameter count.

    Examples
    --------
    >>> rows = [("conv2d", "Conv2D", (None, 32, 32, 32), 896),
    ...         ("flatten", "Flatten", (None, 32768), 0),
    ...         ("dense", "Dense", (None, 10), 327_690)]
    >>> fig = plot_architecture(rows, input_shape=(32, 32, 3))
    >>> len(fig.axes)
    2
    >>> describe(fig)
    'Diagram of a network of 3 layers, from the input (32×32×3) down: conv2d ... 99.7% of them.'
    """
    rows = _rows(layers)
    total = sum(params for *_, params in rows)
    shares = np.array([params / total if total else 0.0 for *_, params in rows])
    blocks = ([("input", "Input", "×".join(map(str, input_shape)), None)] if input_shape
              else []) + rows
    n = len(blocks)
    heaviest = int(shares.argmax())
    name, kind, _, params = rows[heaviest]
    alt = (f"Diagram of a network of {len(rows)} layers, from the input"
           + (f" ({blocks[0][2]})" if input_shape else "") + " down: "
           + "; ".join(f"{b[0]} ({b[1]}, output {b[2]}, {b[3]:,} parameters)"
                       for b in blocks[1 if input_shape else 0:])
           + f". A bar beside each block shows its share of the {total:,} parameters: "
           f"{name} ({kind}) holds {shares[heaviest]:.1%} of them.")
    # Narrow, with large text: on a phone the figure is shown about 350 pixels wide.
    fig = titled_figure((4.4, 0.62 * n + 1.2), title or f"The network: {total:,} parameters", alt)
    fig.get_layout_engine().set(wspace=0.0)
    ax_blocks, ax_share = fig.subplots(1, 2, width_ratios=[2.5, 1], sharey=True)
    ax_blocks.set_xlim(0, 1)
    ax_blocks.set_ylim(n - 0.5, -0.5)
    ax_blocks.set_axis_off()
    for y, (name, kind, shape, params) in enumerate(blocks):
        colour = _INPUT_COLOUR if params is None else _KIND_COLOURS.get(kind, _OTHER_COLOUR)
        ax_blocks.add_patch(FancyBboxPatch((0.02, y - 0.36), 0.96, 0.72, facecolor=colour,
                                           edgecolor="black", linewidth=0.8,
                                           boxstyle="round,pad=0,rounding_size=0.08"))
        detail = shape + ("" if params is None else f" · {params:,} params")
        ax_blocks.text(0.05, y - 0.14, name if params is None else f"{name} · {kind}",
                       va="center", fontsize=10, fontweight="bold", color="black")
        ax_blocks.text(0.05, y + 0.17, detail, va="center", fontsize=10, color="black")
        if y:
            ax_blocks.annotate("", (0.5, y - 0.37), (0.5, y - 0.63),
                               arrowprops=dict(arrowstyle="-|>", color="0.3", lw=1))
    offset = n - len(rows)
    ys = np.arange(offset, n)
    colours = [_KIND_COLOURS.get(kind, _OTHER_COLOUR) for _, kind, _, _ in rows]
    ax_share.barh(ys, shares, height=0.6, color=colours, edgecolor="black", linewidth=0.6)
    for y, share, (*_, params) in zip(ys, shares, rows, strict=True):
        text = "none" if params == 0 else (f"{share:.1%}" if share >= 0.001 else f"{share:.2%}")
        inside = share > 0.6
        ax_share.text(share - 0.03 if inside else share + 0.03, y, text, va="center",
                      ha="right" if inside else "left", fontsize=10, color="black")
    ax_share.set_xlim(0, 1)
    ax_share.xaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax_share.set_xticks([0, 0.5, 1])
    ax_share.set_xlabel("share of parameters")
    ax_share.tick_params(left=False, labelleft=False)
    for side in ("top", "right", "left"):
        ax_share.spines[side].set_visible(False)
    ax_share.grid(axis="x", alpha=0.3)
    return fig

