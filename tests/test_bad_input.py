"""The analysis helpers, the feature-map extractor and scale_images given the wrong kind of
input, as a new user might: each refuses with one ValueError line that names the argument
and what to pass instead, never a library's error from deep inside, never a number."""

from __future__ import annotations

import keras
import numpy as np
import pytest

from cnnlesson import analysis

L = keras.layers


def refusal(call, message):
    """The ValueError that ``call`` raises: one line, matching ``message``."""
    with pytest.raises(ValueError, match=message) as caught:
        call()
    assert type(caught.value) is ValueError
    assert "\n" not in str(caught.value)
    return str(caught.value)


RECEPTIVE_FIELD = {
    "an int": (lambda: analysis.receptive_field(3),
               r"layers must be a keras.Sequential .* got int 3; pass a single step in a "
               r"list, such as \[3\]"),
    "None": (lambda: analysis.receptive_field(None), "layers must be .* got None"),
    "a string": (lambda: analysis.receptive_field("conv"), "layers must be .* got str 'conv'"),
    "a dict": (lambda: analysis.receptive_field({3: 1}), "layers must be .* got dict"),
    "a layer": (lambda: analysis.receptive_field(L.Conv2D(1, 3, name="c")),
                r"got the single layer 'c' \(Conv2D\); pass it in a list: \[layer\]"),
    "a None item": (lambda: analysis.receptive_field([3, None]),
                    "each item of layers must be a kernel size, .* got None"),
    "a string item": (lambda: analysis.receptive_field(["3"]),
                      "each item of layers must be .* got str '3'"),
}


@pytest.mark.parametrize("case", RECEPTIVE_FIELD)
def test_receptive_field_refuses_what_is_not_a_model_or_a_list(case):
    refusal(*RECEPTIVE_FIELD[case])


def test_receptive_field_reads_a_numpy_pair_as_a_step():
    assert analysis.receptive_field([np.array([3, 2]), np.int64(3)]) == (7, 2)


def test_last_conv_receptive_field_refuses_what_is_not_a_model():
    for wrong in (None, "model", [3, 3]):
        refusal(lambda wrong=wrong: analysis.last_conv_receptive_field(wrong),
                "model must be a keras.Sequential or functional model, got (None|str "
                "'model'|list \\[3, 3\\]); for a list "
                "of layers use receptive_field")


def test_global_pooling_over_an_input_of_unfixed_size_is_refused():
    model = keras.Sequential([keras.Input((None, None, 3)), L.Conv2D(1, 3),
                              L.GlobalMaxPooling2D(name="gmp")])
    refusal(lambda: analysis.receptive_field(model),
            r"layer 'gmp' \(GlobalMaxPooling2D\) makes the field the whole input, whose "
            "height is not fixed .*; give keras.Input a fixed size")


def subclassed():
    class Subclassed(keras.Model):
        def __init__(self):
            super().__init__(name="sub")
            self.conv = L.Conv2D(2, 3)

        def call(self, inputs):
            return self.conv(inputs)

    model = Subclassed()
    model(np.zeros((1, 8, 8, 3), "float32"))
    return model


MODEL_READERS = [analysis.parameter_table, analysis.total_parameters, analysis.layer_costs,
                 analysis.forward_flops_per_image, analysis.training_flops_per_image]


@pytest.mark.parametrize("reader", MODEL_READERS, ids=lambda f: f.__name__)
def test_model_readers_refuse_what_they_cannot_read(reader):
    for wrong in (None, "model", [L.Dense(2)], L.Dense(2)):
        refusal(lambda wrong=wrong: reader(wrong),
                "model must be a keras.Sequential or functional model, got ")
    refusal(lambda: reader(subclassed()), r"model 'sub' is a subclassed model \(Subclassed\)"
            r".*; rebuild it as a keras.Sequential or functional model")
    refusal(lambda: reader(keras.Sequential([L.Dense(2)], name="unbuilt")),
            r"model 'unbuilt' has not been built.*keras.Input\(shape\)")
    inner = keras.Sequential([L.Dense(2)], name="inner")
    inner_sub = keras.Sequential([keras.Input((8, 8, 3)), subclassed()])
    refusal(lambda: reader(inner_sub), "model 'sub' is a subclassed model")
    assert reader(keras.Sequential([keras.Input((4,)), inner])) is not None


LAYER_READERS = [analysis.layer_forward_flops, analysis.layer_kind, analysis.is_learnable,
                 analysis.is_flop_free, analysis.is_training_only]


@pytest.mark.parametrize("reader", LAYER_READERS, ids=lambda f: f.__name__)
def test_layer_readers_refuse_what_is_not_a_layer(reader):
    for wrong in (None, "Dropout", 3):
        refusal(lambda wrong=wrong: reader(wrong), "layer must be a Keras layer, got ")


def test_layer_forward_flops_of_a_model_points_to_the_model_reader():
    model = keras.Sequential([keras.Input((4,)), L.Dense(2)], name="whole")
    refusal(lambda: analysis.layer_forward_flops(model),
            r"layer 'whole' is a model; pass one of its layers, or use "
            r"forward_flops_per_image\(model\)")


FLAGS_AND_SIZES = {
    "use_bias text": (lambda: analysis.conv2d_params(3, 3, 3, use_bias="no"),
                      "use_bias must be True or False, got str 'no'"),
    "use_bias None": (lambda: analysis.dense_params(3, 3, use_bias=None),
                      "use_bias must be True or False"),
    "conv3d use_bias": (lambda: analysis.conv3d_params(3, 3, 3, use_bias=1.0),
                        "use_bias must be True or False"),
    "first-layer flag": (lambda: analysis.training_flops_per_image(
        keras.Sequential([keras.Input((4,)), L.Dense(2)]), "no"),
        "first_layer_input_gradient must be True or False"),
    "no axes": (lambda: analysis.conv_forward_flops((), (), 1, 1),
                "output_size and kernel_size must have at least one axis"),
    "axes differ": (lambda: analysis.conv_forward_flops((32, 32), (3, 3, 3), 1, 1),
                    r"output_size has 2 axes but kernel_size 3; give both one size per "
                    "axis"),
}


@pytest.mark.parametrize("case", FLAGS_AND_SIZES)
def test_counts_refuse_flags_and_sizes_that_are_not_what_they_say(case):
    refusal(*FLAGS_AND_SIZES[case])


@pytest.fixture(scope="module")
def lesson_model():
    from cnnlesson import build_lesson_model

    return build_lesson_model(compile=False)


IMAGES = {
    "text": ("text", r"image must be an array of numbers, got str 'text'"),
    "None": (None, "image must be an array of numbers, got None"),
    "objects": (np.full((32, 32, 3), None), "image must be an array of numbers, got ndarray "
                                            r"of object, shape \(32, 32, 3\)"),
    "ragged": ([[0.0, 1.0], [0.0]], "image must be an array of numbers with one shape"),
    "complex": (np.zeros((32, 32, 3)) + 1j, "image must hold real numbers, got complex ones; "
                                            r"pass their real part \(x.real\)"),
    "NaN": (np.full((32, 32, 3), np.nan), "image must hold finite numbers, got 3072 NaN"),
    "infinite": (np.where(np.eye(32)[..., None], np.inf, 0.5) * np.ones(3),
                 "image must hold finite numbers, got 96 NaN or infinite value"),
}


@pytest.mark.parametrize("case", IMAGES)
def test_feature_maps_refuses_an_image_that_is_not_numbers(lesson_model, case):
    from cnnlesson import feature_maps

    image, message = IMAGES[case]
    refusal(lambda: feature_maps(lesson_model, image, 0), message)


def test_feature_maps_and_the_extractor_refuse_what_is_not_a_readable_model():
    from cnnlesson import feature_extractor, feature_maps

    image = np.zeros((8, 8, 3), "float32")
    for wrong in (None, "model", L.Conv2D(1, 3)):
        message = "model must be a keras.Sequential or functional model, got "
        refusal(lambda wrong=wrong: feature_maps(wrong, image, 0), message)
        refusal(lambda wrong=wrong: feature_extractor(wrong), message)
    unbuilt = keras.Sequential([L.Conv2D(1, 3)], name="unbuilt")
    refusal(lambda: feature_maps(unbuilt, image, 0), "model 'unbuilt' has not been built")

    class Reversed(keras.Sequential):
        def call(self, inputs):
            for layer in self.layers[::-1]:
                inputs = layer(inputs)
            return inputs

    backwards = Reversed([keras.Input((8, 8, 3)), L.Conv2D(2, 3), L.MaxPooling2D()])
    refusal(lambda: feature_extractor(backwards), r"is a subclassed model \(Reversed\)")


def test_feature_maps_of_a_layer_applied_twice_are_refused():
    from cnnlesson import feature_extractor, feature_maps

    twice = L.Conv2D(3, 3, padding="same", name="twice")
    model = keras.Sequential([keras.Input((8, 8, 3)), twice, L.ReLU(name="relu"), twice])
    image = np.random.default_rng(0).random((8, 8, 3))
    message = ("model .* applies layer 'twice' 2 times, and Keras keeps the output of its "
               "first call only; give each application a layer of its own")
    refusal(lambda: feature_maps(model, image, 2), message)
    refusal(lambda: feature_maps(model, image, "twice"), message)
    refusal(lambda: feature_extractor(model), message)
    assert feature_maps(model, image, "relu").shape == (8, 8, 3)


def test_feature_maps_says_where_a_nested_layer_is():
    from cnnlesson import feature_maps

    inner = keras.Sequential([L.Conv2D(2, 3, name="deep")], name="inner")
    model = keras.Sequential([keras.Input((8, 8, 3)), inner, L.Flatten()])
    refusal(lambda: feature_maps(model, np.zeros((8, 8, 3)), "deep"),
            "layer 'deep' is inside the nested model 'inner'; pass 'inner' for that "
            "model's output")


PIXELS = {
    "text": ("text", "images must be an array of numbers, got str 'text'"),
    "None": (None, "images must be an array of numbers, got None"),
    "complex": (np.array([1 + 1j]), "images must hold real numbers"),
    "NaN": (np.array([0.0, np.nan]), "images must hold finite numbers"),
    "too bright": (np.array([0, 300]), "images must hold pixel values from 0 to 255, got "
                                       "values from 0 to 300"),
    "negative": (np.array([-5.0, 12.0]), "images must hold pixel values from 0 to 255, got "
                                         r"values from -5.0 to 12.0"),
    "booleans": (np.array([True, False]), "images must hold pixel values from 0 to 255, got "
                                          "True/False"),
}


@pytest.mark.parametrize("case", PIXELS)
def test_scale_images_refuses_what_is_not_pixels(case):
    from cnnlesson import scale_images

    images, message = PIXELS[case]
    refusal(lambda: scale_images(images), message)


def test_scale_images_takes_every_pixel_value_in_any_numeric_type():
    from cnnlesson import scale_images

    for dtype in ("uint8", "int64", "float32", "float64"):
        assert scale_images(np.array([0, 255], dtype)).tolist() == [0.0, 1.0]
    assert scale_images([0, 51]).tolist() == pytest.approx([0.0, 0.2])
    assert scale_images(np.zeros((0, 32, 32, 3), "uint8")).shape == (0, 32, 32, 3)


K33 = np.ones((3, 3, 3, 2))
IMAGE = np.ones((6, 6, 3))

ARRAYS = {
    "apply_conv2d text": (lambda: analysis.apply_conv2d("img", K33),
                          "images must be an array of numbers, got str 'img'"),
    "apply_conv2d complex": (lambda: analysis.apply_conv2d(IMAGE * 1j, K33),
                             "images must hold real numbers"),
    "apply_conv2d NaN": (lambda: analysis.apply_conv2d(IMAGE * np.nan, K33),
                         "images must hold finite numbers"),
    "apply_conv2d ragged": (lambda: analysis.apply_conv2d([[1, 2], [3]], K33),
                            "images must be an array of numbers with one shape"),
    "apply_conv2d no rows": (lambda: analysis.apply_conv2d(np.ones((0, 4, 3)), K33),
                             r"images must have at least one row, column and channel, got "
                             r"shape \(0, 4, 3\)"),
    "apply_conv2d kernel": (lambda: analysis.apply_conv2d(IMAGE, "k"),
                            "kernel must be an array of numbers, got str 'k'"),
    "apply_conv2d bias": (lambda: analysis.apply_conv2d(IMAGE, K33, bias=[np.inf, 0]),
                          "bias must hold finite numbers"),
    "mix weights": (lambda: analysis.mix_channels_1x1(IMAGE, "grey"),
                    "weights must be an array of numbers, got str 'grey'"),
    "compose k2": (lambda: analysis.compose_kernels(K33, None),
                   "k2 must be an array of numbers, got None"),
    "compose b1": (lambda: analysis.compose_kernels(K33, np.ones((3, 3, 2, 1)), b1=[1j, 0]),
                   "b1 must hold real numbers"),
    "fit target": (lambda: analysis.best_conv_fit(np.ones((8, 8, 1)), "y"),
                   "target must be an array of numbers, got str 'y'"),
    "fit images": (lambda: analysis.best_conv_fit(np.full((8, 8, 1), np.nan), np.ones((4, 4, 1))),
                   "images must hold finite numbers"),
    "decompose image": (lambda: analysis.decompose_feature_map("x", K33, None, 0),
                        "image must be an array of numbers, got str 'x'"),
    "check image": (lambda: analysis.check_decomposition(L.Conv2D(2, 3), "img", 0),
                    "image must be an array of numbers, got str 'img'"),
    "check channels": (lambda: analysis.check_decomposition(
        keras.Sequential([keras.Input((6, 6, 2)), L.Conv2D(2, 3, name="c2")]).layers[0],
        IMAGE, 0), "image has 3 channels but layer 'c2' was built for 2"),
    "activation": (lambda: analysis.conv2d_layer_with_weights(K33, activation="nope"),
                   "activation must be the name of a Keras activation .* got 'nope'"),
    "image_size text": (lambda: analysis.stacked_vs_single_check(image_size="16"),
                        "image_size must be a positive integer, got '16'"),
    "seed text": (lambda: analysis.stacked_vs_single_check(seed="x"),
                  "seed must be a non-negative integer, got 'x'"),
    "area None": (lambda: analysis.effective_area(None),
                  "weights must be an array of numbers, got None"),
    "area empty": (lambda: analysis.effective_area([]),
                   "weights must hold at least one value"),
    "area NaN": (lambda: analysis.effective_area([[np.nan, 1.0]]),
                 "weights must hold finite numbers"),
    "area share text": (lambda: analysis.effective_area([[1.0]], "0.9"),
                        r"share must be a number in \(0, 1\], got '0.9'"),
    "likeness text": (lambda: analysis.map_likeness("m", IMAGE),
                      "maps must be an array of numbers, got str 'm'"),
    "likeness empty": (lambda: analysis.map_likeness(np.ones((0, 0, 2)), IMAGE),
                       r"maps must have at least one row, column and channel, got shape "
                       r"\(0, 0, 2\)"),
    "likeness no channel": (lambda: analysis.map_likeness(np.ones((6, 6, 0)), IMAGE),
                            "maps must have at least one row, column and channel"),
    "likeness image": (lambda: analysis.layer_likeness(np.ones((6, 6, 2)), "img"),
                       "image must be an array of numbers, got str 'img'"),
    "confusion None": (lambda: analysis.confusion_counts(None, None, 10),
                       "y_true must be an array of numbers, got None"),
    "confusion text": (lambda: analysis.confusion_counts([0], ["cat"], 10),
                       "y_pred must be an array of numbers, got list"),
    "most_confused negative": (lambda: analysis.most_confused([[-1, 2], [0, 1]]),
                               "counts must hold counts: whole numbers of at least 0"),
    "most_confused fractions": (lambda: analysis.most_confused([[0.5, 0.5], [0, 1]]),
                                "counts must hold counts"),
    "most_confused text": (lambda: analysis.most_confused("ab"),
                           "counts must be an array of numbers, got str 'ab'"),
}


@pytest.mark.parametrize("case", ARRAYS)
def test_numpy_helpers_refuse_what_is_not_finite_real_numbers(case):
    refusal(*ARRAYS[case])


EFFECTIVE = {
    "model None": (lambda m: analysis.effective_receptive_field(None, "c", np.ones((1, 9, 9, 1))),
                   "model must be a keras.Sequential or functional model, got None"),
    "layer None": (lambda m: analysis.effective_receptive_field(m, None, np.ones((1, 9, 9, 1))),
                   r"layer must be a layer's name \(str\) or a Keras layer, got None"),
    "layer int": (lambda m: analysis.effective_receptive_field(m, 0, np.ones((1, 9, 9, 1))),
                  "layer must be a layer's name .* got int 0"),
    "images text": (lambda m: analysis.effective_receptive_field(m, "c", "imgs"),
                    "images must be an array of numbers, got str 'imgs'"),
    "no images": (lambda m: analysis.effective_receptive_field(m, "c", np.ones((0, 9, 9, 1))),
                  "images must hold at least one image, got shape"),
    "NaN images": (lambda m: analysis.effective_receptive_field(
        m, "c", np.full((1, 9, 9, 1), np.nan)), "images must hold finite numbers"),
}


@pytest.mark.parametrize("case", EFFECTIVE)
def test_effective_receptive_field_refuses_wrong_arguments(case):
    model = keras.Sequential([keras.Input((9, 9, 1)), L.Conv2D(1, 3, name="c")])
    refusal(lambda: EFFECTIVE[case][0](model), EFFECTIVE[case][1])


def test_effective_receptive_field_refuses_a_window_it_cannot_read():
    inner = keras.Sequential([L.Conv2D(1, 3), L.Conv2D(1, 3)], name="inner")
    nested = keras.Sequential([keras.Input((12, 12, 1)), inner, L.Conv2D(1, 3, name="after")])
    refusal(lambda: analysis.effective_receptive_field(nested, "after", np.ones((1, 12, 12, 1))),
            "the window of layer 'after' runs through the nested model 'inner', whose "
            "layers it does not follow; give the layers to one keras.Sequential")
    upsampled = keras.Sequential([keras.Input((12, 12, 1)), L.Conv2D(1, 3),
                                  L.UpSampling2D(name="up"), L.Conv2D(1, 3, name="last")])
    refusal(lambda: analysis.effective_receptive_field(upsampled, "last",
                                                       np.ones((1, 12, 12, 1))),
            r"does not know how layer 'up' \(UpSampling2D\) changes the field")
