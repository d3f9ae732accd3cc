"""Parameter counts by formula, per layer and for a whole model, checked against Keras.

The formulas are plain integer arithmetic. :func:`parameter_table` and
:func:`total_parameters` read a Keras model's layers by their attributes, without
importing Keras, and check every formula against Keras' own ``count_params``; the layers
of a nested model are read in its place (:mod:`cnnlesson.analysis._models`).
Conventions follow Keras/TensorFlow.
"""

from __future__ import annotations

from typing import NamedTuple

from cnnlesson._checks import flag, int_tuple, positive_int
from cnnlesson.analysis._models import leaf_layers, require_model


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
    kh, kw = int_tuple(kernel_size, 2, "kernel_size")
    cin = positive_int(in_channels, "in_channels")
    f = positive_int(filters, "filters")
    return kh * kw * cin * f + (f if flag(use_bias, "use_bias") else 0)


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
    kd, kh, kw = int_tuple(kernel_size, 3, "kernel_size")
    cin = positive_int(in_channels, "in_channels")
    f = positive_int(filters, "filters")
    return kd * kh * kw * cin * f + (f if flag(use_bias, "use_bias") else 0)


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
    n = positive_int(in_features, "in_features")
    u = positive_int(units, "units")
    return n * u + (u if flag(use_bias, "use_bias") else 0)


class LayerParams(NamedTuple):
    """One row of :func:`parameter_table`: the layer's name, class name and output shape,
    its parameter count by formula and the count Keras reports (equal, or the table raises)."""

    name: str
    kind: str
    output_shape: tuple
    formula: int
    keras: int


def layer_in_channels(layer, axis=-1):
    """The size of the layer's input along ``axis``: its channels, by default."""
    try:
        return int(layer.input.shape[axis])
    except (AttributeError, ValueError) as err:
        raise ValueError(f"layer {layer.name!r} has no single input shape; build the model "
                         "with keras.Input first") from err


def _formula_params(layer):
    kind = type(layer).__name__
    if kind in ("Conv2D", "Conv3D"):
        # A grouped convolution's kernel spans only its group's channels.
        cin = layer_in_channels(layer) // getattr(layer, "groups", 1)
        count = conv2d_params if kind == "Conv2D" else conv3d_params
        return count(layer.kernel_size, cin, layer.filters, layer.use_bias)
    if kind == "Dense":
        return dense_params(layer_in_channels(layer), layer.units, layer.use_bias)
    if kind == "BatchNormalization":
        # Moving mean and variance are weights too (non-trainable), so Keras counts them.
        # There is one of each per position along the layer's axis (the channels, usually).
        features = layer_in_channels(layer, layer.axis)
        return features * (2 + bool(layer.center) + bool(layer.scale))
    if not layer.weights:
        return 0
    raise ValueError(f"no parameter formula for layer {layer.name!r} of type {kind}; "
                     "expected Conv2D, Conv3D, Dense, BatchNormalization or a weightless layer")


def parameter_table(model):
    """Per-layer parameter counts by formula, checked against Keras' own count.

    Parameters
    ----------
    model : keras.Model
        A built ``keras.Sequential`` or functional model (for example a
        ``keras.Sequential`` starting with ``keras.Input``). A model nested in it is
        listed layer by layer, in its place.

    Returns
    -------
    list of LayerParams
        ``(name, kind, output_shape, formula, keras)`` for every layer, once: a layer that
        the model applies twice holds one set of weights, so it has one row. A functional
        model's ``InputLayer``, which holds nothing, has none.

    Raises
    ------
    ValueError
        If a layer's formula and ``layer.count_params()`` disagree, a layer with weights
        has no formula here, or the model is subclassed or not built (Keras records no
        input shapes for their layers).

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
    require_model(model, "parameter_table")
    rows, seen = [], set()
    for layer in leaf_layers(model, "parameter_table"):
        if id(layer) in seen:
            continue
        seen.add(id(layer))
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
        A built ``keras.Sequential`` or functional model, as for :func:`parameter_table`.

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
