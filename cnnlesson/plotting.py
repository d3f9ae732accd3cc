"""Figures for the lesson: images, feature maps, kernels, training curves and results.

Every function takes plain NumPy arrays, dicts or lists (never a Keras object) and
returns a :class:`matplotlib.figure.Figure` built with the object API, so no figure is
left open in :mod:`matplotlib.pyplot`'s registry.  Colour maps are colour-blind safe:
``viridis``/``cividis`` for magnitudes, ``RdBu_r`` centred on zero for signed weights,
and the Okabe-Ito palette for lines and bars.  Each figure carries a one-sentence
description of what it shows, read back with :func:`describe`, for use as alt text.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib
import numpy as np
from matplotlib.colors import CenteredNorm
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

__all__ = [
    "describe", "plot_image", "plot_feature_maps", "plot_kernels", "plot_training_curves",
    "plot_confusion_matrix", "plot_per_class_accuracy", "plot_variant_comparison",
]

#: Okabe & Ito (2008) colours, distinguishable under the common colour-vision deficiencies.
OKABE_ITO = {"blue": "#0072B2", "orange": "#E69F00", "vermillion": "#D55E00",
             "green": "#009E73", "sky": "#56B4E9", "purple": "#CC79A7", "black": "#000000"}
SEQUENTIAL_CMAP = "viridis"
MATRIX_CMAP = "cividis"
DIVERGING_CMAP = "RdBu_r"


def describe(fig: Figure) -> str:
    """Return the one-sentence alt text stored on a figure made by this module.

    The text is kept in the plain attribute ``fig.cnnlesson_alt_text``.

    Examples
    --------
    >>> fig = plot_image(np.zeros((32, 32, 3)), label="horse")
    >>> describe(fig)
    'A 32x32 colour image, labelled horse.'
    """
    text = getattr(fig, "cnnlesson_alt_text", None)
    if not text:
        raise ValueError("this figure has no alt text; was it made by cnnlesson.plotting?")
    return text


def _figure(figsize, title, alt):
    fig = Figure(figsize=figsize, layout="constrained")
    if title:
        fig.suptitle(title, fontsize="large", fontweight="bold")
    fig.cnnlesson_alt_text = alt
    return fig


def _as_rgb(image):
    """Image as floats in [0, 1]; uint8 is divided by 255; (H, W, 1) becomes (H, W)."""
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[-1] == 3)):
        raise ValueError(f"expected an image (height, width[, 3]), got shape {image.shape}")
    if image.dtype == np.uint8:
        return image / 255.0
    return np.clip(image.astype(float), 0.0, 1.0)


def _show(ax, image, **kwargs):
    ax.imshow(image, interpolation="nearest", cmap="gray" if image.ndim == 2 else None,
              vmin=0, vmax=1, **kwargs)


def plot_image(image, *, title=None, label=None) -> Figure:
    """Show one image at its native pixels (no smoothing).

    Parameters
    ----------
    image : array_like
        ``(H, W, 3)`` colour or ``(H, W)`` grey; floats in [0, 1] or uint8 in [0, 255].
    title : str, optional
        Figure title.
    label : str, optional
        The class name, written above the image.

    Examples
    --------
    >>> fig = plot_image(np.random.default_rng(0).random((32, 32, 3)), title="Input")
    >>> len(fig.axes), fig.axes[0].get_title()
    (1, '')
    """
    img = _as_rgb(image)
    kind = "colour" if img.ndim == 3 else "grey-scale"
    alt = f"A {img.shape[0]}x{img.shape[1]} {kind} image" + (f", labelled {label}." if label
                                                               else ".")
    fig = _figure((3.2, 3.4), title, alt)
    ax = fig.add_subplot()
    _show(ax, img)
    ax.set_axis_off()
    if label:
        ax.set_title(label)
    return fig


def _grid(fig, gs, n, rows, columns, col0=0):
    axes = []
    for i in range(n):
        ax = fig.add_subplot(gs[i // columns, col0 + i % columns])
        ax.set_axis_off()
        ax.set_title(str(i), fontsize="small", pad=2)
        axes.append(ax)
    return axes


def plot_feature_maps(maps, *, columns=8, title=None, image=None, scale="grid") -> Figure:
    """Draw every channel of one layer's output for one image as a grid of small maps.

    Parameters
    ----------
    maps : array_like, shape (height, width, channels)
        One layer's output for a single image (drop the batch axis first).
    columns : int
        Maps per row; 32 maps give a 4x8 grid.
    title : str, optional
        Figure title; a default names the number and size of the maps.
    image : array_like, optional
        The input image, drawn first on the left and labelled "input".
    scale : {"grid", "map"}
        ``"grid"`` (default) uses one colour scale for all maps, with a colour bar, so
        that a weakly responding map looks dark next to a strong one: the maps can be
        compared. ``"map"`` stretches each map to its own range, which shows the
        pattern inside a weak map but hides how strong it is (no colour bar then).

    Examples
    --------
    >>> maps = np.random.default_rng(0).random((32, 32, 32))
    >>> fig = plot_feature_maps(maps, image=np.zeros((32, 32, 3)))
    >>> len(fig.axes)  # 32 maps, the input and the colour bar
    34
    >>> describe(fig)
    'Grid of 32 feature maps, each 32x32, ... next to the input image.'
    """
    maps = np.asarray(maps, dtype=float)
    if maps.ndim != 3:
        raise ValueError(f"expected maps of shape (height, width, channels), got {maps.shape}")
    if scale not in ("grid", "map"):
        raise ValueError(f"scale must be 'grid' or 'map', got {scale!r}")
    h, w, n = maps.shape
    columns = max(1, min(columns, n))
    rows = math.ceil(n / columns)
    side = min(rows, 2) if image is not None else 0
    shared = "one shared" if scale == "grid" else "a per-map"
    alt = (f"Grid of {n} feature maps, each {h}x{w}, in {rows} rows of {columns}, bright where "
           f"the filter responds strongly ({shared} colour scale)"
           + (", next to the input image." if side else "."))
    fig = _figure((1.15 * (columns + side) + (0.9 if scale == "grid" else 0), 1.2 * rows + 0.6),
                  title or f"{n} feature maps, {h}x{w} each", alt)
    gs = fig.add_gridspec(rows, columns + side)
    if side:
        ax = fig.add_subplot(gs[(rows - side) // 2:(rows - side) // 2 + side, :side])
        _show(ax, _as_rgb(image))
        ax.set_axis_off()
        ax.set_title("input", fontweight="bold")
    axes = _grid(fig, gs, n, rows, columns, col0=side)
    lo, hi = maps.min(), maps.max()
    for i, ax in enumerate(axes):
        m = maps[..., i]
        vmin, vmax = (lo, hi) if scale == "grid" else (m.min(), m.max())
        im = ax.imshow(m, cmap=SEQUENTIAL_CMAP, interpolation="nearest", vmin=vmin,
                       vmax=vmax if vmax > vmin else vmin + 1e-9)
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
        Figure title; a default gives the kernel's shape.
    per_channel : bool, optional
        ``False``: each filter as one RGB image (only for ``c_in == 3``), rescaled to
        [0, 1] over its own minimum and maximum, so sign and size are lost but the colour
        and orientation it prefers are seen. ``True``: one mosaic whose column n is
        filter n and whose row c is the slice ``kernel[:, :, c, n]`` applied to input
        channel c (the slices of a column are summed to make feature map n); a diverging
        map centred on zero (red positive, blue negative) and a colour bar. Default:
        ``False`` when ``c_in == 3``, else ``True``.
    columns : int
        Filters per row in the RGB view.

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
               f"{columns}, each rescaled to its own range.")
        fig = _figure((1.1 * columns, 1.2 * rows + 0.6), title, alt)
        axes = _grid(fig, fig.add_gridspec(rows, columns), n, rows, columns)
        for i, ax in enumerate(axes):
            f = k[..., i]
            span = f.max() - f.min()
            ax.imshow((f - f.min()) / span if span > 0 else np.full_like(f, 0.5),
                      interpolation="nearest")
        return fig
    # Mosaic: cells of kh x kw separated by one-pixel NaN gaps drawn in grey.
    mosaic = np.full((c_in * (kh + 1) - 1, n * (kw + 1) - 1), np.nan)
    for c in range(c_in):
        for j in range(n):
            mosaic[c * (kh + 1):c * (kh + 1) + kh, j * (kw + 1):j * (kw + 1) + kw] = k[:, :, c, j]
    alt = (f"Mosaic of {n} filters of size {kh}x{kw} (columns) by {c_in} input channels (rows), "
           "red for positive and blue for negative weights.")
    mh, mw = mosaic.shape
    fig = _figure((min(12.0, 1.8 + 0.075 * mw), min(12.0, 1.4 + 0.075 * mh)), title, alt)
    ax = fig.add_subplot()
    cmap = matplotlib.colormaps[DIVERGING_CMAP].with_extremes(bad="0.55")
    im = ax.imshow(mosaic, cmap=cmap, norm=CenteredNorm(0.0, np.abs(k).max() or 1.0),
                   interpolation="nearest")
    step_x, step_y = max(1, math.ceil(n / 32)), max(1, math.ceil(c_in / 16))
    ax.set_xticks(np.arange(0, n, step_x) * (kw + 1) + (kw - 1) / 2, np.arange(0, n, step_x))
    names = ["R", "G", "B"] if c_in == 3 else np.arange(0, c_in, step_y)
    ax.set_yticks(np.arange(0, c_in, step_y) * (kh + 1) + (kh - 1) / 2, names)
    ax.tick_params(length=0, labelsize="small")
    ax.set_xlabel("filter (output feature map)")
    ax.set_ylabel("input channel")
    fig.colorbar(im, ax=ax, shrink=0.9, label="weight")
    return fig


def _history_key(history, *names):
    return next((name for name in names if name in history), None)


def plot_training_curves(history, *, title=None, val_label="test") -> Figure:
    """Plot loss and accuracy per epoch, for training and (if present) validation data.

    Parameters
    ----------
    history : dict of lists
        One value per epoch under ``loss`` and ``accuracy`` (or
        ``sparse_categorical_accuracy``), optionally ``val_loss`` and ``val_accuracy``
        (or ``val_sparse_categorical_accuracy``). A Keras ``History`` also works
        (its ``.history`` dict is used).
    title : str, optional
        Figure title.
    val_label : str
        Legend name for the validation curves; the lesson validates on the test set.

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
    acc = _history_key(history, "accuracy", "sparse_categorical_accuracy")
    if "loss" not in history or acc is None:
        raise ValueError("history needs 'loss' and 'accuracy' lists, got keys "
                         f"{sorted(history)}")
    val_acc = _history_key(history, "val_accuracy", "val_sparse_categorical_accuracy")
    has_val = "val_loss" in history and val_acc is not None
    epochs = np.arange(1, len(history["loss"]) + 1)
    series = {"train": ("loss", acc)}
    if has_val:
        series[val_label] = ("val_loss", val_acc)
    for keys in series.values():
        for key in keys:
            if len(history[key]) != len(epochs):
                raise ValueError(f"history[{key!r}] has {len(history[key])} values, "
                                 f"expected {len(epochs)} (one per epoch)")
    final = f"{history[acc][-1]:.1%} on training data"
    if has_val:
        final += f", {history[val_acc][-1]:.1%} on {val_label} data"
    alt = f"Loss and accuracy over {len(epochs)} epochs; final accuracy {final}."
    fig = _figure((9.0, 3.6), title or "Training curves", alt)
    ax_loss, ax_acc = fig.subplots(1, 2)
    styles = [dict(color=OKABE_ITO["blue"], marker="o"),
              dict(color=OKABE_ITO["vermillion"], marker="s", linestyle="--")]
    for (name, (loss_key, acc_key)), style in zip(series.items(), styles, strict=False):
        ax_loss.plot(epochs, history[loss_key], label=name, markersize=3, **style)
        ax_acc.plot(epochs, history[acc_key], label=name, markersize=3, **style)
    ax_loss.set_ylabel("loss (cross-entropy)")
    ax_acc.set_ylabel("accuracy")
    ax_acc.set_ylim(0, 1)
    ax_acc.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    for ax, name in ((ax_loss, "Loss"), (ax_acc, "Accuracy")):
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
        ax.legend()
    return fig


def _labels(y_true, y_pred, class_names):
    y_true = np.asarray(y_true).reshape(-1).astype(int)
    y_pred = np.asarray(y_pred)
    y_pred = (y_pred.argmax(axis=-1) if y_pred.ndim == 2 else y_pred.reshape(-1)).astype(int)
    k = len(class_names)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has {y_true.size} labels but y_pred has {y_pred.size}")
    if y_true.size == 0 or min(y_true.min(), y_pred.min()) < 0 or max(y_true.max(),
                                                                      y_pred.max()) >= k:
        raise ValueError(f"labels must be integers in 0..{k - 1} (one per class name)")
    return y_true, y_pred, k


def plot_confusion_matrix(y_true, y_pred, class_names, *, title=None, normalize=True) -> Figure:
    """Heat map of how often each true class is predicted as each class.

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
        Divide each row by its count, so a row reads as "of the true cats, the fraction
        predicted as each class" and the diagonal is each class's accuracy (recall).
        ``False`` shows raw counts.

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
    shown = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1) if normalize else counts
    off = np.where(np.eye(k, dtype=bool), -1, counts / np.maximum(counts.sum(1, keepdims=True), 1))
    t, p = np.unravel_index(off.argmax(), off.shape)
    alt = (f"Confusion matrix of {k} classes over {y_true.size} images, "
           f"{np.mean(y_true == y_pred):.1%} correct; the most common confusion is "
           f"{class_names[t]} predicted as {class_names[p]} ({off[t, p]:.0%}).")
    size = 2.0 + 0.6 * k
    fig = _figure((size + 1.2, size), title or "Confusion matrix", alt)
    ax = fig.add_subplot()
    im = ax.imshow(shown, cmap=MATRIX_CMAP, vmin=0, vmax=1 if normalize else counts.max())
    for (i, j), v in np.ndenumerate(shown):
        r, g, b, _ = im.cmap(im.norm(v))
        ax.text(j, i, f"{v:.2f}" if normalize else str(v), ha="center", va="center",
                fontsize="small" if k > 6 else "medium",
                color="black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white")
    ax.set_xticks(range(k), class_names, rotation=45, ha="right", rotation_mode="anchor")
    ax.set_yticks(range(k), class_names)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    fig.colorbar(im, ax=ax, shrink=0.8, label="fraction of true class" if normalize else "images")
    return fig


def plot_per_class_accuracy(y_true, y_pred, class_names, *, title=None) -> Figure:
    """Horizontal bars of the accuracy on each class, with the overall accuracy as a line.

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
    support = np.bincount(y_true, minlength=k)
    hits = np.bincount(y_true, weights=y_true == y_pred, minlength=k)
    acc = hits / np.maximum(support, 1)
    overall = np.mean(y_true == y_pred)
    best, worst = int(acc.argmax()), int(acc.argmin())
    alt = (f"Accuracy per class for {k} classes: best {class_names[best]} ({acc[best]:.1%}), "
           f"worst {class_names[worst]} ({acc[worst]:.1%}), overall {overall:.1%}.")
    fig = _figure((6.4, 1.2 + 0.38 * k), title or "Accuracy per class", alt)
    ax = fig.add_subplot()
    bars = ax.barh(range(k), acc, color=OKABE_ITO["blue"])
    ax.bar_label(bars, [f"{a:.0%}" for a in acc], padding=3, fontsize="small")
    ax.axvline(overall, color=OKABE_ITO["vermillion"], linestyle="--",
               label=f"overall {overall:.1%}")
    ax.set_yticks(range(k), class_names)
    ax.invert_yaxis()
    ax.set_xlim(0, 1.08)
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_xlabel("accuracy (correct / images of that class)")
    ax.set_ylabel("true class")
    ax.legend(loc="lower right", fontsize="small")
    return fig


def plot_variant_comparison(rows: Sequence[Mapping], metric="test_accuracy", *, title=None,
                            annotate=None, annotate_format="{:.0f} s", xlabel="variant",
                            ylabel=None, percent=None) -> Figure:
    """Bar chart comparing model variants on one metric, e.g. accuracy per filter size.

    Parameters
    ----------
    rows : sequence of dict
        One dict per variant, in the order to draw, with a ``"name"`` (the bar label) and
        the ``metric``: a number, or a list of numbers from repeated runs (the bar is
        their mean, the error bar spans min to max and each run is drawn as a dot).
    metric : str
        The key to plot.
    title : str, optional
        Figure title.
    annotate : str, optional
        A second key written above each bar with ``annotate_format``, e.g.
        ``"train_seconds"`` gives "41 s" (lists are averaged).
    xlabel, ylabel : str, optional
        Axis labels; ``ylabel`` defaults to the metric name.
    percent : bool, optional
        Format the axis as a percentage of 1; default: when the metric name contains
        "accuracy".

    Examples
    --------
    >>> rows = [{"name": "1x1", "test_accuracy": 0.52, "train_seconds": 30},
    ...         {"name": "3x3", "test_accuracy": [0.69, 0.71], "train_seconds": 41}]
    >>> fig = plot_variant_comparison(rows, annotate="train_seconds")
    >>> describe(fig)
    'Bar chart of test accuracy for 2 variants: 1x1 52.0%, 3x3 70.0%.'
    """
    if not rows:
        raise ValueError("rows is empty")
    missing = [i for i, row in enumerate(rows) if "name" not in row or metric not in row]
    if missing:
        raise ValueError(f"rows {missing} lack 'name' or {metric!r}")
    runs = [np.atleast_1d(np.asarray(row[metric], dtype=float)) for row in rows]
    means = np.array([r.mean() for r in runs])
    names = [str(row["name"]) for row in rows]
    percent = "accuracy" in metric if percent is None else percent
    fmt = "{:.1%}" if percent else "{:.3g}"
    label = ylabel or metric.replace("_", " ")
    alt = (f"Bar chart of {label} for {len(rows)} variants: "
           + ", ".join(f"{n} {fmt.format(m)}" for n, m in zip(names, means, strict=True)) + ".")
    fig = _figure((1.6 + 1.1 * len(rows), 3.8), title or f"{label.capitalize()} by variant", alt)
    ax = fig.add_subplot()
    x = np.arange(len(rows))
    err = np.array([[m - r.min(), r.max() - m] for m, r in zip(means, runs, strict=True)]).T
    bars = ax.bar(x, means, color=OKABE_ITO["sky"], edgecolor=OKABE_ITO["blue"],
                  yerr=err if any(r.size > 1 for r in runs) else None, capsize=4)
    for xi, r in zip(x, runs, strict=True):
        if r.size > 1:
            ax.plot(np.full(r.size, xi), r, "o", color=OKABE_ITO["black"], markersize=3)
    texts = [fmt.format(m) for m in means]
    if annotate:
        texts = [t + "\n" + annotate_format.format(float(np.mean(row[annotate])))
                 if annotate in row else t for t, row in zip(texts, rows, strict=True)]
    top = max(float(np.max(r)) for r in runs)
    ax.bar_label(bars, texts, padding=3, fontsize="small")
    ax.set_ylim(0, (1.0 if percent and top <= 1 else top) * 1.2)
    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_xticks(x, names)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(label)
    ax.grid(axis="y", alpha=0.3)
    return fig
