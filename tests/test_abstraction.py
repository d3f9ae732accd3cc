"""Tests of the likeness measure: what it scores, what it leaves out, what it refuses."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlesson.analysis import GREY_WEIGHTS, layer_likeness, map_likeness


@pytest.fixture
def image():
    return np.random.default_rng(1).random((8, 8, 3))


def grey(image):
    return image @ np.asarray(GREY_WEIGHTS)


def test_copies_and_negatives_score_one(image):
    maps = np.stack([grey(image), 2 - 3 * grey(image)], axis=-1)
    assert np.allclose(map_likeness(maps, image), 1.0)


def test_unrelated_map_scores_low(image):
    noise = np.random.default_rng(2).random((8, 8))
    noise -= np.polyval(np.polyfit(grey(image).ravel(), noise.ravel(), 1),
                        grey(image)).reshape(8, 8) - noise.mean()  # remove the linear part
    assert map_likeness(noise[..., np.newaxis], image)[0] < 1e-6


def test_silent_maps_are_left_out_not_counted_as_zero(image):
    copy = grey(image)[..., np.newaxis]
    with_silent = np.concatenate([copy, np.zeros((8, 8, 3))], axis=-1)
    assert np.isnan(map_likeness(with_silent, image)[1:]).all()
    assert layer_likeness(with_silent, image) == pytest.approx(1.0)
    assert np.isnan(layer_likeness(np.zeros((8, 8, 2)), image))


def test_pooled_maps_compare_with_the_block_averaged_image(image):
    pooled = grey(image).reshape(4, 2, 4, 2).mean(axis=(1, 3))[..., np.newaxis]
    assert layer_likeness(pooled, image) == pytest.approx(1.0)


@pytest.mark.parametrize("maps, message", [
    (np.zeros((1, 8, 8, 2)), "drop the batch axis"),
    (np.zeros((3, 3, 2)), "do not tile"),
])
def test_bad_shapes_are_refused_with_the_fix(image, maps, message):
    with pytest.raises(ValueError, match=message):
        map_likeness(maps, image)


def test_image_must_be_rgb():
    with pytest.raises(ValueError, match="RGB"):
        map_likeness(np.zeros((8, 8, 1)), np.zeros((8, 8)))
