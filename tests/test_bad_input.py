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
                "model must be a keras.Sequential or functional model, got .*; for a list "
                "of layers use receptive_field")


def test_global_pooling_over_an_input_of_unfixed_size_is_refused():
    model = keras.Sequential([keras.Input((None, None, 3)), L.Conv2D(1, 3),
                              L.GlobalMaxPooling2D(name="gmp")])
    refusal(lambda: analysis.receptive_field(model),
            r"layer 'gmp' \(GlobalMaxPooling2D\) makes the field the whole input, whose "
            "height is not fixed .*; give keras.Input a fixed size")
