"""receptive_field on Keras models: the number it gives is the one measured on the model, and
what Keras does not show (a subclassed model's call, a layer's second call) is refused."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from cnnlesson.analysis import receptive_field

ONES = {"kernel_initializer": "ones", "use_bias": False}


def measured_field(model, input_shape=None):
    """Rows of the input that change the central output when raised, and its neighbour's.

    With kernels of ones and no activation every output grows with each input pixel in its
    window (max pooling too, since the raised row becomes the maximum), so the rows that
    change an output are exactly the ones it depends on. Returns ``(span, jump)``: the
    extent from the first to the last such row, and how far the next output's first row
    is from it (None when the output has a single row). ``input_shape`` is the model's own,
    ``(height, width, channels)``, unless given.
    """
    height, width, channels = input_shape or model.inputs[0].shape[1:]
    image = np.random.default_rng(0).random((1, height, width, channels)).astype("float32")
    raised = np.repeat(image, height, axis=0)
    raised[np.arange(height), np.arange(height)] += 100.0  # image r has row r raised
    changed = ~np.isclose(np.asarray(model(raised)), np.asarray(model(image)), rtol=1e-5)
    if changed.ndim == 4:  # a map: follow the centre column, first channel
        changed = changed[:, :, changed.shape[2] // 2, 0]
    else:  # one unit per image after global pooling
        changed = changed[:, :1]
    centre = changed.shape[1] // 2
    rows = np.flatnonzero(changed[:, centre])
    jump = None
    if changed.shape[1] > 1:
        jump = int(np.flatnonzero(changed[:, centre + 1])[0] - rows[0])
    return int(rows[-1] - rows[0] + 1), jump


def functional(*layers, size=24, channels=1):
    inputs = keras.Input((size, size, channels))
    outputs = inputs
    for layer in layers:
        outputs = layer(outputs)
    return keras.Model(inputs, outputs)


CHAINS = {
    "two 3x3": lambda: functional(keras.layers.Conv2D(1, 3, **ONES),
                                  keras.layers.Conv2D(1, 3, **ONES)),
    "strided": lambda: functional(keras.layers.Conv2D(1, 3, strides=2, **ONES),
                                  keras.layers.Conv2D(1, 3, **ONES)),
    "conv pool conv": lambda: functional(keras.layers.Conv2D(1, 5, **ONES),
                                         keras.layers.MaxPooling2D(),
                                         keras.layers.Conv2D(1, 3, **ONES)),
    "dilated": lambda: functional(keras.layers.Conv2D(1, 3, dilation_rate=2, **ONES),
                                  keras.layers.Conv2D(1, 3, **ONES)),
    "same padding": lambda: functional(
        keras.layers.AveragePooling2D(3, strides=2, padding="same"),
        keras.layers.Conv2D(1, 3, padding="same", **ONES), keras.layers.Dropout(0.5)),
    "depthwise separable": lambda: functional(
        keras.layers.DepthwiseConv2D(3, depthwise_initializer="ones", use_bias=False),
        keras.layers.SeparableConv2D(1, 3, depthwise_initializer="ones",
                                     pointwise_initializer="ones", use_bias=False),
        channels=2),
    "nested sequential": lambda: functional(
        keras.layers.Conv2D(1, 3, **ONES),
        keras.Sequential([keras.layers.Conv2D(1, 3, **ONES), keras.layers.MaxPooling2D()])),
    "global pooling": lambda: functional(keras.layers.Conv2D(1, 3, **ONES),
                                         keras.layers.GlobalAveragePooling2D(), size=20),
}


@pytest.mark.parametrize("name", CHAINS)
def test_receptive_field_is_the_measured_one(name):
    model = CHAINS[name]()
    size, jump = measured_field(model)
    field = receptive_field(model)
    assert field.size == size
    assert jump is None or field.jump == jump


def subclassed_conv_of_pool():
    class ConvOfPool(keras.Model):
        def __init__(self):
            super().__init__(name="conv_of_pool")
            self.conv = keras.layers.Conv2D(1, 3, **ONES)  # declared first,
            self.pool = keras.layers.MaxPooling2D()        # applied first

        def call(self, inputs):
            return self.conv(self.pool(inputs))

    model = ConvOfPool()
    model(np.zeros((1, 16, 16, 1), "float32"))
    return model


def test_a_subclassed_model_is_refused_and_its_steps_in_call_order_give_the_truth():
    model = subclassed_conv_of_pool()
    with pytest.raises(ValueError, match="'conv_of_pool' is a subclassed model.*call order "
                                         "Keras does not expose; pass a keras.Sequential"):
        receptive_field(model)
    with pytest.raises(ValueError, match="subclassed model"):
        receptive_field(keras.Sequential([keras.Input((16, 16, 1)), model]))
    assert measured_field(model, (16, 16, 1)) == (6, 2)
    assert receptive_field([model.pool, model.conv]) == (6, 2)


def test_a_sequential_model_that_overrides_call_is_refused():
    class Reversed(keras.Sequential):
        def call(self, inputs):
            for layer in self.layers[::-1]:
                inputs = layer(inputs)
            return inputs

    with pytest.raises(ValueError, match="subclassed model \\(Reversed\\)"):
        receptive_field(Reversed([keras.layers.Conv2D(1, 3), keras.layers.MaxPooling2D()]))


def test_a_layer_applied_twice_in_a_functional_model_is_refused():
    conv = keras.layers.Conv2D(1, 3, name="shared", **ONES)
    model = functional(conv, conv)
    assert measured_field(model) == (5, 1)
    with pytest.raises(ValueError, match="applies a layer more than once \\(its output"):
        receptive_field(model)
    # The second call in the middle of the chain: the layer after it reads its output.
    first = keras.layers.Conv2D(1, 3, name="first")
    with pytest.raises(ValueError, match="the input of layer 'last' is the output of a "
                                         "layer's second call"):
        receptive_field(functional(first, keras.layers.Conv2D(1, 3), first,
                                   keras.layers.Conv2D(1, 3, name="last")))


def test_a_layer_listed_twice_in_a_sequential_model_counts_twice():
    conv = keras.layers.Conv2D(1, 3, **ONES)
    model = keras.Sequential([keras.Input((16, 16, 1)), conv, conv])
    assert receptive_field(model) == measured_field(model) == (5, 1)


def branched():
    inputs = keras.Input((16, 16, 1))
    stem = keras.layers.Conv2D(2, 3, name="stem")(inputs)
    left = keras.layers.Conv2D(2, 3, padding="same", name="left")(stem)
    right = keras.layers.Conv2D(2, 5, padding="same", name="right")(stem)
    return keras.Model(inputs, keras.layers.Concatenate(name="join")([left, right]))


def test_a_list_that_crosses_a_branch_is_refused():
    model = branched()
    stem, left, right = (model.get_layer(name) for name in ("stem", "left", "right"))
    with pytest.raises(ValueError, match="layer 'right' does not take its input from "
                                         "'left', the item before it"):
        receptive_field([stem, left, right])
    with pytest.raises(ValueError, match="layer 'right' does not take its input"):
        receptive_field(model.layers)
    assert receptive_field([stem, right]).size == 7  # one path through the model
    assert receptive_field(model.layers[:3]).size == 5


def test_a_list_that_leaves_out_a_layer_is_refused():
    from cnnlesson import build_lesson_model

    convs = [layer for layer in build_lesson_model(compile=False).layers
             if type(layer).__name__ == "Conv2D"]  # the dropout between them left out
    with pytest.raises(ValueError, match="does not take its input from 'conv2d'"):
        receptive_field(convs)


def test_an_operation_that_is_not_a_layer_is_read_and_refused():
    inputs = keras.Input((16, 16, 1))
    pooled = keras.ops.max_pool(keras.layers.Conv2D(1, 3)(inputs), 2, 2)
    with pytest.raises(ValueError, match="does not know how layer .*\\(MaxPool\\)"):
        receptive_field(keras.Model(inputs, pooled))


def test_a_functional_model_applied_inside_another_is_refused():
    inner_input = keras.Input((14, 14, 1))
    inner = keras.Model(inner_input, keras.layers.Conv2D(1, 3)(inner_input), name="inner")
    with pytest.raises(ValueError, match="applies the functional model 'inner' as a layer"):
        receptive_field(functional(keras.layers.Conv2D(1, 3), inner, size=16))
    assert receptive_field(keras.Sequential([keras.Input((16, 16, 1)),
                                             keras.layers.Conv2D(1, 3), inner])).size == 5


def test_global_pooling_in_a_nested_model_covers_the_outer_input():
    inner = keras.Sequential([keras.Input((18, 18, 1)), keras.layers.GlobalMaxPooling2D()])
    model = keras.Sequential([keras.Input((20, 20, 1)), keras.layers.Conv2D(1, 3, **ONES),
                              inner])
    assert receptive_field(model).size == measured_field(model)[0] == 20
    assert receptive_field([inner]).size == 18  # the list starts at the inner model


@pytest.mark.parametrize(("layer", "message"), [
    (keras.layers.GroupNormalization(1), "does not know how layer"),
    (keras.layers.LayerNormalization(axis=[1, 2, 3]), "acts along axis \\[1, 2, 3\\]"),
    (keras.layers.Softmax(axis=1), "acts along axis 1"),
    (keras.layers.MaxPooling2D(data_format="channels_first"), "channels_first"),
])
def test_layers_that_mix_positions_are_refused(layer, message):
    with pytest.raises(ValueError, match=message):
        receptive_field([keras.layers.Conv2D(1, 3), layer])


def test_layers_along_the_channel_axis_leave_the_field():
    assert receptive_field([3, keras.layers.LayerNormalization(),
                            keras.layers.UnitNormalization(), keras.layers.Softmax()]).size == 3


def impulse_extent(model, input_shape):
    """Along each spatial axis, how many outputs one bright input voxel at the centre reaches.

    With kernels of ones, 'same' padding and stride 1, that is the field along the axis.
    """
    volume = np.zeros((1, *input_shape), "float32")
    volume[(0, *(n // 2 for n in input_shape[:-1]), 0)] = 1.0
    lit = np.asarray(model(volume))[0, ..., 0] > 0
    return tuple(int(lit.any(axis=tuple(a for a in range(lit.ndim) if a != axis)).sum())
                 for axis in range(lit.ndim))


def test_a_3d_convolution_is_read_along_the_axis_asked():
    model = keras.Sequential([keras.Input((5, 11, 13, 1)),
                              keras.layers.Conv3D(1, (1, 5, 3), padding="same", **ONES)])
    depth, height, width = impulse_extent(model, (5, 11, 13, 1))
    assert (depth, height, width) == (1, 5, 3)
    assert receptive_field(model, axis="depth") == (depth, 1)
    assert receptive_field(model, axis="height") == (height, 1)
    assert receptive_field(model, axis="width") == (width, 1)
    assert receptive_field(model) == receptive_field(model, axis="height")


def test_strides_and_dilations_of_3d_layers_are_read_along_the_axis_asked():
    model = keras.Sequential([
        keras.Input((8, 16, 16, 1)),
        keras.layers.Conv3D(1, (1, 3, 5), strides=(1, 2, 1), dilation_rate=1),
        keras.layers.MaxPooling3D((2, 1, 3))])
    assert receptive_field(model, axis="depth") == (2, 2)
    assert receptive_field(model, axis="height") == (3, 2)
    assert receptive_field(model, axis="width") == (5 + 2, 3)


def test_3d_global_pooling_covers_the_input_along_the_axis_asked():
    model = keras.Sequential([keras.Input((4, 10, 12, 1)),
                              keras.layers.Conv3D(1, (1, 5, 5)),
                              keras.layers.GlobalAveragePooling3D()])
    assert [receptive_field(model, axis=a).size for a in ("depth", "height", "width")] == [
        4, 10, 12]


def test_a_2d_layer_is_read_along_height_or_width():
    model = functional(keras.layers.Conv2D(1, (3, 5), strides=(1, 2), **ONES))
    assert receptive_field(model, axis="height") == (3, 1)
    assert receptive_field(model, axis="width") == (5, 2)
    with pytest.raises(ValueError, match="axis='depth'.*2-D layer .* has the axes "
                                         "'height' and 'width'"):
        receptive_field(model, axis="depth")


def test_a_1d_layer_is_read_along_its_length():
    model = keras.Sequential([keras.Input((20, 2)), keras.layers.Conv1D(1, 5),
                              keras.layers.MaxPooling1D(2)])
    assert receptive_field(model, axis="length") == (6, 2)
    with pytest.raises(ValueError, match="1-D layer .* has the axis 'length'; pass "
                                         "axis='length'"):
        receptive_field(model)


@pytest.mark.parametrize("axis", ["rows", "Height", 1, None])
def test_an_unknown_axis_is_refused(axis):
    with pytest.raises(ValueError, match="axis must be 'height', 'width', 'depth' or "
                                         "'length'"):
        receptive_field([3], axis=axis)


def test_the_last_convolution_is_found_in_a_nested_sequential():
    from cnnlesson.analysis import last_conv_receptive_field

    model = keras.Sequential([
        keras.Input((24, 24, 1)), keras.layers.Conv2D(1, 3, **ONES),
        keras.Sequential([keras.layers.MaxPooling2D(), keras.layers.Conv2D(1, 5, **ONES)]),
        keras.layers.MaxPooling2D(), keras.layers.Flatten(), keras.layers.Dense(2)])
    up_to_last_conv = keras.Sequential([keras.Input((24, 24, 1)), *model.layers[:2]])
    assert last_conv_receptive_field(model) == measured_field(up_to_last_conv)[0] == 12


def test_last_conv_receptive_field_refuses_what_it_cannot_read():
    from cnnlesson.analysis import last_conv_receptive_field

    inner_input = keras.Input((14, 14, 1))
    inner = keras.Model(inner_input, keras.layers.Conv2D(1, 3)(inner_input), name="inner")
    with pytest.raises(ValueError, match="applies the functional model 'inner' as a layer.*"
                                         "a keras.Sequential may hold 'inner'"):
        last_conv_receptive_field(functional(keras.layers.Conv2D(1, 3), inner, size=16))
    with pytest.raises(ValueError, match="subclassed model"):
        last_conv_receptive_field(subclassed_conv_of_pool())
    with pytest.raises(ValueError, match="model 'dense_only' has no convolution.*receptive_"
                                         "field"):
        last_conv_receptive_field(keras.Sequential(
            [keras.Input((4,)), keras.layers.Dense(2)], name="dense_only"))


def test_the_last_convolution_of_a_3d_model_is_read_along_the_axis_asked():
    from cnnlesson.analysis import last_conv_receptive_field

    model = keras.Sequential([keras.Input((4, 10, 12, 1)), keras.layers.Conv3D(1, (1, 5, 3)),
                              keras.layers.GlobalAveragePooling3D()])
    assert last_conv_receptive_field(model, axis="depth") == 1
    assert last_conv_receptive_field(model) == 5
    assert last_conv_receptive_field(model, axis="width") == 3


def test_the_layers_after_the_last_convolution_do_not_matter():
    from cnnlesson.analysis import last_conv_receptive_field

    model = keras.Sequential([keras.Input((16, 16, 1)), keras.layers.Conv2D(1, 3),
                              keras.layers.Conv2D(1, 3), keras.layers.UpSampling2D(name="up")])
    with pytest.raises(ValueError, match="does not know how layer 'up'"):
        receptive_field(model)
    assert last_conv_receptive_field(model) == 5
