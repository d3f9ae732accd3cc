"""Tests of cnnlesson.plotting: structure, colours, alt text, errors and rendering."""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from cnnlesson import plotting as P

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
           "truck"]
SAFE_SEQUENTIAL = {"viridis", "cividis"}
SAFE_DIVERGING = {"RdBu_r", "PuOr"}
OKABE_ITO = {"#0072B2", "#D55E00", "#56B4E9", "#E69F00", "#009E73", "#CC79A7", "#000000"}


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture
def history():
    return {"loss": [1.6, 1.2, 1.0, 0.9], "accuracy": [0.40, 0.55, 0.62, 0.66],
            "val_loss": [1.3, 1.1, 1.05, 1.0], "val_accuracy": [0.52, 0.60, 0.63, 0.645]}


@pytest.fixture
def labels(rng):
    y_true = rng.integers(0, 10, 500)
    y_pred = np.where(rng.random(500) < 0.7, y_true, rng.integers(0, 10, 500))
    return y_true, y_pred


def images(fig):
    return [im for ax in fig.axes for im in ax.get_images()]


def suptitle(fig):
    return fig._suptitle.get_text() if fig._suptitle is not None else ""


def all_figures(rng, history, labels):
    maps = rng.random((32, 32, 32))
    img = rng.random((32, 32, 3))
    kernel = rng.normal(size=(3, 3, 3, 32))
    rows = [{"name": "3x3", "test_accuracy": 0.7}, {"name": "5x5", "test_accuracy": [0.6, 0.7]}]
    return {
        "image": P.plot_image(img, label="horse"),
        "maps": P.plot_feature_maps(maps, image=img),
        "kernels": P.plot_kernels(kernel),
        "kernels_per_channel": P.plot_kernels(kernel, per_channel=True),
        "curves": P.plot_training_curves(history),
        "confusion": P.plot_confusion_matrix(*labels, CLASSES),
        "per_class": P.plot_per_class_accuracy(*labels, CLASSES),
        "variants": P.plot_variant_comparison(rows),
    }


def test_every_figure_is_a_figure_with_alt_text_and_renders_to_png(rng, history, labels):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    for name, fig in all_figures(rng, history, labels).items():
        assert isinstance(fig, Figure), name
        assert P.describe(fig).endswith("."), name
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png")
        assert buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n", name
        if name != "image":
            assert suptitle(fig), f"{name} has no title"
    # Figures are opened through pyplot so notebooks and sphinx-gallery pick them up.
    assert len(plt.get_fignums()) == len(before) + 8
    plt.close("all")


def test_title_argument_is_used(rng, history):
    assert suptitle(P.plot_image(rng.random((4, 4)), title="T")) == "T"
    assert suptitle(P.plot_feature_maps(rng.random((4, 4, 2)), title="Layer 0")) == "Layer 0"
    assert suptitle(P.plot_kernels(rng.random((3, 3, 3, 2)), title="K")) == "K"
    assert suptitle(P.plot_training_curves(history, title="Run")) == "Run"


def test_describe_rejects_foreign_figures():
    with pytest.raises(ValueError, match="no alt text"):
        P.describe(Figure())


def test_plot_image_accepts_uint8_and_grey(rng):
    fig = P.plot_image((rng.random((32, 32, 3)) * 255).astype(np.uint8), label="horse")
    (im,) = images(fig)
    assert im.get_array().max() <= 1.0
    assert fig.axes[0].get_title() == "horse"
    assert "32x32 colour" in P.describe(fig)
    assert "grey-scale" in P.describe(P.plot_image(rng.random((5, 6, 1))))
    with pytest.raises(ValueError, match="height, width"):
        P.plot_image(rng.random((4, 4, 2)))


def test_feature_maps_grid_with_input(rng):
    maps = rng.random((32, 32, 32)) * 3
    fig = P.plot_feature_maps(maps, image=rng.random((32, 32, 3)))
    panels = [ax for ax in fig.axes if ax.get_title() in {str(i) for i in range(32)}]
    assert len(panels) == 32
    assert [ax.get_title() for ax in panels] == [str(i) for i in range(32)]
    assert fig.axes[0].get_title() == "input"
    assert len(fig.axes) == 32 + 1 + 1  # maps, input, colour bar
    # 4 rows of 8, the input to their left
    rows = {ax.get_subplotspec().rowspan.start for ax in panels}
    cols = {ax.get_subplotspec().colspan.start for ax in panels}
    assert len(rows) == 4 and len(cols) == 8
    assert min(cols) > fig.axes[0].get_subplotspec().colspan.start
    map_images = images(fig)[1:]
    assert {im.get_cmap().name for im in map_images} <= SAFE_SEQUENTIAL
    assert {im.get_clim() for im in map_images} == {(maps.min(), maps.max())}  # one scale
    np.testing.assert_array_equal(map_images[5].get_array(), maps[..., 5])
    alt = P.describe(fig)
    assert "32 feature maps" in alt and "32x32" in alt and "input" in alt


def test_feature_maps_per_map_scale_and_ragged_grid(rng):
    maps = rng.random((6, 5, 10))
    fig = P.plot_feature_maps(maps, columns=4, scale="map")
    assert len(fig.axes) == 10  # no colour bar, no input
    for i, im in enumerate(images(fig)):
        assert im.get_clim() == (maps[..., i].min(), maps[..., i].max())
    assert "10 feature maps, each 6x5, in 3 rows of 4" in P.describe(fig)


def test_feature_maps_constant_map_does_not_break(rng):
    fig = P.plot_feature_maps(np.zeros((4, 4, 3)), scale="map")
    fig.savefig(io.BytesIO(), format="png")


@pytest.mark.parametrize("shape", [(32, 32), (1, 32, 32, 32), (4, 4, 0)])
def test_feature_maps_reject_bad_shapes(shape):
    with pytest.raises(ValueError, match=r"\(height, width, channels\)"):
        P.plot_feature_maps(np.zeros(shape))


def test_feature_maps_hint_at_batch_axis_and_check_scale():
    with pytest.raises(ValueError, match=r"maps\[0\]"):
        P.plot_feature_maps(np.zeros((1, 4, 4, 2)))
    with pytest.raises(ValueError, match="scale"):
        P.plot_feature_maps(np.zeros((4, 4, 2)), scale="layer")


def test_kernels_rgb_grid(rng):
    kernel = rng.normal(size=(3, 3, 3, 32))
    fig = P.plot_kernels(kernel)
    assert len(fig.axes) == 32
    assert [ax.get_title() for ax in fig.axes] == [str(i) for i in range(32)]
    for i, im in enumerate(images(fig)):
        rgb = np.asarray(im.get_array())
        assert rgb.shape == (3, 3, 3)
        assert rgb.min() == pytest.approx(0) and rgb.max() == pytest.approx(1)
        # min-max normalisation keeps the order of the weights
        np.testing.assert_array_equal(np.argsort(rgb, axis=None),
                                      np.argsort(kernel[..., i], axis=None))
    alt = P.describe(fig)
    assert "32 filters" in alt and "3x3" in alt


def test_kernels_per_channel_mosaic(rng):
    kernel = rng.normal(size=(3, 3, 3, 8))
    fig = P.plot_kernels(kernel, per_channel=True)
    ax, colorbar = fig.axes
    (im,) = ax.get_images()
    assert im.get_cmap().name in SAFE_DIVERGING
    vmin, vmax = im.get_clim()
    assert vmin == pytest.approx(-vmax) and vmax == pytest.approx(np.abs(kernel).max())
    assert colorbar.get_ylabel() == "weight"
    mosaic = np.ma.filled(im.get_array(), np.nan)
    assert mosaic.shape == (3 * 4 - 1, 8 * 4 - 1)
    for c in range(3):
        for n in range(8):
            np.testing.assert_array_equal(mosaic[4 * c:4 * c + 3, 4 * n:4 * n + 3],
                                          kernel[:, :, c, n])
    assert np.isnan(mosaic[3]).all() and np.isnan(mosaic[:, 3]).all()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["R", "G", "B"]
    assert ax.get_xlabel() == "filter (output feature map)"
    assert "8 filters" in P.describe(fig) and "3 input channels" in P.describe(fig)


def test_kernels_many_input_channels_default_to_mosaic(rng):
    fig = P.plot_kernels(rng.normal(size=(3, 3, 32, 32)))
    assert len(fig.axes) == 2
    assert "32 input channels" in P.describe(fig)
    with pytest.raises(ValueError, match="3 input channels"):
        P.plot_kernels(rng.normal(size=(3, 3, 32, 4)), per_channel=False)


def test_kernels_reject_wrong_ndim():
    with pytest.raises(ValueError, match="in_channels, filters"):
        P.plot_kernels(np.zeros((3, 3, 32)))


def test_training_curves(history):
    fig = P.plot_training_curves(history)
    ax_loss, ax_acc = fig.axes
    assert ax_loss.get_ylabel() == "loss (cross-entropy)"
    assert ax_acc.get_ylabel() == "accuracy"
    assert ax_loss.get_xlabel() == ax_acc.get_xlabel() == "epoch"
    assert ax_acc.get_ylim() == (0, 1)
    for ax, keys in ((ax_loss, ("loss", "val_loss")), (ax_acc, ("accuracy", "val_accuracy"))):
        train, test = ax.get_lines()
        assert list(train.get_xdata()) == [1, 2, 3, 4]
        assert list(train.get_ydata()) == history[keys[0]]
        assert list(test.get_ydata()) == history[keys[1]]
        assert {line.get_color().upper() for line in ax.get_lines()} <= OKABE_ITO
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["train", "test"]
    assert P.describe(fig) == ("Loss and accuracy over 4 epochs; final accuracy 66.0% on "
                               "training data, 64.5% on test data.")


def test_training_curves_keras_names_and_history_object():
    class History:  # what keras.callbacks.History looks like
        history = {"loss": [1.0, 0.8], "sparse_categorical_accuracy": [0.5, 0.6]}

    fig = P.plot_training_curves(History())
    assert [len(ax.get_lines()) for ax in fig.axes] == [1, 1]
    assert "test" not in P.describe(fig)


@pytest.mark.parametrize("bad", [{"loss": [1.0]}, {"accuracy": [0.5]},
                                 {"loss": [1.0, 0.9], "accuracy": [0.5]},
                                 {"loss": [1.0], "accuracy": [0.5], "val_loss": [1.0, 2.0],
                                  "val_accuracy": [0.5]}])
def test_training_curves_reject_missing_keys_or_lengths(bad):
    with pytest.raises(ValueError, match="loss|accuracy"):
        P.plot_training_curves(bad)


def test_confusion_matrix_normalised(labels):
    y_true, y_pred = labels
    fig = P.plot_confusion_matrix(y_true.reshape(-1, 1), y_pred, CLASSES)
    ax = fig.axes[0]
    (im,) = ax.get_images()
    assert im.get_cmap().name in SAFE_SEQUENTIAL
    matrix = np.asarray(im.get_array())
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0)
    expected = np.mean(y_pred[y_true == 3] == 3)
    assert matrix[3, 3] == pytest.approx(expected)
    assert len(ax.texts) == 100
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    assert [t.get_text() for t in ax.get_xticklabels()] == CLASSES
    assert "10 classes over 500 images" in P.describe(fig)


def test_confusion_matrix_counts_and_scores():
    y_true = [0, 0, 1, 1, 1]
    scores = np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.1, 0.9], [0.6, 0.4]])
    fig = P.plot_confusion_matrix(y_true, scores, ["a", "b"], normalize=False)
    np.testing.assert_array_equal(fig.axes[0].get_images()[0].get_array(), [[1, 1], [1, 2]])
    assert [t.get_text() for t in fig.axes[0].texts] == ["1", "1", "1", "2"]
    assert fig.axes[1].get_ylabel() == "images"


@pytest.mark.parametrize("y_true, y_pred", [([0, 1], [0]), ([0, 3], [0, 1]), ([], [])])
def test_confusion_matrix_rejects_bad_labels(y_true, y_pred):
    with pytest.raises(ValueError):
        P.plot_confusion_matrix(y_true, y_pred, ["a", "b", "c"])


def test_per_class_accuracy(labels):
    y_true, y_pred = labels
    fig = P.plot_per_class_accuracy(y_true, y_pred, CLASSES)
    ax = fig.axes[0]
    widths = [bar.get_width() for bar in ax.patches]
    expected = [np.mean(y_pred[y_true == k] == k) for k in range(10)]
    np.testing.assert_allclose(widths, expected)
    assert [t.get_text() for t in ax.get_yticklabels()] == CLASSES
    assert {bar.get_facecolor() for bar in ax.patches} == {matplotlib.colors.to_rgba("#0072B2")}
    assert "10 classes" in P.describe(fig) and "overall" in P.describe(fig)
    with pytest.raises(ValueError):
        P.plot_per_class_accuracy([0, 1], [0, 1], ["only one"])


def test_variant_comparison():
    rows = [{"name": f"{s}x{s}", "test_accuracy": [0.6 + s / 100, 0.62 + s / 100],
             "train_seconds": 10 * s} for s in (1, 3, 5, 7)]
    fig = P.plot_variant_comparison(rows, annotate="train_seconds", xlabel="filter size")
    ax = fig.axes[0]
    heights = [bar.get_height() for bar in ax.patches]
    np.testing.assert_allclose(heights, [0.62, 0.64, 0.66, 0.68])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1x1", "3x3", "5x5", "7x7"]
    assert ax.get_xlabel() == "filter size" and ax.get_ylabel() == "test accuracy"
    assert "62.0%\n10 s" in [t.get_text() for t in ax.texts]
    assert P.describe(fig).startswith("Bar chart of test accuracy for 4 variants: 1x1 62.0%")


def test_variant_comparison_plain_numbers_and_errors():
    fig = P.plot_variant_comparison([{"name": "a", "seconds": 3.0}, {"name": "b", "seconds": 5}],
                                    metric="seconds")
    assert "a 3, b 5" in P.describe(fig)
    with pytest.raises(ValueError, match="test_accuracy"):
        P.plot_variant_comparison([{"name": "a", "loss": 1.0}])
    with pytest.raises(ValueError, match="empty"):
        P.plot_variant_comparison([])
