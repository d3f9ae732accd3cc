"""The fast training loop does the arithmetic of ``model.fit``."""

import numpy as np
import pytest

from cnnlesson import build_lesson_model, loop


def _without_dropout(seed=0):
    model = build_lesson_model(seed=seed)
    for layer in model.layers:
        if hasattr(layer, "rate"):
            layer.rate = 0.0  # both loops must see the same numbers
    return model


@pytest.fixture
def tiny_batch():
    generator = np.random.default_rng(0)
    images = generator.random((48, 32, 32, 3)).astype("float32")
    labels = (np.arange(48) % 10).astype("uint8").reshape(-1, 1)
    return images, labels


def test_fast_loop_matches_keras_fit(tiny_batch):
    images, labels = tiny_batch
    reference, ours = _without_dropout(), _without_dropout()
    initial = reference.get_weights()
    # One batch per epoch, so that shuffling cannot change what either loop computes.
    reference.fit(images, labels, batch_size=48, epochs=4, shuffle=False, verbose=0)
    history = loop.fit(ours, images, labels, batch_size=48, epochs=4, verbose=0)
    for start, expected, got in zip(initial, reference.get_weights(), ours.get_weights(),
                                    strict=True):
        movement = np.linalg.norm(expected - start)
        assert movement > 0
        # The loops differ only by float32 rounding (fused Adam, transposed dense kernel),
        # which Adam magnifies for near-zero gradients: still far below how far the
        # weights moved.
        assert np.linalg.norm(expected - got) < 0.01 * movement
    assert len(history["loss"]) == 4 and history["loss"][-1] < history["loss"][0]


def test_max_norm_holds_after_training(tiny_batch):
    images, labels = tiny_batch
    model = build_lesson_model()
    for layer in model.layers:
        if layer.name in ("conv2d", "dense"):
            # Start far outside the constraint so that it must act.
            layer.kernel.assign(layer.kernel * 1000.0)
    loop.fit(model, images, labels, batch_size=16, epochs=1, verbose=0)
    for name in ("conv2d", "conv2d_1", "dense"):
        kernel = model.get_layer(name).kernel.numpy()
        norms = np.sqrt((kernel**2).sum(axis=0))  # Keras' MaxNorm axis 0
        assert norms.max() <= 3.0 + 1e-4


def test_history_and_validation(tiny_batch, capsys):
    images, labels = tiny_batch
    history = loop.fit(build_lesson_model(), images, labels, batch_size=16, epochs=2,
                       validation_data=(images, labels), verbose=2)
    assert set(history) == {"loss", "accuracy", "val_loss", "val_accuracy", "epoch_seconds"}
    assert all(len(values) == 2 for values in history.values())
    assert capsys.readouterr().out.count("Epoch ") == 2


def test_unknown_precision_is_refused(tiny_batch):
    with pytest.raises(ValueError, match="precision must be 'float32' or 'bfloat16'"):
        loop.fit(build_lesson_model(), *tiny_batch, batch_size=16, epochs=1,
                 precision="float16")


@pytest.mark.parametrize(("schedule", "message"), [
    ({"epochs": 0, "batch_size": 16}, "epochs must be a positive integer"),
    ({"epochs": 1, "batch_size": 2.5}, "batch_size must be a positive integer"),
])
def test_impossible_schedule_is_refused(tiny_batch, schedule, message):
    with pytest.raises(ValueError, match=message):
        loop.fit(build_lesson_model(), *tiny_batch, **schedule)


def test_images_and_labels_of_different_lengths_are_refused(tiny_batch):
    images, labels = tiny_batch
    with pytest.raises(ValueError, match="got 48 images and 47 labels"):
        loop.fit(build_lesson_model(), images, labels[:47], batch_size=16, epochs=1)


def test_uint8_pixels_train_exactly_like_scaled_floats(tiny_batch):
    images, labels = tiny_batch
    pixels = (images * 255).astype("uint8")
    from cnnlesson import scale_images

    from_floats, from_pixels = build_lesson_model(), build_lesson_model()
    first = loop.fit(from_floats, scale_images(pixels), labels, batch_size=16, epochs=1,
                     verbose=0)
    second = loop.fit(from_pixels, pixels, labels, batch_size=16, epochs=1, verbose=0)
    assert first["loss"] == second["loss"]
    for a, b in zip(from_floats.get_weights(), from_pixels.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
