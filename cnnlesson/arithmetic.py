"""Convolution arithmetic by formula: parameter counts, output sizes, receptive fields, FLOPs.

The formulas are plain integer arithmetic. The model-level functions
(:func:`parameter_table`, :func:`training_flops_per_image`, ...) read a Keras model's
layers by their attributes, without importing Keras, and the table checks every formula
against Keras' own ``count_params``. Conventions follow Keras/TensorFlow and
Dumoulin & Visin (2016).
"""

from __future__ import annotations

import math
import operator
from typing import NamedTuple

PADDINGS = ("valid", "same")


def _positive_int(value, name):
    # bool is an int subclass; True as a kernel size is always a mistake.
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    try:
        value = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be a positive integer, got {value!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return value


def _int_tuple(value, length, name):
    if isinstance(value, (tuple, list)):
        if len(value) != length:
            raise ValueError(f"{name} must be an int or a {length}-tuple, got {value!r}")
        return tuple(_positive_int(v, name) for v in value)
    return (_positive_int(value, name),) * length


def _check_padding(padding):
    mode = str(padding).lower()
    if mode not in PADDINGS:
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    return mode


def conv2d_params(kernel_size, in_channels, filters, use_bias=True):
    """Number of parameters of a ``Conv2D`` layer.

    Each of the ``filters`` kernels spans all ``in_channels`` at once, so the count is
    ``kh * kw * in_channels * filters`` weights plus one bias per filter.

    Parameters
    ----------
    kernel_size : int or tuple of 2 ints
        Kernel height and width; an int means a square kernel.
    in_channels, filters : int
        Input channels and output feature maps.
    use_bias : bool
        Whether the layer has a bias per filter.

    Returns
    -------
    int

    Examples
    --------
    >>> conv2d_params(3, 3, 32)      # the lesson's first convolution
    896
    >>> conv2d_params((3, 3), 32, 32)
    9248
    """
    kh, kw = _int_tuple(kernel_size, 2, "kernel_size")
    cin = _positive_int(in_channels, "in_channels")
    f = _positive_int(filters, "filters")
    return kh * kw * cin * f + (f if use_bias else 0)


def conv3d_params(kernel_size, in_channels, filters, use_bias=True):
    """Number of parameters of a ``Conv3D`` layer.

    The kernel also has a depth, and slides along that third axis instead of spanning it,
    so its weights are ``kd * kh * kw * in_channels * filters``, plus the biases.

    Parameters
    ----------
    kernel_size : int or tuple of 3 ints
        Kernel depth, height and width.
    in_channels, filters : int
        Input channels and output feature maps.
    use_bias : bool
        Whether the layer has a bias per filter.

    Returns
    -------
    int

    Examples
    --------
    >>> conv3d_params(3, 1, 32)          # a 3x3x3 kernel over a one-channel volume
    896
    >>> conv3d_params((3, 3, 3), 3, 32, use_bias=False)
    2592
    """
    kd, kh, kw = _int_tuple(kernel_size, 3, "kernel_size")
    cin = _positive_int(in_channels, "in_channels")
    f = _positive_int(filters, "filters")
    return kd * kh * kw * cin * f + (f if use_bias else 0)


def dense_params(in_features, units, use_bias=True):
    """Number of parameters of a ``Dense`` layer: ``in_features * units`` (+ ``units`` biases).

    Parameters
    ----------
    in_features, units : int
        Size of the input's last axis and number of outputs.
    use_bias : bool
        Whether the layer has a bias per unit.

    Returns
    -------
    int

    Examples
    --------
    >>> dense_params(16 * 16 * 32, 512)
    4194816
    >>> dense_params(512, 10)
    5130
    """
    n = _positive_int(in_features, "in_features")
    u = _positive_int(units, "units")
    return n * u + (u if use_bias else 0)


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
    n = _positive_int(input_size, "input_size")
    k = _positive_int(kernel_size, "kernel_size")
    s = _positive_int(stride, "stride")
    d = _positive_int(dilation, "dilation")
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
        k = _positive_int(geometry[0], "kernel")
        s = _positive_int(geometry[1], "stride")
        d = _positive_int(geometry[2], "dilation")
        size += d * (k - 1) * jump
        jump *= s
    return ReceptiveField(size, jump)


def conv_forward_flops(output_size, kernel_size, in_channels, filters):
    """Forward FLOPs of one convolution on one input, counting a multiply-add as 2 FLOPs.

    ``2 * prod(output_size) * prod(kernel_size) * in_channels * filters``. Bias additions
    and the activation are not counted (they are a fraction of a percent of the total and
    are not matrix-unit work), which is the usual convention for percent-of-peak figures.

    Parameters
    ----------
    output_size, kernel_size : int or tuple of ints
        Output spatial size and kernel size, with one entry per spatial axis (2 for
        ``Conv2D``, 3 for ``Conv3D``); ints mean one axis.
    in_channels, filters : int
        For grouped convolutions pass the channels per group as ``in_channels``.

    Returns
    -------
    int

    Examples
    --------
    >>> conv_forward_flops((32, 32), (3, 3), 3, 32)
    1769472
    """
    out = output_size if isinstance(output_size, (tuple, list)) else (output_size,)
    ker = kernel_size if isinstance(kernel_size, (tuple, list)) else (kernel_size,)
    out = [_positive_int(v, "output_size") for v in out]
    ker = [_positive_int(v, "kernel_size") for v in ker]
    cin = _positive_int(in_channels, "in_channels")
    f = _positive_int(filters, "filters")
    return 2 * math.prod(out) * math.prod(ker) * cin * f


def dense_forward_flops(in_features, units, positions=1):
    """Forward FLOPs of a ``Dense`` layer on one input: ``2 * positions * in_features * units``.

    Parameters
    ----------
    in_features, units : int
        Size of the input's last axis and number of outputs.
    positions : int
        How many vectors the layer is applied to (1 after ``Flatten``).

    Returns
    -------
    int

    Examples
    --------
    >>> dense_forward_flops(8192, 512)
    8388608
    """
    n = _positive_int(in_features, "in_features")
    u = _positive_int(units, "units")
    return 2 * _positive_int(positions, "positions") * n * u


class LayerParams(NamedTuple):
    """One row of :func:`parameter_table`: the layer's name, class name and output shape,
    its parameter count by formula and the count Keras reports (equal, or the table raises)."""

    name: str
    kind: str
    output_shape: tuple
    formula: int
    keras: int


def _layer_in_channels(layer):
    try:
        return int(layer.input.shape[-1])
    except (AttributeError, ValueError) as err:
        raise ValueError(f"layer {layer.name!r} has no single input shape; build the model "
                         "with keras.Input first") from err


def _formula_params(layer):
    kind = type(layer).__name__
    if kind in ("Conv2D", "Conv3D"):
        # A grouped convolution's kernel spans only its group's channels.
        cin = _layer_in_channels(layer) // getattr(layer, "groups", 1)
        count = conv2d_params if kind == "Conv2D" else conv3d_params
        return count(layer.kernel_size, cin, layer.filters, layer.use_bias)
    if kind == "Dense":
        return dense_params(_layer_in_channels(layer), layer.units, layer.use_bias)
    if kind == "BatchNormalization":
        # Moving mean and variance are weights too (non-trainable), so Keras counts them.
        return _layer_in_channels(layer) * (2 + bool(layer.center) + bool(layer.scale))
    if not layer.weights:
        return 0
    raise ValueError(f"no parameter formula for layer {layer.name!r} of type {kind}; "
                     "expected Conv2D, Conv3D, Dense, BatchNormalization or a weightless layer")


def parameter_table(model):
    """Per-layer parameter counts by formula, checked against Keras' own count.

    Parameters
    ----------
    model : keras.Model
        A built model (for example a ``keras.Sequential`` starting with ``keras.Input``).

    Returns
    -------
    list of LayerParams
        ``(name, kind, output_shape, formula, keras)`` for every layer.

    Raises
    ------
    ValueError
        If a layer's formula and ``layer.count_params()`` disagree, or a layer with weights
        has no formula here.

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Conv2D(32, 3),
    ...                           keras.layers.Flatten(), keras.layers.Dense(10)])
    >>> for row in parameter_table(model):
    ...     print(row.kind, row.output_shape, row.formula)
    Conv2D (None, 30, 30, 32) 896
    Flatten (None, 28800) 0
    Dense (None, 10) 288010
    """
    rows = []
    for layer in model.layers:
        formula, reported = _formula_params(layer), int(layer.count_params())
        if formula != reported:
            raise ValueError(f"layer {layer.name!r}: formula gives {formula} parameters "
                             f"but Keras reports {reported}")
        rows.append(LayerParams(layer.name, type(layer).__name__, tuple(layer.output.shape),
                                formula, reported))
    return rows


def total_parameters(model):
    """Total parameter count of ``model``, every layer checked by :func:`parameter_table`.

    Parameters
    ----------
    model : keras.Model
        A built model.

    Returns
    -------
    int

    Examples
    --------
    >>> import keras
    >>> total_parameters(keras.Sequential([keras.Input((8,)), keras.layers.Dense(4)]))
    36
    """
    return sum(row.formula for row in parameter_table(model))


def layer_forward_flops(layer):
    """Forward FLOPs of one layer for one image (2 per multiply-add; see ``conv_forward_flops``).

    ``Conv2D``, ``Conv3D`` and ``Dense`` are counted; weightless layers (pooling, dropout,
    flatten, activations) give 0 because their cost is negligible next to the matrix work.

    Parameters
    ----------
    layer : keras.layers.Layer
        A layer of a built model (its input and output shapes are read).

    Returns
    -------
    int

    Raises
    ------
    ValueError
        For a layer with weights but no FLOP formula here.

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3)])
    >>> layer_forward_flops(model.layers[0])     # 2 * 6*6 outputs * 3*3*3 * 4
    7776
    """
    kind = type(layer).__name__
    if kind in ("Conv2D", "Conv3D"):
        cin = _layer_in_channels(layer) // getattr(layer, "groups", 1)
        spatial = tuple(layer.output.shape[1:-1])
        return conv_forward_flops(spatial, tuple(layer.kernel_size), cin, layer.filters)
    if kind == "Dense":
        positions = math.prod(layer.input.shape[1:-1])
        return dense_forward_flops(_layer_in_channels(layer), layer.units, positions)
    if not layer.weights:
        return 0
    raise ValueError(f"no FLOP formula for layer {layer.name!r} of type {kind}")


def forward_flops_per_image(model):
    """Forward FLOPs for one image: the sum of :func:`layer_forward_flops` over the layers.

    Parameters
    ----------
    model : keras.Model
        A built model.

    Returns
    -------
    int

    Examples
    --------
    >>> import keras
    >>> forward_flops_per_image(keras.Sequential([keras.Input((8,)), keras.layers.Dense(4)]))
    64
    """
    return sum(layer_forward_flops(layer) for layer in model.layers)


def training_flops_per_image(model, first_layer_input_gradient=False):
    """FLOPs of one training step per image: forward plus backward pass.

    The backward pass of a weighted layer costs two forward passes: one product for the
    gradient with respect to its weights and one for the gradient with respect to its
    input. The first weighted layer's input is the data, whose gradient no one needs, so by
    default it is charged 2x its forward cost and every other layer 3x. Pass
    ``first_layer_input_gradient=True`` for the plain ``3 * forward`` convention.
    The optimizer's update and the loss are not counted (both are linear in the parameter
    or class count, tiny next to the products).

    Parameters
    ----------
    model : keras.Model
        A built model.
    first_layer_input_gradient : bool
        Also charge the first weighted layer for a gradient with respect to the data.

    Returns
    -------
    int

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(4),
    ...                           keras.layers.Dense(2)])
    >>> forward_flops_per_image(model), training_flops_per_image(model)
    (80, 176)
    """
    flops = [layer_forward_flops(layer) for layer in model.layers]
    total = 3 * sum(flops)
    if not first_layer_input_gradient:
        total -= next((f for f in flops if f), 0)
    return total
