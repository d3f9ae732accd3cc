"""Figures for the lesson: images, feature maps, kernels, training curves and results.

Every function takes NumPy arrays, dicts or lists (never a Keras object) and returns a
:class:`matplotlib.figure.Figure` opened through :mod:`matplotlib.pyplot`, so notebooks
show it and sphinx-gallery collects it; close it with ``plt.close(fig)`` in long loops.
Colour maps are colour-blind safe: viridis/cividis for
magnitudes, RdBu_r centred on zero for signed weights, Okabe-Ito colours for lines and
bars. Each figure carries a one-sentence description, read with :func:`describe`, for
use as alt text (the site's gallery scraper reads it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import CenteredNorm
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

__all__ = ["describe", "plot_image", "plot_feature_maps", "plot_kernels", "plot_training_curves",
           "plot_confusion_matrix", "plot_per_class_accuracy", "plot_variant_comparison"]

#: Okabe & Ito (2008): told apart under the common colour-vision deficiencies.
OKABE_ITO = {"blue": "#0072B2", "vermillion": "#D55E00", "sky": "#56B4E9", "black": "#000000"}
SEQUENTIAL_CMAP, MATRIX_CMAP, DIVERGING_CMAP = "viridis", "cividis", "RdBu_r"


def describe(fig: Figure) -> str:
    """Return the alt text that this module stores on a figure as ``fig.cnnlesson_alt_text``.

    Examples
    --------
    >>> describe(plot_image(np.zeros((32, 32, 3), dtype=np.uint8), label="horse"))
    'A 32x32 colour image, labelled horse.'
    """
    text = getattr(fig, "cnnlesson_alt_text", None)
    if not text:
        raise ValueError("this figure has no alt text; was it made by cnnlesson.plotting?")
    return text


def _figure(figsize, title, alt):
    # Made through pyplot so that Jupyter shows it and sphinx-gallery's scraper collects it.
    fig = plt.figure(figsize=figsize, layout="constrained")
    if title:
        fig.suptitle(title, fontsize="large", fontweight="bold")
    fig.cnnlesson_alt_text = alt
    return fig


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
    fig = _figure((3.2, 3.4), title, "")
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
    fig = _figure((1.15 * (columns + side) + 0.9 * (scale == "grid"), 1.2 * rows + 0.6),
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
        fig = _figure((1.1 * columns, 1.2 * rows + 0.6), title, alt)
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
    fig = _figure((min(12.0, 1.8 + 0.075 * mw), min(12.0, 1.4 + 0.075 * mh)), title, alt)
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


def plot_training_curves(history, *, title=None, val_label="test") -> Figure:
    """Plot loss and accuracy per epoch, for training and (if given) validation data.

    Parameters
    ----------
    history : dict of lists
        One value per epoch under ``loss`` and ``accuracy`` (or
        ``sparse_categorical_accuracy``), optionally ``val_loss`` and ``val_accuracy``
        (or ``val_sparse_categorical_accuracy``). A Keras ``History``'s ``.history``
        is used if one is passed.
    title : str, optional
        Figure title.
    val_label : str
        Legend name of the validation curves; the lesson validates on the test set.

    Examples
    --------
    >>> h = {"loss": [1.5, 1.1, 0.9], "accuracy": [0.45, 0.6, 0.68],
    ...      "val_loss": [1.2, 1.0, 0.95], "val_accuracy": [0.57, 0.64, 0.67]}
    >>> fig = plot_training_curves(h)
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['loss (cross-entropy)', 'accuracy']
    >>> describe(fig)
    'Loss and accuracy over 3 epochs; final accuracy 68.0% on training data, 67.0% on test data.'
    """
    history = getattr(history, "history", history)

    def key(*names):
        return next((name for name in names if name in history), None)

    acc = key("accuracy", "sparse_categorical_accuracy")
    if "loss" not in history or acc is None:
        raise ValueError(f"history needs 'loss' and 'accuracy' lists, got keys {sorted(history)}")
    series = {"train": ("loss", acc)}
    val_acc = key("val_accuracy", "val_sparse_categorical_accuracy")
    if "val_loss" in history and val_acc:
        series[val_label] = ("val_loss", val_acc)
    epochs = np.arange(1, len(history["loss"]) + 1)
    for name in (name for keys in series.values() for name in keys):
        if len(history[name]) != len(epochs):
            raise ValueError(f"history[{name!r}] has {len(history[name])} values, "
                             f"expected {len(epochs)} (one per epoch, like 'loss')")
    final = " ".join(f"{history[a][-1]:.1%} on {'training' if s == 'train' else s} data,"
                     for s, (_, a) in series.items())
    alt = f"Loss and accuracy over {len(epochs)} epochs; final accuracy {final[:-1]}."
    fig = _figure((9.0, 3.6), title or "Training curves", alt)
    ax_loss, ax_acc = fig.subplots(1, 2)
    styles = [dict(color=OKABE_ITO["blue"], marker="o"),
              dict(color=OKABE_ITO["vermillion"], marker="s", linestyle="--")]
    for (name, (loss_key, acc_key)), style in zip(series.items(), styles, strict=False):
        ax_loss.plot(epochs, history[loss_key], label=name, markersize=3, **style)
        ax_acc.plot(epochs, history[acc_key], label=name, markersize=3, **style)
    ax_acc.set_ylim(0, 1)
    ax_acc.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    for ax, name, ylabel in ((ax_loss, "Loss", "loss (cross-entropy)"),
                             (ax_acc, "Accuracy", "accuracy")):
        ax.set(title=name, xlabel="epoch", ylabel=ylabel)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
    return fig


def _labels(y_true, y_pred, class_names):
    y_true, y_pred = np.asarray(y_true).reshape(-1), np.asarray(y_pred)
    y_pred = y_pred.argmax(axis=-1) if y_pred.ndim == 2 and y_pred.shape[1] > 1 else y_pred
    y_pred, k = y_pred.reshape(-1), len(class_names)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has {y_true.size} labels but y_pred has {y_pred.size}")
    if y_true.size == 0 or min(y_true.min(), y_pred.min()) < 0 or max(y_true.max(),
                                                                      y_pred.max()) >= k:
        raise ValueError(f"labels must be integers in 0..{k - 1}, one per class name")
    return y_true.astype(int), y_pred.astype(int), k


def plot_confusion_matrix(y_true, y_pred, class_names, *, title=None, normalize=True) -> Figure:
    """Heat map of how often images of each true class are predicted as each class.

    Parameters
    ----------
    y_true : array_like of int
        True labels, shape (n,) or (n, 1) as CIFAR-10 stores them.
    y_pred : array_like
        Predicted labels (n,), or scores (n, classes) whose arg-max is taken.
    class_names : sequence of str
        One name per label, e.g. ``cnnlesson.data.CIFAR10_CLASSES``.
    title : str, optional
        Figure title.
    normalize : bool
        Divide each row by its total: row "cat" reads "of the cats, the fraction
        predicted as each class", and the diagonal is each class's accuracy (recall).
        ``False`` shows counts of images.

    Examples
    --------
    >>> fig = plot_confusion_matrix([0, 0, 1, 2], [0, 1, 1, 2], ["cat", "dog", "frog"])
    >>> fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()
    ('predicted class', 'true class')
    >>> describe(fig)
    'Confusion matrix of 3 classes over 4 images, 75.0% correct; ... cat predicted as dog (50%).'
    """
    y_true, y_pred, k = _labels(y_true, y_pred, class_names)
    counts = np.zeros((k, k), dtype=int)
    np.add.at(counts, (y_true, y_pred), 1)
    rates = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    off = np.where(np.eye(k, dtype=bool), -1.0, rates)
    t, p = np.unravel_index(off.argmax(), off.shape)
    alt = (f"Confusion matrix of {k} classes over {y_true.size} images, "
           f"{np.mean(y_true == y_pred):.1%} correct; the most common confusion is "
           f"{class_names[t]} predicted as {class_names[p]} ({rates[t, p]:.0%}).")
    fig = _figure((2.3 + 0.5 * k, 1.5 + 0.5 * k), title or "Confusion matrix", alt)
    ax = fig.add_subplot()
    shown = rates if normalize else counts
    im = ax.imshow(shown, cmap=MATRIX_CMAP, vmin=0, vmax=1 if normalize else counts.max())
    for (i, j), v in np.ndenumerate(shown):
        r, g, b, _ = im.cmap(im.norm(v))  # dark text on light cells, light on dark
        ax.text(j, i, f"{v:.2f}" if normalize else str(v), ha="center", va="center",
                fontsize="small" if k > 6 else "medium",
                color="black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white")
    ax.set_xticks(range(k), class_names, rotation=45, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(k), class_names)
    ax.set(xlabel="predicted class", ylabel="true class")
    fig.colorbar(im, ax=ax, shrink=0.8, label="fraction of true class" if normalize else "images")
    return fig


def plot_per_class_accuracy(y_true, y_pred, class_names, *, title=None) -> Figure:
    """Horizontal bars of the accuracy on each class, with the overall accuracy dashed.

    Parameters
    ----------
    y_true, y_pred, class_names
        As for :func:`plot_confusion_matrix`.
    title : str, optional
        Figure title.

    Examples
    --------
    >>> fig = plot_per_class_accuracy([0, 0, 1, 1], [0, 1, 1, 1], ["cat", "dog"])
    >>> describe(fig)
    'Accuracy per class for 2 classes: best dog (100.0%), worst cat (50.0%), overall 75.0%.'
    """
    y_true, y_pred, k = _labels(y_true, y_pred, class_names)
    acc = (np.bincount(y_true, weights=y_true == y_pred, minlength=k)
           / np.maximum(np.bincount(y_true, minlength=k), 1))
    overall, best, worst = np.mean(y_true == y_pred), int(acc.argmax()), int(acc.argmin())
    alt = (f"Accuracy per class for {k} classes: best {class_names[best]} ({acc[best]:.1%}), "
           f"worst {class_names[worst]} ({acc[worst]:.1%}), overall {overall:.1%}.")
    fig = _figure((6.4, 1.2 + 0.38 * k), title or "Accuracy per class", alt)
    ax = fig.add_subplot()
    ax.barh(range(k), acc, color=OKABE_ITO["blue"], zorder=2)
    for y, a in enumerate(acc):  # the value inside the bar's end, or just outside if short
        inside = a > 0.15
        ax.text(a - 0.01 if inside else a + 0.01, y, f"{a:.0%}", va="center", zorder=3,
                ha="right" if inside else "left", color="white" if inside else "black",
                fontsize="small", fontweight="bold")
    ax.axvline(overall, color=OKABE_ITO["vermillion"], linestyle="--", zorder=1,
               label=f"overall {overall:.1%}")
    ax.set_yticks(range(k), class_names)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set(xlabel="accuracy (share of that class's images classified correctly)",
           ylabel="true class")
    ax.legend(loc="lower right", fontsize="small", framealpha=1)
    return fig


def plot_variant_comparison(rows: Sequence[Mapping], metric="test_accuracy", *, title=None,
                            annotate=None, annotate_format="{:.0f} s", xlabel="variant",
                            ylabel=None, percent=None) -> Figure:
    """Bar chart comparing model variants on one metric, e.g. test accuracy by filter size.

    Parameters
    ----------
    rows : sequence of dict
        One dict per variant, in drawing order, with a ``"name"`` (the bar's label) and
        the ``metric``: a number, or a list from repeated runs (then the bar is their
        mean, an error bar spans min to max, and each run is a dot).
    metric : str
        The key to plot.
    title : str, optional
        Figure title; the default names the metric.
    annotate : str, optional
        Another key, written above each bar with ``annotate_format`` (lists are
        averaged): ``annotate="train_seconds"`` writes e.g. "41 s".
    xlabel, ylabel : str, optional
        Axis labels; ``ylabel`` defaults to the metric's name.
    percent : bool, optional
        Show values as percentages of 1; default: when the metric's name has "accuracy".

    Examples
    --------
    >>> rows = [{"name": "1x1", "test_accuracy": 0.52, "train_seconds": 30},
    ...         {"name": "3x3", "test_accuracy": [0.69, 0.71], "train_seconds": 41}]
    >>> describe(plot_variant_comparison(rows, annotate="train_seconds"))
    'Bar chart of test accuracy for 2 variants: 1x1 52.0%, 3x3 70.0%.'
    """
    missing = [i for i, row in enumerate(rows) if "name" not in row or metric not in row]
    if not rows or missing:
        raise ValueError(f"every row needs 'name' and {metric!r}; rows {missing} lack one"
                         if rows else "rows is empty")
    runs = [np.atleast_1d(np.asarray(row[metric], dtype=float)) for row in rows]
    means = np.array([r.mean() for r in runs])
    names = [str(row["name"]) for row in rows]
    percent = "accuracy" in metric if percent is None else percent
    fmt, label = ("{:.1%}" if percent else "{:.3g}"), ylabel or metric.replace("_", " ")
    alt = (f"Bar chart of {label} for {len(rows)} variants: "
           + ", ".join(f"{n} {fmt.format(m)}" for n, m in zip(names, means, strict=True)) + ".")
    fig = _figure((1.6 + 1.1 * len(rows), 3.8), title or f"{label.capitalize()} by variant", alt)
    ax = fig.add_subplot()
    x = np.arange(len(rows))
    err = np.array([[m - r.min(), r.max() - m] for m, r in zip(means, runs, strict=True)]).T
    bars = ax.bar(x, means, color=OKABE_ITO["sky"], edgecolor=OKABE_ITO["blue"], capsize=4,
                  yerr=err if any(r.size > 1 for r in runs) else None)
    for xi, r in zip(x, runs, strict=True):
        if r.size > 1:
            ax.plot(np.full(r.size, xi), r, "o", color=OKABE_ITO["black"], markersize=3)
    texts = [fmt.format(m) + (f"\n{annotate_format.format(float(np.mean(row[annotate])))}"
                              if annotate and annotate in row else "")
             for m, row in zip(means, rows, strict=True)]
    ax.bar_label(bars, texts, padding=3, fontsize="small")
    top = max(float(r.max()) for r in runs)
    ax.set_ylim(0, max(top * 1.25, 1.0 if percent else 0.0) or 1.0)
    if percent:
        ax.set_yticks(np.linspace(0, 1, 6))
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_xticks(x, names)
    ax.set(xlabel=xlabel, ylabel=label)
    ax.grid(axis="y", alpha=0.3)
    return fig
