"""Tests of the architecture figure: one block per layer, shares that add up, alt text."""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import pytest

from cnnlesson import analysis, build_lesson_model
from cnnlesson.plotting import describe, plot_architecture


@pytest.fixture(scope="module")
def table():
    return analysis.parameter_table(build_lesson_model(compile=False))


def test_one_bar_per_layer_with_the_layers_share(table):
    fig = plot_architecture(table, input_shape=(32, 32, 3))
    bars = fig.axes[1].patches
    assert len(bars) == len(table) == 8
    widths = np.array([bar.get_width() for bar in bars])
    assert widths.sum() == pytest.approx(1.0)
    assert widths[[row.name for row in table].index("dense")] == pytest.approx(
        4_194_816 / 4_210_090)
    matplotlib.pyplot.close(fig)


def test_blocks_name_each_layer_its_shape_and_count(table):
    fig = plot_architecture(table, input_shape=(32, 32, 3))
    texts = [text.get_text() for text in fig.axes[0].texts]
    assert "conv2d · Conv2D" in texts and "input" in texts and "32×32×3" in texts
    assert "16×16×32 · 0 params" in texts and "512 · 4,194,816 params" in texts
    assert "dense (Dense) holds 99.6% of them" in describe(fig)
    fig.savefig(io.BytesIO(), format="png")  # it renders
    matplotlib.pyplot.close(fig)


@pytest.mark.parametrize("rows", [[], [("conv2d", "Conv2D")], [3]])
def test_unusable_rows_are_refused_with_the_fix(rows):
    with pytest.raises(ValueError, match="parameter_table"):
        plot_architecture(rows)
