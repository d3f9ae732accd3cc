"""Output sizes of convolutions and poolings, and the receptive field of a stack of them.

Conventions follow Keras/TensorFlow ('valid' and 'same' padding) and
Dumoulin & Visin (2016). Keras models and layers are read in the order they are applied by
``cnnlesson.analysis._graph``; Keras is not imported.
"""

from __future__ import annotations

from typing import NamedTuple

from cnnlesson._checks import check_padding, described, positive_int
from cnnlesson.analysis._graph import layer_steps
from cnnlesson.analysis._layer_kinds import CONVOLUTION
from cnnlesson.analysis._models import is_model


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
    """Receptive field of a stack along one spatial axis."""

    size: int
    """Input pixels that influence one output pixel."""
    jump: int
    """Input pixels between two neighbouring output pixels (product of the strides)."""


def receptive_field(layers, axis="height"):
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

        Nested models are followed.
    axis : {'height', 'width', 'depth', 'length'}
        The spatial axis along which Keras layers are read (steps given as numbers apply
        to any axis).  A 2-D layer has a height and a width, a 3-D layer (``Conv3D``,
        ``MaxPooling3D``) a depth, a height and a width, in Keras's order, and a 1-D
        layer a length; global pooling covers the input's size along ``axis``.  A
        ``Conv3D`` with kernel ``(1, 5, 5)`` has a field of 1 along the depth and 5 along
        the height and the width.

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
          along a spatial axis, or a ``channels_first`` layer;
        - an ``axis`` that a layer lacks (``'depth'`` for a 2-D layer, anything but
          ``'length'`` for a 1-D one), or anything but a model or a list as ``layers``.

    Examples
    --------
    >>> receptive_field([(3, 1), (3, 1)])          # two stacked 3x3 convolutions
    ReceptiveField(size=5, jump=1)
    >>> receptive_field([3, 3, (2, 2)])            # conv, conv, 2x2 max-pooling
    ReceptiveField(size=6, jump=2)
    >>> receptive_field([(3, 1, 2)]).size          # a dilated 3x3 spans 5 pixels
    5
    >>> import keras
    >>> volume = keras.Sequential([keras.Input((4, 10, 10, 1)),
    ...                            keras.layers.Conv3D(1, (1, 5, 5))])
    >>> receptive_field(volume, axis="depth"), receptive_field(volume, axis="height")
    (ReceptiveField(size=1, jump=1), ReceptiveField(size=5, jump=1))
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
    for _, step in layer_steps(layers, axis):
        size, jump = _widened(size, jump, step)
    return ReceptiveField(size, jump)


def _widened(size, jump, step):
    """The field and jump after one more step of :func:`layer_steps`."""
    if step[0] == "global":
        return step[1], jump
    k = positive_int(step[0], "kernel")
    s = positive_int(step[1], "stride")
    d = positive_int(step[2], "dilation")
    return size + d * (k - 1) * jump, jump * s


def last_conv_receptive_field(model, axis="height"):
    """Width in pixels of the input window that one output of the last convolution sees.

    :func:`receptive_field` along the layers up to and including the last convolution
    (``Conv1D``, ``Conv2D``, ``Conv3D``, depthwise or separable), looking inside nested
    models.

    Parameters
    ----------
    model : keras.Model
        A ``keras.Sequential`` or functional model.
    axis : {'height', 'width', 'depth', 'length'}
        As for :func:`receptive_field`.

    Returns
    -------
    int

    Raises
    ------
    ValueError
        When the model has no convolution, when ``model`` is not a Keras model (for a
        list of layers use :func:`receptive_field`), or where :func:`receptive_field`
        refuses the model.

    Examples
    --------
    >>> import cnnlesson
    >>> last_conv_receptive_field(cnnlesson.build_lesson_model(compile=False))
    5
    """
    if not is_model(model):
        raise ValueError(f"model must be a keras.Sequential or functional model, got "
                         f"{described(model)}; for a list of layers use "
                         "receptive_field(layers[:i + 1]) up to the last convolution")
    convolutions = [layer for layer in _leaves(model) if type(layer).__name__ in CONVOLUTION]
    if not convolutions:
        raise ValueError(f"model {model.name!r} has no convolution; receptive_field(model) "
                         "gives the field of its whole chain")
    # The chain is read up to the last application of the last convolution only, so the
    # layers after it (a head that receptive_field would refuse) do not matter.
    last = convolutions[-1]
    left = sum(layer is last for layer in convolutions)
    size, jump = 1, 1
    for layer, step in layer_steps(model, axis):
        size, jump = _widened(size, jump, step)
        left -= layer is last
        if not left:
            return size
    raise ValueError(f"model {model.name!r} does not apply its convolution {last.name!r} "
                     "on the chain from its input to its output")


def _leaves(model):
    """The layers of ``model``, each nested model replaced by its own layers."""
    for layer in model.layers:
        yield from _leaves(layer) if is_model(layer) else (layer,)
