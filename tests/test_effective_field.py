"""The effective receptive field: inside the theoretical window, and bad input refused."""

import numpy as np
import pytest

import cnnlesson
from cnnlesson.analysis import effective_area, effective_receptive_field, receptive_field


@pytest.fixture(scope="module")
def lesson_model():
    return cnnlesson.build_lesson_model(compile=False)


@pytest.mark.parametrize("name, size", [("conv2d", 3), ("conv2d_1", 5),
                                        ("max_pooling2d", 6)])
def test_all_weight_lies_in_the_theoretical_window(lesson_model, name, size):
    images = np.random.default_rng(0).random((8, 32, 32, 3))
    field = effective_receptive_field(lesson_model, name, images, batch_size=3)
    top, bottom, left, right = field.window
    upto = lesson_model.layers[:[lay.name for lay in lesson_model.layers].index(name) + 1]
    assert bottom - top + 1 == right - left + 1 == receptive_field(upto).size == size
    assert field.weights.sum() == pytest.approx(1.0)
    assert field.weights[top:bottom + 1, left:right + 1].sum() == pytest.approx(1.0)
    assert 1 <= effective_area(field.weights, 0.9) <= size * size


def test_bad_input_is_refused(lesson_model):
    with pytest.raises(ValueError, match="no layer"):
        effective_receptive_field(lesson_model, "conv9", np.zeros((1, 32, 32, 3)))
    with pytest.raises(ValueError, match="spatial maps"):
        effective_receptive_field(lesson_model, "dense", np.zeros((1, 32, 32, 3)))
    with pytest.raises(ValueError, match="shape"):
        effective_receptive_field(lesson_model, "conv2d", np.zeros((32, 32, 3)))
    with pytest.raises(ValueError, match="share"):
        effective_area([1.0, 2.0], 0.0)
