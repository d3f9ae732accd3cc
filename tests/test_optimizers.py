"""FusedAdam computes Keras' Adam, and a model compiled with it trains and saves like one."""

import keras
import numpy as np
import pytest

from cnnlesson.optimizers import FusedAdam


def _small_model(optimizer, constraint=None):
    keras.utils.set_random_seed(3)
    model = keras.Sequential([
        keras.Input((6,)),
        keras.layers.Dense(5, activation="relu", kernel_constraint=constraint),
        keras.layers.Dense(3, activation="softmax"),
    ])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    return model


@pytest.mark.parametrize("settings", [{}, {"learning_rate": 0.01, "beta_1": 0.8,
                                           "epsilon": 1e-4}])
def test_fit_with_fused_adam_follows_keras_adam(settings):
    generator = np.random.default_rng(0)
    x = generator.normal(size=(64, 6)).astype("float32")
    y = generator.integers(0, 3, 64)
    ours = _small_model(FusedAdam(**settings), keras.constraints.MaxNorm(1))
    theirs = _small_model(keras.optimizers.Adam(**settings), keras.constraints.MaxNorm(1))
    for model in (ours, theirs):
        model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    assert int(ours.optimizer.iterations) == int(theirs.optimizer.iterations) == 24
    for a, b in zip(ours.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_it_is_an_adam_and_serialises_as_one():
    optimizer = FusedAdam(learning_rate=0.002)
    assert isinstance(optimizer, keras.optimizers.Adam)
    again = FusedAdam.from_config(optimizer.get_config())
    assert again.get_config() == optimizer.get_config()
    restored = keras.optimizers.deserialize(keras.optimizers.serialize(optimizer))
    assert type(restored) is FusedAdam


def test_moments_are_saved_and_restored_with_the_weights(tmp_path):
    x = np.ones((8, 6), "float32")
    y = np.arange(8) % 3
    trained = _small_model(FusedAdam())
    trained.fit(x, y, epochs=1, verbose=0)
    trained.save_weights(tmp_path / "model.weights.h5")
    fresh = _small_model(FusedAdam())
    fresh.optimizer.build(fresh.trainable_variables)
    fresh.load_weights(tmp_path / "model.weights.h5")
    saved = [keras.ops.convert_to_numpy(v) for v in trained.optimizer.variables]
    loaded = [keras.ops.convert_to_numpy(v) for v in fresh.optimizer.variables]
    assert len(saved) == len(loaded) > 2
    for a, b in zip(saved, loaded, strict=True):
        np.testing.assert_array_equal(a, b)


def test_amsgrad_is_refused_with_the_alternative():
    with pytest.raises(ValueError, match="keras.optimizers.Adam"):
        FusedAdam(amsgrad=True)
