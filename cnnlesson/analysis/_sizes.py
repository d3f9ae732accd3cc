"""Output sizes of convolutions and poolings, and the receptive field of a stack of them.

Conventions follow Keras/TensorFlow ('valid' and 'same' padding) and
Dumoulin & Visin (2016). Keras models and layers are read in the order they are applied by
``cnnlesson.analysis._graph``; Keras is not imported.
"""

from __future__ import annotations

from typing import NamedTuple

from cnnlesson._checks import check_padding, positive_int
from cnnlesson.analysis._graph import field_steps


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
    if check_padding(padding) == "same":
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


def receptive_field(layers):
    """Receptive field and jump of a chain of convolutions and poolings, along one axis.

    Each layer widens the field by ``dilation * (kernel - 1)`` steps of the current jump,
    then multiplies the jump by its stride.  The size is the window's extent: a dilated
    kernel spans its holes.  Layers without a spatial window (dropout, activations,
    batch normalisation, flatten, dense) and layers that change the image only in training
    (augmentation) leave the field unchanged, so a model's field is that of one position
    of its last feature map when it predicts; global pooling makes it the whole input.

    Parameters
    ----------
    layers : iterable or keras.Model
        One of:

        - a ``keras.Sequential`` model: its ``layers``, the order Keras runs them in;
        - a functional model (``keras.Model(inputs, outputs)``): the chain of operations
          from its input to its output, read from each one's ``input`` and ``output``;
        - a list, read as a chain in the given order, each item counted once per
          appearance: ``(kernel, stride)``, ``(kernel, stride, dilation)``, a bare
          ``kernel`` (stride 1), a Keras layer or a model.  Layers that have been called
          in a model must follow one another there: each takes its input from the
          output of the layer before it in the list.

        Nested models are followed.  Keras layers are read along the height axis.

    Returns
    -------
    ReceptiveField
        ``(size, jump)``.

    Raises
    ------
    ValueError
        Where the answer would be a guess:

        - a subclassed model, whose ``call`` order Keras does not expose;
        - a functional model that branches, merges or applies a layer more than once
          (Keras shows only a layer's first call; a ``keras.Sequential`` may list a layer
          twice), or that applies a functional model as a layer; the message names the
          place;
        - a list whose called layers do not follow one another in their model;
        - a layer whose effect on the field is not known here (for example
          ``UpSampling2D``, ``Conv2DTranspose``, ``GroupNormalization``), one that acts
          along a spatial axis, or a ``channels_first`` layer.

    Examples
    --------
    >>> receptive_field([(3, 1), (3, 1)])          # two stacked 3x3 convolutions
    ReceptiveField(size=5, jump=1)
    >>> receptive_field([3, 3, (2, 2)])            # conv, conv, 2x2 max-pooling
    ReceptiveField(size=6, jump=2)
    >>> receptive_field([(3, 1, 2)]).size          # a dilated 3x3 spans 5 pixels
    5
    >>> import keras
    >>> receptive_field([keras.layers.UpSampling2D(name="up")])
    Traceback (most recent call last):
    ValueError: receptive_field does not know how layer 'up' (UpSampling2D) changes the field; ...

    A layer applied twice counts twice in a ``keras.Sequential`` model; in a functional
    model Keras does not show the second call, so the model is refused:

    >>> conv = keras.layers.Conv2D(1, 3, name="conv")
    >>> receptive_field(keras.Sequential([keras.Input((9, 9, 1)), conv, conv]))
    ReceptiveField(size=5, jump=1)
    >>> image = keras.Input((9, 9, 1))
    >>> twice = keras.layers.Conv2D(1, 3, name="twice")
    >>> receptive_field(keras.Model(image, twice(twice(image)), name="shared"))
    Traceback (most recent call last):
    ValueError: model 'shared' applies a layer more than once (its output is the output of ...
    """
    size, jump = 1, 1
    for step in field_steps(layers):
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
