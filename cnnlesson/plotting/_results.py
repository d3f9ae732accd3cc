"""Figures of results: training curves, confusion matrix, accuracy per class, variants compared."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator, PercentFormatter

from cnnlesson.analysis._confusion import confusion_counts
from cnnlesson.plotting._base import (
    MATRIX_CMAP,
    OKABE_ITO,
    describe,  # noqa: F401  (the examples call it)
    titled_figure,
)


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
    fig = titled_figure((9.0, 3.6), title or "Training curves", alt)
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
    k = len(class_names)
    counts = confusion_counts(y_true, y_pred, k)
    if counts.sum() == 0:
        raise ValueError("the confusion matrix needs at least one image")
    rates = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1)
    off = np.where(np.eye(k, dtype=bool), -1.0, rates)
    t, p = np.unravel_index(off.argmax(), off.shape)
    alt = (f"Confusion matrix of {k} classes over {counts.sum()} images, "
           f"{np.trace(counts) / counts.sum():.1%} correct; the most common confusion is "
           f"{class_names[t]} predicted as {class_names[p]} ({rates[t, p]:.0%}).")
    fig = titled_figure((2.3 + 0.5 * k, 1.5 + 0.5 * k), title or "Confusion matrix", alt)
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
    k = len(class_names)
    counts = confusion_counts(y_true, y_pred, k)
    if counts.sum() == 0:
        raise ValueError("per-class accuracy needs at least one image")
    acc = np.diag(counts) / np.maximum(counts.sum(axis=1), 1)
    overall, best, worst = np.trace(counts) / counts.sum(), int(acc.argmax()), int(acc.argmin())
    alt = (f"Accuracy per class for {k} classes: best {class_names[best]} ({acc[best]:.1%}), "
           f"worst {class_names[worst]} ({acc[worst]:.1%}), overall {overall:.1%}.")
    fig = titled_figure((6.4, 1.2 + 0.38 * k), title or "Accuracy per class", alt)
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
    fig = titled_figure((1.6 + 1.1 * len(rows), 3.8),
                        title or f"{label.capitalize()} by variant", alt)
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
