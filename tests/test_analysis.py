"""Tests of cnnlesson.analysis (and the arithmetic it re-exports) against hand-computed numbers
and against Keras itself."""

from __future__ import annotations

import keras
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlesson.analysis import (
    GREY_WEIGHTS,
    ReceptiveField,
    apply_conv2d,
    best_conv_fit,
    check_decomposition,
    compose_kernels,
    conv2d_layer_with_weights,
    conv2d_params,
    conv3d_params,
    conv_forward_flops,
    conv_output_size,
    decompose_feature_map,
    dense_forward_flops,
    dense_params,
    forward_flops_per_image,
    layer_costs,
    layer_forward_flops,
    mix_channels_1x1,
    parameter_table,
    pool_output_size,
    receptive_field,
    stacked_vs_single_check,
    total_parameters,
    training_flops_per_image,
)

# Building Keras layers costs milliseconds each; a few dozen examples cover the formulas.
FEW = settings(max_examples=25, deadline=None)


def lesson_model():
    # Fresh name counters, so the layers get the names the lesson's summary prints.
    keras.utils.clear_session()
    max_norm = keras.constraints.MaxNorm(3)
    return keras.Sequential([
        keras.Input((32, 32, 3)),
        keras.layers.Conv2D(32, 3, padding="same", activation="relu", kernel_constraint=max_norm),
        keras.layers.Dropout(0.3),
        keras.layers.Conv2D(32, 3, padding="same", activation="relu", kernel_constraint=max_norm),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(512, activation="relu", kernel_constraint=max_norm),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(10, activation="sigmoid"),
    ])


@pytest.fixture(scope="module")
def lesson():
    return lesson_model()


def rng(seed=0):
    return np.random.default_rng(seed)


# --- parameter counts -------------------------------------------------------------------

def test_lesson_parameter_table(lesson):
    rows = parameter_table(lesson)
    assert [r.name for r in rows] == ["conv2d", "dropout", "conv2d_1", "max_pooling2d",
                                      "flatten", "dense", "dropout_1", "dense_1"]
    # 3*3*3*32 + 32; 3*3*32*32 + 32; 16*16*32*512 + 512; 512*10 + 10.
    assert [r.formula for r in rows] == [896, 0, 9248, 0, 0, 4_194_816, 0, 5130]
    assert [r.keras for r in rows] == [r.formula for r in rows]
    assert [r.output_shape for r in rows] == [
        (None, 32, 32, 32), (None, 32, 32, 32), (None, 32, 32, 32), (None, 16, 16, 32),
        (None, 8192), (None, 512), (None, 512), (None, 10)]
    assert rows[0].kind == "Conv2D" and rows[4].kind == "Flatten"
    assert total_parameters(lesson) == 4_210_090 == lesson.count_params()


def test_stacked_3x3_has_fewer_weights_than_one_5x5():
    c = 64
    assert 2 * conv2d_params(3, c, c, use_bias=False) == 2 * 9 * c * c
    assert conv2d_params(5, c, c, use_bias=False) == 25 * c * c


@FEW
@given(kh=st.integers(1, 5), kw=st.integers(1, 5), cin=st.integers(1, 8),
       filters=st.integers(1, 8), use_bias=st.booleans())
def test_conv2d_params_match_keras(kh, kw, cin, filters, use_bias):
    layer = keras.layers.Conv2D(filters, (kh, kw), use_bias=use_bias)
    layer.build((None, 9, 9, cin))
    assert conv2d_params((kh, kw), cin, filters, use_bias) == layer.count_params()


@FEW
@given(k=st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)),
       cin=st.integers(1, 4), filters=st.integers(1, 6), use_bias=st.booleans())
def test_conv3d_params_match_keras(k, cin, filters, use_bias):
    layer = keras.layers.Conv3D(filters, k, use_bias=use_bias)
    layer.build((None, 5, 5, 5, cin))
    assert conv3d_params(k, cin, filters, use_bias) == layer.count_params()


@FEW
@given(n=st.integers(1, 300), units=st.integers(1, 50), use_bias=st.booleans())
def test_dense_params_match_keras(n, units, use_bias):
    layer = keras.layers.Dense(units, use_bias=use_bias)
    layer.build((None, n))
    assert dense_params(n, units, use_bias) == layer.count_params()


def test_conv2d_vs_conv3d_counts():
    # Same 3x3 window: Conv2D spans the 3 colour channels; Conv3D adds a 3-deep window that
    # slides along depth, so each kernel has 3x the weights per input channel.
    assert conv2d_params(3, 3, 32) == 896
    assert conv3d_params(3, 3, 32) == 27 * 3 * 32 + 32 == 2624
    assert conv3d_params((1, 3, 3), 3, 32) == conv2d_params(3, 3, 32)


def test_parameter_table_conv3d_grouped_and_batchnorm():
    model = keras.Sequential([
        keras.Input((6, 8, 8, 2)),
        keras.layers.Conv3D(4, (3, 3, 3), padding="same"),
        keras.layers.Reshape((6 * 8, 8, 4)),
        keras.layers.Conv2D(8, 3, groups=2, use_bias=False),
        keras.layers.BatchNormalization(),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(3),
    ])
    assert [r.formula for r in parameter_table(model)] == [
        27 * 2 * 4 + 4, 0, 9 * 2 * 8, 4 * 8, 0, 8 * 3 + 3]


def test_parameter_table_errors():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    model.layers[0].count_params = lambda: 1
    with pytest.raises(ValueError, match="formula gives 15 parameters but Keras reports 1"):
        parameter_table(model)
    unknown = keras.Sequential([keras.Input((4,)), keras.layers.LayerNormalization()])
    with pytest.raises(ValueError, match="no parameter formula .* expected Conv2D"):
        parameter_table(unknown)
    depthwise = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.DepthwiseConv2D(3)])
    with pytest.raises(ValueError, match="no FLOP formula"):
        layer_forward_flops(depthwise.layers[0])
    assert layer_forward_flops(unknown.layers[0]) == 0  # per-element work counts none
    with pytest.raises(ValueError, match="keras.Input"):
        parameter_table(keras.Sequential([keras.layers.Dense(4)]))


def test_batch_normalization_along_another_axis_counts_that_axis():
    model = keras.Sequential([keras.Input((3, 8, 8)), keras.layers.BatchNormalization(axis=1),
                              keras.layers.BatchNormalization(axis=2, center=False)])
    rows = parameter_table(model)
    assert [r.formula for r in rows] == [r.keras for r in rows] == [3 * 4, 8 * 3]


def nested_models():
    """The same network three ways: flat, with a nested Sequential, with a nested functional
    model."""
    def convs():
        return [keras.layers.Conv2D(4, 3), keras.layers.BatchNormalization(),
                keras.layers.Conv2D(2, 3, groups=2)]

    flat = keras.Sequential([keras.Input((12, 12, 3)), *convs(), keras.layers.Flatten(),
                             keras.layers.Dense(5)])
    in_sequential = keras.Sequential([keras.Input((12, 12, 3)), keras.Sequential(convs()),
                                      keras.layers.Flatten(), keras.layers.Dense(5)])
    inner_input = keras.Input((12, 12, 3))
    inner = inner_input
    for layer in convs():
        inner = layer(inner)
    inputs = keras.Input((12, 12, 3))
    hidden = keras.Model(inner_input, inner)(inputs)
    in_functional = keras.Model(inputs, keras.layers.Dense(5)(keras.layers.Flatten()(hidden)))
    return flat, in_sequential, in_functional


def test_nested_models_are_counted_layer_by_layer():
    flat, *nested = nested_models()
    expected = [(r.kind, r.output_shape, r.formula) for r in parameter_table(flat)]
    for model in nested:
        rows = parameter_table(model)
        assert [(r.kind, r.output_shape, r.formula) for r in rows] == expected
        assert total_parameters(model) == model.count_params() == flat.count_params()
        assert forward_flops_per_image(model) == forward_flops_per_image(flat)
        assert training_flops_per_image(model) == training_flops_per_image(flat)
        assert [c.forward_flops for c in layer_costs(model)] == [
            c.forward_flops for c in layer_costs(flat)]


def test_a_layer_applied_twice_has_its_parameters_once_and_its_flops_twice():
    conv = keras.layers.Conv2D(3, 3, padding="same", name="twice")
    model = keras.Sequential([keras.Input((8, 8, 3)), conv, conv])
    assert [r.name for r in parameter_table(model)] == ["twice"]
    assert total_parameters(model) == model.count_params() == 84
    costs = layer_costs(model)
    assert [(c.name, c.parameters) for c in costs] == [("twice", 84), ("twice", 0)]
    assert sum(c.parameters for c in costs) == model.count_params()
    assert forward_flops_per_image(model) == 2 * layer_forward_flops(conv)


def test_an_int_kernel_is_square_over_every_output_axis():
    assert conv_forward_flops((32, 32), 3, 3, 32) == conv_forward_flops((32, 32), (3, 3), 3, 32)
    assert conv_forward_flops(8, (3, 3), 1, 1) == conv_forward_flops((8, 8), (3, 3), 1, 1)
    assert conv_forward_flops(5, 3, 1, 1) == 2 * 5 * 3


# --- FLOPs -----------------------------------------------------------------------------

def test_lesson_flops(lesson):
    conv2d = 2 * 32 * 32 * 3 * 3 * 3 * 32
    conv2d_1 = 2 * 32 * 32 * 3 * 3 * 32 * 32
    dense, dense_1 = 2 * 8192 * 512, 2 * 512 * 10
    assert [layer_forward_flops(layer) for layer in lesson.layers] == [
        conv2d, 0, conv2d_1, 0, 0, dense, 0, dense_1]
    forward = conv2d + conv2d_1 + dense + dense_1
    assert forward_flops_per_image(lesson) == forward == 29_042_688
    assert training_flops_per_image(lesson) == 3 * forward - conv2d == 85_358_592
    assert training_flops_per_image(lesson, first_layer_input_gradient=True) == 3 * forward


def test_flops_of_dense_on_a_sequence_and_conv3d():
    model = keras.Sequential([keras.Input((5, 7)), keras.layers.Dense(4)])
    assert layer_forward_flops(model.layers[0]) == 2 * 5 * 7 * 4
    model = keras.Sequential([keras.Input((4, 6, 6, 2)), keras.layers.Conv3D(3, 3)])
    assert layer_forward_flops(model.layers[0]) == 2 * (2 * 4 * 4) * 27 * 2 * 3
    assert conv_forward_flops(5, 3, 1, 1) == 30 and dense_forward_flops(3, 2, 4) == 48


# --- output sizes and receptive fields ---------------------------------------------------

@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("n", [5, 8, 32])
@pytest.mark.parametrize("k", [1, 2, 3, 5])
def test_output_size_matches_keras(padding, stride, n, k):
    x = np.zeros((1, n, n, 1), dtype="float32")
    kernel = np.zeros((k, k, 1, 1), dtype="float32")
    got = keras.ops.conv(x, kernel, strides=stride, padding=padding).shape[1]
    assert conv_output_size(n, k, stride, padding) == got
    pooled = keras.ops.max_pool(x, k, stride, padding).shape[1]
    assert pool_output_size(n, k, stride, padding) == pooled


@FEW
@given(n=st.integers(7, 20), k=st.integers(1, 3), dilation=st.integers(1, 3),
       padding=st.sampled_from(["valid", "same"]))
def test_dilated_output_size_matches_keras(n, k, dilation, padding):
    x = np.zeros((1, n, n, 1), dtype="float32")
    kernel = np.zeros((k, k, 1, 1), dtype="float32")
    got = keras.ops.conv(x, kernel, padding=padding, dilation_rate=dilation).shape[1]
    assert conv_output_size(n, k, 1, padding, dilation) == got


def test_output_size_hand_values():
    assert conv_output_size(32, 3, padding="same") == 32
    assert conv_output_size(32, 3) == 30
    assert conv_output_size(32, 3, dilation=2) == 28
    assert conv_output_size(7, 3, 2, "same") == 4 and conv_output_size(7, 3, 2) == 3
    assert pool_output_size(32) == 16 and pool_output_size(5) == 2


def test_receptive_field_hand_values(lesson):
    assert receptive_field([(3, 1), (3, 1)]) == ReceptiveField(5, 1)
    assert receptive_field([3, 3, 3]).size == 7
    assert receptive_field([(3, 1), (3, 1), (2, 2)]) == (6, 2)
    assert receptive_field([(2, 2), (3, 1)]) == (6, 2)  # after pooling each step is 2 pixels
    assert receptive_field([(3, 1, 2), (3, 1, 4)]).size == 1 + 4 + 8
    assert receptive_field(lesson) == (6, 2)
    assert receptive_field(lesson.layers) == (6, 2)
    assert receptive_field([]) == (1, 1)


def test_receptive_field_matches_impulse_response():
    # With positive kernels, a single bright pixel lights up exactly the field's width.
    image = np.zeros((21, 21, 1))
    image[10, 10] = 1.0
    out = image
    for k in (3, 5, 3):
        out = apply_conv2d(out, np.ones((k, k, 1, 1)), padding="same")
    assert int((out[10, :, 0] > 0).sum()) == receptive_field([3, 5, 3]).size == 9


# --- the reference convolution and composed kernels -----------------------------------------

@pytest.mark.parametrize(("kh", "kw", "stride", "padding"), [
    (3, 3, 1, "same"), (3, 3, 1, "valid"), (2, 4, 1, "same"), (3, 3, 2, "same"),
    (4, 2, 3, "same"), (5, 3, 2, "valid"), (1, 1, 1, "valid")])
def test_apply_conv2d_matches_keras(kh, kw, stride, padding):
    r = rng(1)
    x = r.normal(size=(2, 9, 10, 3)).astype("float32")
    k = r.normal(size=(kh, kw, 3, 4)).astype("float32")
    b = r.normal(size=4).astype("float32")
    expected = keras.ops.convert_to_numpy(
        keras.ops.conv(x, k, strides=stride, padding=padding)) + b
    got = apply_conv2d(x, k, b, padding, stride)
    assert got.shape == expected.shape
    assert np.abs(got - expected).max() < 1e-4
    assert apply_conv2d(x[0], k, b, padding, stride).shape == expected.shape[1:]


def test_composed_kernel_equals_two_keras_layers():
    r = rng(2)
    k1, k2 = r.normal(size=(3, 3, 3, 6)) / 3, r.normal(size=(3, 3, 6, 4)) / 5
    b1, b2 = r.normal(size=6), r.normal(size=4)
    x = r.random((2, 12, 12, 3)).astype("float32")
    first = conv2d_layer_with_weights(k1, b1)
    second = conv2d_layer_with_weights(k2, b2)
    stacked = keras.ops.convert_to_numpy(second(first(x)))
    kernel, bias = compose_kernels(k1, k2, b1, b2)
    assert kernel.shape == (5, 5, 3, 4) and bias.shape == (4,)
    single = keras.ops.convert_to_numpy(conv2d_layer_with_weights(kernel, bias)(x))
    assert stacked.shape == single.shape == (2, 8, 8, 4)
    assert np.abs(stacked - single).max() < 1e-5


def test_composition_with_same_padding_holds_only_inside():
    r = rng(3)
    k1, k2 = r.normal(size=(3, 3, 2, 3)), r.normal(size=(3, 3, 3, 2))
    x = r.normal(size=(10, 10, 2))
    stacked = apply_conv2d(apply_conv2d(x, k1, padding="same"), k2, padding="same")
    kernel, _ = compose_kernels(k1, k2)
    single = apply_conv2d(x, kernel, padding="same")
    assert np.abs(stacked - single)[1:-1, 1:-1].max() < 1e-10
    assert np.abs(stacked - single)[0].max() > 1e-3


def test_composition_of_unequal_kernels_and_biases():
    r = rng(4)
    k1, k2 = r.normal(size=(2, 3, 1, 2)), r.normal(size=(4, 1, 2, 3))
    b1 = r.normal(size=2)
    x = r.normal(size=(8, 7, 1))
    kernel, bias = compose_kernels(k1, k2, b1=b1)
    assert kernel.shape == (5, 3, 1, 3)
    # The first bias is spread by every tap of the second kernel: sum over taps of b1 @ k2.
    assert np.allclose(bias, sum(b1 @ k2[a, 0] for a in range(4)))
    assert np.allclose(apply_conv2d(apply_conv2d(x, k1, b1), k2), apply_conv2d(x, kernel, bias))
    assert np.array_equal(compose_kernels(k1, k2)[1], np.zeros(3))


def test_composed_1x1_kernels_are_a_matrix_product():
    a, b = rng(5).normal(size=(1, 1, 3, 4)), rng(6).normal(size=(1, 1, 4, 2))
    assert np.allclose(compose_kernels(a, b)[0][0, 0], a[0, 0] @ b[0, 0])


def test_stacked_vs_single_numbers():
    check = stacked_vs_single_check()
    assert check.linear_max_abs_diff < 1e-5
    assert check.linear_fit_residual < 1e-6
    assert check.relu_fit_residual > 0.05
    assert all(isinstance(v, float) for v in check)
    assert stacked_vs_single_check(seed=1).relu_fit_residual > 0.05


def test_best_conv_fit_recovers_a_convolution_and_its_bias():
    x = rng(7).normal(size=(3, 12, 12, 2))
    kernel, bias = rng(8).normal(size=(5, 5, 2, 3)), np.array([0.5, -1.0, 2.0])
    fit = best_conv_fit(x, apply_conv2d(x, kernel, bias))
    assert np.allclose(fit.kernel, kernel) and np.allclose(fit.bias, bias)
    assert fit.residual < 1e-9
    # The fitted kernel, applied, gives the fit the residual measures.
    one_image = best_conv_fit(x[0], apply_conv2d(x[0], kernel, bias), size=5)
    assert np.allclose(apply_conv2d(x[0], one_image.kernel, one_image.bias),
                       apply_conv2d(x[0], kernel, bias))


def test_best_conv_fit_of_a_relu_stack_leaves_a_residual():
    x = rng(9).normal(size=(4, 12, 12, 3))
    k1, k2 = rng(10).normal(size=(3, 3, 3, 6)), rng(11).normal(size=(3, 3, 6, 2))
    relu = apply_conv2d(np.maximum(apply_conv2d(x, k1), 0.0), k2)
    linear = apply_conv2d(apply_conv2d(x, k1), k2)
    assert best_conv_fit(x, linear).residual < 1e-9
    assert 0.05 < best_conv_fit(x, relu).residual < 1.0


# --- feature maps as sums over channels ------------------------------------------------------

def test_decomposition_matches_keras_layer():
    keras.utils.set_random_seed(7)
    layer = keras.layers.Conv2D(32, 3, padding="same", activation="relu",
                                bias_initializer="random_normal")
    image = rng(7).random((32, 32, 3))
    for n in (0, 13, 31):
        assert check_decomposition(layer, image, n) < 1e-5
    kernel, bias = layer.get_weights()
    parts = decompose_feature_map(image, kernel, bias, 13)
    assert parts.channel_maps.shape == (3, 32, 32)
    assert parts.bias == pytest.approx(bias[13])
    full = apply_conv2d(image, kernel, bias, padding="same")[..., 13]
    assert np.abs(parts.pre_activation - full).max() < 1e-10
    assert np.allclose(parts.channel_maps.sum(axis=0) + parts.bias, parts.pre_activation)


def test_decomposition_valid_padding_no_bias_and_hand_value():
    layer = keras.layers.Conv2D(4, 3, use_bias=False, activation="tanh")
    assert check_decomposition(layer, rng(8).random((6, 7, 2)), 3) < 1e-5
    image = np.zeros((3, 3, 2))
    image[1, 1] = [1.0, 10.0]
    kernel = np.zeros((3, 3, 2, 1))
    kernel[1, 1, :, 0] = [2.0, 3.0]
    parts = decompose_feature_map(image, kernel, None, 0)
    # The centre tap picks up the centre pixel: 1*2 from channel 0, 10*3 from channel 1.
    assert parts.channel_maps[:, 1, 1].tolist() == [2.0, 30.0]
    assert parts.bias == 0.0 and parts.pre_activation[1, 1] == 32.0


# --- 1x1 convolutions --------------------------------------------------------------------

def test_grey_1x1_matches_keras():
    images = rng(9).random((2, 8, 8, 3)).astype("float32")
    layer = keras.layers.Conv2D(1, 1, use_bias=False)
    layer.build((None, None, None, 3))
    layer.set_weights([np.array(GREY_WEIGHTS, dtype="float32").reshape(1, 1, 3, 1)])
    expected = keras.ops.convert_to_numpy(layer(images))
    got = mix_channels_1x1(images, GREY_WEIGHTS)
    assert got.shape == expected.shape == (2, 8, 8, 1)
    assert np.abs(got - expected).max() < 1e-6
    white = np.ones((1, 1, 3))
    assert mix_channels_1x1(white, GREY_WEIGHTS)[0, 0, 0] == pytest.approx(1.0)


def test_1x1_sees_no_neighbours_and_mixes_to_many_channels():
    r = rng(10)
    images = r.random((5, 6, 3))
    w, b = r.normal(size=(3, 4)), r.normal(size=4)
    got = mix_channels_1x1(images, w, b)
    assert np.allclose(got, images @ w + b)
    assert np.allclose(got, apply_conv2d(images, w[None, None], b, padding="same"))
    assert conv2d_params(1, 3, 4) == 16


# --- bad input ----------------------------------------------------------------------------

@pytest.mark.parametrize(("call", "message"), [
    (lambda: conv2d_params(0, 3, 32), "kernel_size must be a positive integer"),
    (lambda: conv2d_params(3, 0, 32), "in_channels must be a positive integer"),
    (lambda: conv2d_params(3, 3, -1), "filters must be a positive integer"),
    (lambda: conv2d_params((3, 3, 3), 3, 32), "kernel_size must be an int or a 2-tuple"),
    (lambda: conv2d_params(3.5, 3, 32), "kernel_size must be a positive integer"),
    (lambda: conv2d_params(True, 3, 32), "kernel_size must be a positive integer"),
    (lambda: conv3d_params((3, 3), 3, 32), "kernel_size must be an int or a 3-tuple"),
    (lambda: dense_params(0, 10), "in_features must be a positive integer"),
    (lambda: dense_params(10, 0), "units must be a positive integer"),
    (lambda: conv_output_size(0, 3), "input_size must be a positive integer"),
    (lambda: conv_output_size(8, 0), "kernel_size must be a positive integer"),
    (lambda: conv_output_size(8, 3, stride=0), "stride must be a positive integer"),
    (lambda: conv_output_size(8, 3, dilation=0), "dilation must be a positive integer"),
    (lambda: conv_output_size(8, 3, padding="full"), "padding must be 'valid' or 'same'"),
    (lambda: conv_output_size(4, 5), r"the window \(5\) must not exceed the input \(4\)"),
    (lambda: conv_output_size(5, 3, dilation=3), r"the window \(7\)"),
    (lambda: pool_output_size(8, 2, 0), "stride must be a positive integer"),
    (lambda: receptive_field([(3, 1, 1, 1)]), r"expected \(kernel, stride\[, dilation\]\)"),
    (lambda: receptive_field([(0, 1)]), "kernel must be a positive integer"),
    (lambda: receptive_field([(3, 0)]), "stride must be a positive integer"),
    (lambda: conv_forward_flops((0, 4), 3, 1, 1), "output_size must be a positive integer"),
    (lambda: dense_forward_flops(4, 2, 0), "positions must be a positive integer"),
])
def test_arithmetic_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


K33 = np.ones((3, 3, 3, 2))


@pytest.mark.parametrize(("call", "message"), [
    (lambda: apply_conv2d(np.ones((4, 4)), K33), r"images must be \(height, width, channels\)"),
    (lambda: apply_conv2d(np.ones((4, 4, 3)), np.ones((3, 3, 3))), "Keras layout"),
    (lambda: apply_conv2d(np.ones((4, 4, 2)), K33), "2 channels but the kernel expects 3"),
    (lambda: apply_conv2d(np.ones((4, 4, 3)), K33, padding="full"), "padding must be"),
    (lambda: apply_conv2d(np.ones((4, 4, 3)), K33, stride=0), "stride must be"),
    (lambda: apply_conv2d(np.ones((4, 4, 3)), K33, bias=[1.0]), r"bias must have shape \(2,\)"),
    (lambda: apply_conv2d(np.ones((2, 2, 3)), K33), "must not exceed the input"),
    (lambda: compose_kernels(K33, K33), "k1 has 2 output channels but k2 expects 3"),
    (lambda: compose_kernels(K33[0], K33), "k1 must have the Keras layout"),
    (lambda: compose_kernels(K33, np.ones((3, 3, 2, 1)), b1=[1.0]), r"b1 must have shape"),
    (lambda: compose_kernels(K33, np.ones((3, 3, 2, 1)), b2=[1.0, 2.0]), r"b2 must have shape"),
    (lambda: conv2d_layer_with_weights(np.ones((3, 3))), "kernel must have the Keras layout"),
    (lambda: conv2d_layer_with_weights(K33, padding="causal"), "padding must be"),
    (lambda: stacked_vs_single_check(n_images=1, image_size=6), "more output pixels"),
    (lambda: best_conv_fit(np.ones((6, 6, 3)), np.ones((2, 2, 1))), "more output positions"),
    (lambda: best_conv_fit(np.ones((8, 8, 1)), np.ones((8, 8, 1))), r"target must have shape"),
    (lambda: best_conv_fit(np.ones((8, 8, 1)), np.ones((4, 4, 1)), size=0), "size must be"),
    (lambda: stacked_vs_single_check(image_size=4), "must not exceed the input"),
    (lambda: stacked_vs_single_check(mid_channels=0), "mid_channels must be a positive"),
    (lambda: decompose_feature_map(np.ones((1, 4, 4, 3)), K33, None, 0), "image must be"),
    (lambda: decompose_feature_map(np.ones((4, 4, 3)), K33, None, 2), r"n must be .*\[0, 2\)"),
    (lambda: decompose_feature_map(np.ones((4, 4, 3)), K33, None, -1), "n must be"),
    (lambda: decompose_feature_map(np.ones((4, 4, 3)), K33, None, 1.0), "n must be"),
    (lambda: decompose_feature_map(np.ones((4, 4, 1)), K33, None, 0), "1 channels but"),
    (lambda: decompose_feature_map(np.ones((4, 4, 3)), K33, [0.0], 0), "bias must have"),
    (lambda: check_decomposition(keras.layers.Dense(3), np.ones((4, 4, 3)), 0),
     "expected a keras Conv2D layer, got Dense"),
    (lambda: check_decomposition(keras.layers.Conv2D(2, 3, strides=2), np.ones((4, 4, 3)), 0),
     "stride 1"),
    (lambda: check_decomposition(keras.layers.Conv2D(2, 3), np.ones((4, 4)), 0), "image must"),
    (lambda: mix_channels_1x1(np.ones((4, 4, 3)), [0.5, 0.5]), r"weights must be \(3,\)"),
    (lambda: mix_channels_1x1(np.ones((4, 4, 3)), np.ones((3, 1, 1))), "weights must be"),
    (lambda: mix_channels_1x1(np.ones((4, 3)), GREY_WEIGHTS), "images must be"),
    (lambda: mix_channels_1x1(np.ones((4, 4, 3)), GREY_WEIGHTS, [0.0, 1.0]), "bias must"),
])
def test_analysis_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_receptive_field_refuses_a_branching_model():
    import keras

    resnet = keras.applications.ResNet50(weights=None, include_top=False)
    with pytest.raises(ValueError, match="single chain.*branches at layer 'pool1_pool'"):
        receptive_field(resnet)


def test_receptive_field_refuses_a_merge():
    import keras

    inputs = keras.Input((16, 16, 3))
    a = keras.layers.Conv2D(2, 3, padding="same", name="a")(inputs)
    b = keras.layers.Conv2D(2, 5, padding="same", name="b")(inputs)
    merged = keras.layers.Concatenate(name="join")([a, b])
    with pytest.raises(ValueError, match="single chain"):
        receptive_field(keras.Model(inputs, merged))
    with pytest.raises(ValueError, match="merges branches at layer 'join'"):
        receptive_field([keras.Model(inputs, merged)])


def test_receptive_field_follows_a_nested_sequential():
    import keras

    inner = keras.Sequential([keras.layers.Conv2D(2, 3)], name="inner")
    outer = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Conv2D(2, 3), inner])
    assert receptive_field(outer) == (5, 1)


@pytest.mark.parametrize("pooling", ["GlobalAveragePooling2D", "GlobalMaxPooling2D"])
def test_global_pooling_makes_the_field_the_whole_input(pooling):
    import keras

    model = keras.Sequential([keras.Input((24, 20, 3)), keras.layers.Conv2D(2, 3),
                              getattr(keras.layers, pooling)(), keras.layers.Dense(4)])
    assert receptive_field(model).size == 24
    with pytest.raises(ValueError, match="whole input, whose size is unknown"):
        receptive_field(model.layers)


@pytest.mark.parametrize("make", [
    lambda keras: keras.layers.UpSampling2D(name="odd"),
    lambda keras: keras.layers.Conv2DTranspose(2, 3, strides=2, name="odd"),
    lambda keras: keras.layers.Reshape((32, 96), name="odd"),
])
def test_receptive_field_refuses_layers_it_does_not_know(make):
    import keras

    model = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Conv2D(3, 3,
                                                                            padding="same"),
                              make(keras)])
    with pytest.raises(ValueError, match="does not know how layer 'odd'"):
        receptive_field(model)


def test_receptive_field_of_the_lesson_variants_is_unchanged():
    from cnnlesson import build_lesson_model

    assert receptive_field(build_lesson_model(compile=False)) == (6, 2)
    assert receptive_field(build_lesson_model(conv_kernel_sizes=(3,), compile=False)) == (4, 2)
    assert receptive_field(build_lesson_model(compile=False).layers[:3]).size == 5


@pytest.mark.parametrize("shape", [(0, 3, 1, 1), (3, 0, 1, 1), (3, 3, 0, 1), (3, 3, 1, 0)])
def test_compose_kernels_refuses_an_empty_kernel(shape):
    with pytest.raises(ValueError, match="k1 must have at least one row, column and channel"):
        compose_kernels(np.zeros(shape), np.zeros((3, 3, 1, 1)))
