"""Output sizes of convolutions and poolings, and the receptive field of a stack of them.

Conventions follow Keras/TensorFlow ('valid' and 'same' padding) and
Dumoulin & Visin (2016). Keras layers are read by their attributes; Keras is not imported.
"""

from __future__ import annotations

from typing import NamedTuple

from cnnlesson._checks import _check_padding, positive_int
from cnnlesson.analysis._layer_kinds import GLOBAL_POOLING, POINTWISE, TRAINING_ONLY, WINDOWED


def conv_output_size(input_size, kernel_size, stride=1, padding="valid", dilation=1):
    """Length of one spatial axis after a convolution or pooling, as Keras computes it.

    ``'same'`` gives ``ceil(n / stride)`` whatever the kernel (TensorFlow pads as much as
    needed); ``'valid'`` gives ``floor((n - dilation * (k - 1) - 1) / stride) + 1``.

    Parameters
    ----------
    input_size, kernel_size, stride, dilation : int
        Positive integers along one axis.
    padding : {'valid', 'same'}

    Returns
    -------
    int

    Raises
    ------
    ValueError
        On non-positive sizes, an unknown padding, or a 'valid' window larger than the input.

    Examples
    --------
    >>> conv_output_size(32, 3, padding="same")
    32
    >>> conv_output_size(32, 3)
    30
    >>> conv_output_size(7, 3, stride=2, padding="same"), conv_output_size(7, 3, stride=2)
    (4, 3)
    """
    n = positive_int(input_size, "input_size")
    k = positive_int(kernel_size, "kernel_size")
    s = positive_int(stride, "stride")
    d = positive_int(dilation, "dilation")
    if _check_padding(padding) == "same":
        return -(-n // s)
    span = d * (k - 1) + 1
    if span > n:
        raise ValueError(
            f"with padding 'valid' the window ({span}) must not exceed the input ({n})"
        )
    return (n - span) // s + 1


def pool_output_size(input_size, pool_size=2, strides=None, padding="valid"):
    """Length of one spatial axis after pooling; ``strides`` defaults to ``pool_size`` as in Keras.

    Parameters
    ----------
    input_size, pool_size : int
    strides : int, optional
    padding : {'valid', 'same'}

    Returns
    -------
    int

    Examples
    --------
    >>> pool_output_size(32)       # MaxPooling2D() in the lesson
    16
    >>> pool_output_size(5, 2, padding="same")
    3
    """
    stride = pool_size if strides is None else strides
    return conv_output_size(input_size, pool_size, stride, padding)


class ReceptiveField(NamedTuple):
    """Receptive field of a stack along one axis."""

    size: int
    """Input pixels that influence one output pixel."""
    jump: int
    """Input pixels between two neighbouring output pixels (product of the strides)."""


def _is_keras_layer(item):
    return hasattr(item, "name") and hasattr(item, "weights")


def _single_chain(model):
    """Raise ValueError naming the first layer where ``model`` is not one chain of layers."""
    if not hasattr(model, "inputs"):
        return  # a list of layers: the caller says it is a chain
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ValueError(
            f"receptive_field follows a single chain of layers; model {model.name!r} has "
            f"{len(model.inputs)} inputs and {len(model.outputs)} outputs"
        )
    chain = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    inputs = {id(layer): layer.input if isinstance(layer.input, (list, tuple))
              else [layer.input] for layer in chain}
    consumers = {}
    for tensors in inputs.values():
        for tensor in tensors:
            consumers[id(tensor)] = consumers.get(id(tensor), 0) + 1
    for layer in chain:  # in order, so the message names the first place it branches
        if len(inputs[id(layer)]) != 1:
            raise ValueError(
                f"receptive_field follows a single chain of layers; model {model.name!r} "
                f"merges branches at layer {layer.name!r} ({len(inputs[id(layer)])} inputs)"
            )
        if consumers.get(id(layer.output), 0) > 1:
            raise ValueError(
                f"receptive_field follows a single chain of layers; model {model.name!r} "
                f"branches at layer {layer.name!r} (its output feeds "
                f"{consumers[id(layer.output)]} layers)"
            )


def _input_height(model):
    try:
        shape = tuple(model.inputs[0].shape)
    except (AttributeError, IndexError, TypeError, ValueError):
        return None  # a list of layers, or a model that has not been built
    return shape[1] if len(shape) > 2 else None


def _steps(layers, input_height):
    """Yield (kernel, stride, dilation) along the height axis, or ('global', None, None)."""
    _single_chain(layers)
    input_height = _input_height(layers) or input_height
    for layer in getattr(layers, "layers", layers):
        if isinstance(layer, (tuple, list)):
            if not 1 <= len(layer) <= 3:
                raise ValueError(f"expected (kernel, stride[, dilation]), got {layer!r}")
            yield (*layer, 1, 1)[:3]
            continue
        if not _is_keras_layer(layer):
            yield layer, 1, 1
            continue
        kind = type(layer).__name__
        if hasattr(layer, "layers"):  # a nested model: follow its own chain
            yield from _steps(layer, input_height)
        elif kind in WINDOWED:
            window = layer.kernel_size if hasattr(layer, "kernel_size") else layer.pool_size
            yield window[0], layer.strides[0], getattr(layer, "dilation_rate", (1,))[0]
        elif kind in GLOBAL_POOLING:
            if input_height is None:
                raise ValueError(
                    f"layer {layer.name!r} ({kind}) makes the field the whole input, whose "
                    "size is unknown here; pass the Keras model rather than a list of layers"
                )
            yield "global", input_height, None
        elif kind not in POINTWISE | TRAINING_ONLY:
            raise ValueError(
                f"receptive_field does not know how layer {layer.name!r} ({kind}) changes "
                "the field; it follows convolutions, poolings and layers without a spatial "
                "window"
            )


def receptive_field(layers):
    """Receptive field and jump of a chain of convolutions and poolings, along one axis.

    Each layer widens the field by ``dilation * (kernel - 1)`` steps of the current jump,
    then multiplies the jump by its stride.  Layers without a spatial window (dropout,
    activations, normalisation, flatten, dense) leave the field unchanged, so a model's
    field is that of one position of its last feature map; global pooling makes it the
    whole input.

    Parameters
    ----------
    layers : iterable or keras.Model
        Items ``(kernel, stride)``, ``(kernel, stride, dilation)`` or a bare ``kernel``
        (stride 1); or a Keras model or list of layers, read along the height axis.
        Nested models are followed.

    Returns
    -------
    ReceptiveField
        ``(size, jump)``.

    Raises
    ------
    ValueError
        For a model that is not a single chain (it names the layer where it branches or
        merges), and for a layer whose effect on the field is not known here (for example
        ``UpSampling2D`` or ``Conv2DTranspose``): the answer would be wrong.

    Examples
    --------
    >>> receptive_field([(3, 1), (3, 1)])          # two stacked 3x3 convolutions
    ReceptiveField(size=5, jump=1)
    >>> receptive_field([3, 3, (2, 2)])            # conv, conv, 2x2 max-pooling
    ReceptiveField(size=6, jump=2)
    >>> receptive_field([(3, 1, 2)]).size          # a dilated 3x3 sees 5 pixels
    5
    >>> import keras
    >>> receptive_field([keras.layers.UpSampling2D(name="up")])
    Traceback (most recent call last):
    ValueError: receptive_field does not know how layer 'up' (UpSampling2D) changes the field; ...
    """
    size, jump = 1, 1
    for step in _steps(layers, None):
        if step[0] == "global":
            size = step[1]
            continue
        k = positive_int(step[0], "kernel")
        s = positive_int(step[1], "stride")
        d = positive_int(step[2], "dilation")
        size += d * (k - 1) * jump
        jump *= s
    return ReceptiveField(size, jump)


def last_conv_receptive_field(model):
    """Width in pixels of the input window that one output of the last convolution sees.

    :func:`receptive_field` along the layers up to and including the last ``Conv2D``.

    Raises
    ------
    ValueError
        When the model has no ``Conv2D`` layer.

    Examples
    --------
    >>> import cnnlesson
    >>> last_conv_receptive_field(cnnlesson.build_lesson_model(compile=False))
    5
    """
    kinds = [type(layer).__name__ for layer in model.layers]
    if "Conv2D" not in kinds:
        raise ValueError(f"model {model.name!r} has no Conv2D layer")
    last = len(kinds) - 1 - kinds[::-1].index("Conv2D")
    return receptive_field(model.layers[:last + 1]).size
