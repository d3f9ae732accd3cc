"""Figures of pixels: an image, one layer's feature maps, a convolution kernel."""

from __future__ import annotations

import math

import matplotlib
import numpy as np
from matplotlib.colors import CenteredNorm
from matplotlib.figure import Figure

from cnnlesson.plotting._base import (
    DIVERGING_CMAP,
    SEQUENTIAL_CMAP,
    describe,  # noqa: F401  (the examples call it)
    titled_figure,
)


def _show_image(ax, image):
    """Draw an (H, W, 3) or (H, W) image, uint8 or floats in [0, 1], pixel by pixel."""
    img = np.asarray(image)
    img = img[..., 0] if img.ndim == 3 and img.shape[-1] == 1 else img
    if not (img.ndim == 2 or (img.ndim == 3 and img.shape[-1] == 3)):
        raise ValueError(f"expected an image (height, width[, 3]), got shape {img.shape}")
    img = img / 255.0 if img.dtype == np.uint8 else np.clip(img.astype(float), 0.0, 1.0)
    ax.imshow(img, cmap="gray" if img.ndim == 2 else None, vmin=0, vmax=1,
              interpolation="nearest")
    ax.set_axis_off()
    return img


def plot_image(image, *, title=None, label=None) -> Figure:
    """Show one image at its own pixels, without smoothing.

    Parameters
    ----------
    image : array_like
        ``(H, W, 3)`` colour or ``(H, W)`` grey; floats in [0, 1] or uint8.
    title : str, optional
        Figure title.
    label : str, optional
        The class name, written above the image.

    Examples
    --------
    >>> fig = plot_image(np.random.default_rng(0).random((32, 32, 3)), title="X_train[7]")
    >>> len(fig.axes)
    1
    """
    fig = titled_figure((3.2, 3.4), title, "")
    img = _show_image(fig.add_subplot(), image)
    if label:
        fig.axes[0].set_title(label)
    kind = "colour" if img.ndim == 3 else "grey-scale"
    fig.cnnlesson_alt_text = (f"A {img.shape[0]}x{img.shape[1]} {kind} image"
                              + (f", labelled {label}." if label else "."))
    return fig


def _panels(fig, gs, n, columns, col0=0):
    """n small axes, numbered 0..n-1, filling ``gs`` row by row from column ``col0``."""
    axes = [fig.add_subplot(gs[i // columns, col0 + i % columns]) for i in range(n)]
    for i, ax in enumerate(axes):
        ax.set_axis_off()
        ax.set_title(str(i), fontsize="small", pad=2)
    return axes


def plot_feature_maps(maps, *, columns=8, title=None, image=None, scale="grid") -> Figure:
    """Draw every channel of one layer's output for one image, as a grid of small maps.

    Parameters
    ----------
    maps : array_like, shape (height, width, channels)
        One layer's output for one image (take ``outputs[0]`` to drop the batch axis).
    columns : int
        Maps per row: 32 maps give 4 rows of 8.
    title : str, optional
        Figure title; the default gives the number and size of the maps.
    image : array_like, optional
        The input image, drawn first, on the left, labelled "input".
    scale : {"grid", "map"}
        ``"grid"`` (default): one colour scale for all maps, shown by a colour bar, so a
        weak response looks dark beside a strong one and maps can be compared.
        ``"map"``: each map stretched to its own range, which shows the pattern inside a
        weak map but hides its strength (no colour bar then).

    Examples
    --------
    >>> maps = np.random.default_rng(0).random((32, 32, 32))
    >>> fig = plot_feature_maps(maps, image=np.zeros((32, 32, 3)))
    >>> len(fig.axes)  # 32 maps, the input and the colour bar
    34
    >>> describe(fig)
    'Grid of 32 feature maps, each 32x32, in 4 rows of 8, ... next to the input image.'
    """
    maps = np.asarray(maps, dtype=float)
    if maps.ndim != 3 or 0 in maps.shape:
        hint = "; drop the batch axis with maps[0]" if maps.ndim == 4 else ""
        raise ValueError(f"expected maps of shape (height, width, channels), got {maps.shape}"
                         + hint)
    if scale not in ("grid", "map"):
        raise ValueError(f"scale must be 'grid' or 'map', got {scale!r}")
    h, w, n = maps.shape
    columns = max(1, min(columns, n))
    rows = math.ceil(n / columns)
    side = min(rows, 2) if image is not None else 0  # the input spans side x side panels
    alt = (f"Grid of {n} feature maps, each {h}x{w}, in {rows} rows of {columns}, bright where "
           f"the filter responds strongly ({'one shared' if scale == 'grid' else 'a per-map'} "
           "colour scale)" + (", next to the input image." if side else "."))
    fig = titled_figure((1.15 * (columns + side) + 0.9 * (scale == "grid"), 1.2 * rows + 0.6),
                  title or f"{n} feature maps, {h}x{w} each", alt)
    gs = fig.add_gridspec(rows, columns + side)
    if side:
        top = (rows - side) // 2
        _show_image(fig.add_subplot(gs[top:top + side, :side]), image)
        fig.axes[0].set_title("input", fontweight="bold")
    axes = _panels(fig, gs, n, columns, col0=side)
    for i, ax in enumerate(axes):
        lo, hi = (maps.min(), maps.max()) if scale == "grid" else (maps[..., i].min(),
                                                                    maps[..., i].max())
        im = ax.imshow(maps[..., i], cmap=SEQUENTIAL_CMAP, vmin=lo, vmax=max(hi, lo + 1e-9),
                       interpolation="nearest")
    if scale == "grid":
        fig.colorbar(im, ax=axes, shrink=0.8, label="activation")
    return fig


def plot_kernels(kernel, *, title=None, per_channel=None, columns=8) -> Figure:
    """Draw a Conv2D kernel of shape (kh, kw, c_in, n): what each of the n filters looks for.

    Parameters
    ----------
    kernel : array_like, shape (kh, kw, c_in, n)
        The layer's weights, e.g. ``model.layers[0].kernel.numpy()``.
    title : str, optional
        Figure title; the default gives the kernel's shape.
    per_channel : bool, optional
        ``False``: each filter as one RGB image in a grid (needs ``c_in == 3``),
        stretched to [0, 1] over its own minimum and maximum: sign and size are lost,
        the colour and orientation it prefers are seen. ``True``: a mosaic whose column
        n is filter n and whose row c is the slice ``kernel[:, :, c, n]`` applied to
        input channel c (a column's slices are summed to make feature map n), red for
        positive and blue for negative weights, centred on zero, with a colour bar.
        Default: ``False`` when ``c_in == 3``, else ``True``.
    columns : int
        Filters per row in the RGB grid.

    Examples
    --------
    >>> k = np.random.default_rng(0).normal(size=(3, 3, 3, 32))
    >>> len(plot_kernels(k).axes)
    32
    >>> fig = plot_kernels(k, per_channel=True)
    >>> len(fig.axes), describe(fig)
    (2, 'Mosaic of 32 filters of size 3x3 (columns) by 3 input channels (rows), ...')
    """
    k = np.asarray(kernel, dtype=float)
    if k.ndim != 4:
        raise ValueError(f"expected a kernel (height, width, in_channels, filters), got {k.shape}")
    kh, kw, c_in, n = k.shape
    per_channel = c_in != 3 if per_channel is None else per_channel
    title = title or f"Convolution kernel {kh}x{kw}x{c_in}x{n}"
    if not per_channel:
        if c_in != 3:
            raise ValueError(f"the RGB view needs 3 input channels, got {c_in}")
        columns = max(1, min(columns, n))
        rows = math.ceil(n / columns)
        alt = (f"{n} filters of size {kh}x{kw} drawn as colour images in {rows} rows of "
               f"{columns}, each stretched to its own range.")
        fig = titled_figure((1.1 * columns, 1.2 * rows + 0.6), title, alt)
        for i, ax in enumerate(_panels(fig, fig.add_gridspec(rows, columns), n, columns)):
            f = k[..., i] - k[..., i].min()
            ax.imshow(f / f.max() if f.max() > 0 else f + 0.5, interpolation="nearest")
        return fig
    # One image: kh x kw cells separated by one-pixel NaN gaps, drawn in grey.
    mosaic = np.full((c_in * (kh + 1) - 1, n * (kw + 1) - 1), np.nan)
    for c in range(c_in):
        for j in range(n):
            mosaic[c * (kh + 1):c * (kh + 1) + kh, j * (kw + 1):j * (kw + 1) + kw] = k[:, :, c, j]
    alt = (f"Mosaic of {n} filters of size {kh}x{kw} (columns) by {c_in} input channels (rows), "
           "red for positive and blue for negative weights.")
    mh, mw = mosaic.shape
    fig = titled_figure((min(12.0, 1.8 + 0.075 * mw), min(12.0, 1.4 + 0.075 * mh)), title, alt)
    ax = fig.add_subplot()
    im = ax.imshow(mosaic, cmap=matplotlib.colormaps[DIVERGING_CMAP].with_extremes(bad="0.6"),
                   norm=CenteredNorm(0.0, np.abs(k).max() or 1.0), interpolation="nearest")
    sx, sy = math.ceil(n / 32), math.ceil(c_in / 16)  # at most 32 and 16 tick labels
    ax.set_xticks(np.arange(0, n, sx) * (kw + 1) + (kw - 1) / 2, np.arange(0, n, sx))
    ax.set_yticks(np.arange(0, c_in, sy) * (kh + 1) + (kh - 1) / 2,
                  ["R", "G", "B"] if c_in == 3 else np.arange(0, c_in, sy))
    ax.tick_params(length=0, labelsize="small")
    ax.set(xlabel="filter (output feature map)", ylabel="input channel")
    fig.colorbar(im, ax=ax, shrink=0.9, label="weight")
    return fig
