"""The lesson's network and its variants, against the numbers in the lesson."""

import keras
import numpy as np
import pytest

from cnnlesson import build_lesson_model, describe_variant, feature_extractor, feature_maps

LESSON_LAYERS = [
    # name, output shape, parameters: the lesson's summary
    ("conv2d", (None, 32, 32, 32), 896),
    ("dropout", (None, 32, 32, 32), 0),
    ("conv2d_1", (None, 32, 32, 32), 9_248),
    ("max_pooling2d", (None, 16, 16, 32), 0),
    ("flatten", (None, 8192), 0),
    ("dense", (None, 512), 4_194_816),
    ("dropout_1", (None, 512), 0),
    ("dense_1", (None, 10), 5_130),
]


@pytest.fixture(scope="module")
def lesson_model():
    return build_lesson_model()


def test_lesson_model_matches_the_lesson_summary(lesson_model):
    observed = [(layer.name, tuple(layer.output.shape), layer.count_params())
                for layer in lesson_model.layers]
    assert observed == LESSON_LAYERS
    assert lesson_model.count_params() == 4_210_090
    assert len(lesson_model.trainable_weights) == 8 and not lesson_model.non_trainable_weights


def test_lesson_model_layers_are_configured_as_the_lesson_says(lesson_model):
    conv, dropout, conv_1, pool, _, dense, dropout_1, output = lesson_model.layers
    for layer in (conv, conv_1):
        assert layer.kernel_size == (3, 3) and layer.padding == "same"
        assert layer.activation.__name__ == "relu"
        assert layer.kernel_constraint.max_value == 3
    assert dense.kernel_constraint.max_value == 3
    assert (dropout.rate, dropout_1.rate) == (0.3, 0.5)
    assert pool.pool_size == (2, 2)
    assert output.activation.__name__ == "sigmoid"


def test_lesson_model_is_compiled_as_the_lesson_compiles_it(lesson_model):
    # Adam with its default settings, computed by one fused kernel per variable.
    assert isinstance(lesson_model.optimizer, keras.optimizers.Adam)
    assert lesson_model.optimizer.get_config() == {
        **keras.optimizers.Adam().get_config(), "name": lesson_model.optimizer.name}
    assert lesson_model.loss == "sparse_categorical_crossentropy"
    assert "sparse_categorical_accuracy" in lesson_model.get_compile_config()["metrics"]


def test_same_seed_gives_same_initial_weights():
    first = build_lesson_model(compile=False, seed=3).get_weights()
    second = build_lesson_model(compile=False, seed=3).get_weights()
    other = build_lesson_model(compile=False, seed=4).get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))
    assert not np.array_equal(first[0], other[0])


def test_one_5x5_variant_replaces_the_stack():
    model = build_lesson_model(conv_kernel_sizes=(5,), compile=False)
    names = [layer.name for layer in model.layers]
    assert names == ["conv2d", "max_pooling2d", "flatten", "dense", "dropout", "dense_1"]
    # 5*5*3*32 + 32 weights in the only convolution.
    assert model.layers[0].count_params() == 2_432


@pytest.mark.parametrize("size, conv_1_params", [(1, 1 * 32 * 32 + 32), (7, 49 * 32 * 32 + 32)])
def test_filter_size_variant(size, conv_1_params):
    model = build_lesson_model(conv_kernel_sizes=(size, size), compile=False)
    assert model.get_layer("conv2d_1").count_params() == conv_1_params
    assert model.get_layer("conv2d_1").output.shape == (None, 32, 32, 32)


def test_softmax_variant_outputs_sum_to_one():
    model = build_lesson_model(output_activation="softmax", compile=False)
    probabilities = keras.ops.convert_to_numpy(
        model(np.random.default_rng(0).random((4, 32, 32, 3))))
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"conv_kernel_sizes": ()}, "at least one convolution"),
        ({"conv_kernel_sizes": (3, 0)}, "positive integer"),
        ({"conv_kernel_sizes": (2.5,)}, "positive integer"),
        ({"filters": 0}, "filters must be a positive integer"),
        ({"dense_units": -1}, "dense_units must be a positive integer"),
        ({"output_activation": "relu"}, "output_activation must be one of"),
    ],
)
def test_bad_variant_is_a_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        build_lesson_model(**kwargs)


def test_describe_variant():
    assert describe_variant((3, 3), "sigmoid") == "conv 3×3 → 3×3, sigmoid output"


def test_extractor_returns_every_layer_in_order(lesson_model):
    outputs = feature_extractor(lesson_model)(np.zeros((2, 32, 32, 3), np.float32))
    assert [tuple(o.shape) for o in outputs] == [(2, *s[1:]) for _, s, _ in LESSON_LAYERS]


def test_feature_maps_equal_the_extractor_output(lesson_model):
    image = np.random.default_rng(1).random((32, 32, 3)).astype(np.float32)
    all_outputs = [keras.ops.convert_to_numpy(maps)
                   for maps in feature_extractor(lesson_model)(image[None])]
    np.testing.assert_allclose(feature_maps(lesson_model, image, 2), all_outputs[2][0], atol=1e-6)
    np.testing.assert_allclose(feature_maps(lesson_model, image, "conv2d"), all_outputs[0][0],
                               atol=1e-6)


@pytest.mark.parametrize(
    "image, layer, message",
    [
        (np.zeros((32, 32)), 0, r"expected one image of shape \(32, 32, 3\)"),
        (np.zeros((1, 32, 32, 3)), 0, "expected one image of shape"),
        (np.zeros((32, 32, 3)), "conv9", "no layer named 'conv9'"),
        (np.zeros((32, 32, 3)), 8, "out of range for 8 layers"),
    ],
)
def test_feature_maps_bad_input(lesson_model, image, layer, message):
    with pytest.raises(ValueError, match=message):
        feature_maps(lesson_model, image, layer)


@pytest.mark.parametrize("layer", [2.0, None, True, [0]])
def test_feature_maps_says_which_layer_arguments_it_accepts(lesson_model, layer):
    with pytest.raises(ValueError, match=r"layer must be a layer's index \(int\) or name \(str\)"):
        feature_maps(lesson_model, np.zeros((32, 32, 3)), layer)


def test_feature_maps_takes_a_numpy_integer(lesson_model):
    image = np.zeros((32, 32, 3), np.float32)
    assert feature_maps(lesson_model, image, np.int64(0)).shape == (32, 32, 32)


def test_feature_maps_refuses_a_subclassed_model():
    import keras

    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__()
            self.conv = keras.layers.Conv2D(2, 3)

        def call(self, x):
            return self.conv(x)

    model = Subclassed()
    model(np.zeros((1, 8, 8, 3), np.float32))
    with pytest.raises(ValueError, match="is a subclassed model .Subclassed.*rebuild it as a "
                                         "keras.Sequential or functional model"):
        feature_maps(model, np.zeros((8, 8, 3)), 0)
    with pytest.raises(ValueError, match="subclassed model"):
        feature_extractor(model)


def test_feature_maps_refuses_a_model_with_two_inputs():
    import keras

    a, b = keras.Input((8, 8, 3)), keras.Input((8, 8, 3))
    model = keras.Model([a, b], keras.layers.Add()([a, b]))
    with pytest.raises(ValueError, match="one input .images., this one has 2"):
        feature_maps(model, np.zeros((8, 8, 3)), 0)
