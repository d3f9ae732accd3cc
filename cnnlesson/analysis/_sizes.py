"""Output sizes of convolutions and poolings, and the receptive field of a stack of them.

Conventions follow Keras/TensorFlow ('valid' and 'same' padding) and
Dumoulin & Visin (2016). Keras layers are read by their attributes; Keras is not imported.
"""

from __future__ import annotations

from typing import NamedTuple

from cnnlesson._checks import _check_padding, positive_int


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


def _layer_geometry(layer):
    # Keras layers are read by duck typing so that this module never imports Keras.
    if isinstance(layer, (tuple, list)):
        if not 1 <= len(layer) <= 3:
            raise ValueError(f"expected (kernel, stride[, dilation]), got {layer!r}")
        return (*layer, 1, 1)[:3]
    if hasattr(layer, "kernel_size") and hasattr(layer, "strides"):
        return layer.kernel_size[0], layer.strides[0], getattr(layer, "dilation_rate", (1,))[0]
    if hasattr(layer, "pool_size"):
        return layer.pool_size[0], layer.strides[0], 1
    if hasattr(layer, "name") and hasattr(layer, "weights"):
        return None  # no spatial window (dropout, activation, flatten, ...): adds nothing
    return layer, 1, 1


def receptive_field(layers):
    """Receptive field and jump of a stack of convolutions and poolings, along one axis.

    Each layer widens the field by ``dilation * (kernel - 1)`` steps of the current jump,
    then multiplies the jump by its stride.

    Parameters
    ----------
    layers : iterable or keras.Model
        Items ``(kernel, stride)``, ``(kernel, stride, dilation)`` or a bare ``kernel``
        (stride 1); or a Keras model/list of layers, whose convolution and pooling layers are
        read along the height axis and whose other layers are skipped.

    Returns
    -------
    ReceptiveField
        ``(size, jump)``.

    Examples
    --------
    >>> receptive_field([(3, 1), (3, 1)])          # two stacked 3x3 convolutions
    ReceptiveField(size=5, jump=1)
    >>> receptive_field([3, 3, (2, 2)])            # conv, conv, 2x2 max-pooling
    ReceptiveField(size=6, jump=2)
    >>> receptive_field([(3, 1, 2)]).size          # a dilated 3x3 sees 5 pixels
    5
    """
    layers = getattr(layers, "layers", layers)
    size, jump = 1, 1
    for layer in layers:
        geometry = _layer_geometry(layer)
        if geometry is None:
            continue
        k = positive_int(geometry[0], "kernel")
        s = positive_int(geometry[1], "stride")
        d = positive_int(geometry[2], "dilation")
        size += d * (k - 1) * jump
        jump *= s
    return ReceptiveField(size, jump)
