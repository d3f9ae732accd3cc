"""FLOPs by formula: per layer, per forward pass and per training step, for one image.

A multiply-add counts as 2 FLOPs; only the matrix work (convolutions and dense layers) is
counted. The model-level functions read a Keras model's layers by their attributes,
without importing Keras, the layers of a nested model in its place.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from cnnlesson._checks import flag, positive_int
from cnnlesson.analysis._counting import layer_in_channels
from cnnlesson.analysis._layer_kinds import is_flop_free, layer_kind
from cnnlesson.analysis._models import is_model, leaf_layers, require_model


def conv_forward_flops(output_size, kernel_size, in_channels, filters):
    """Forward FLOPs of one convolution on one input, counting a multiply-add as 2 FLOPs.

    ``2 * prod(output_size) * prod(kernel_size) * in_channels * filters``. Bias additions
    and the activation are not counted (they are a fraction of a percent of the total and
    are not matrix-unit work), which is the usual convention for percent-of-peak figures.

    Parameters
    ----------
    output_size, kernel_size : int or tuple of ints
        Output spatial size and kernel size, with one entry per spatial axis (2 for
        ``Conv2D``, 3 for ``Conv3D``). An int is the same size along every axis of the
        other (a kernel of 3 with an output of ``(32, 32)`` is 3x3, as in Keras); two ints
        are one axis.
    in_channels, filters : int
        For grouped convolutions pass the channels per group as ``in_channels``.

    Returns
    -------
    int

    Examples
    --------
    >>> conv_forward_flops((32, 32), (3, 3), 3, 32)
    1769472
    >>> conv_forward_flops((32, 32), 3, 3, 32)
    1769472
    """
    out, ker = (tuple(size) if isinstance(size, (tuple, list)) else None
                for size in (output_size, kernel_size))
    out = (output_size,) * len(ker or (1,)) if out is None else out
    ker = (kernel_size,) * len(out) if ker is None else ker
    if not out or not ker:
        raise ValueError("output_size and kernel_size must have at least one axis, got "
                         f"{output_size!r} and {kernel_size!r}")
    if len(out) != len(ker):
        raise ValueError(f"output_size has {len(out)} axes but kernel_size {len(ker)}; give "
                         "both one size per axis, or an int for the same size along each")
    out = [positive_int(v, "output_size") for v in out]
    ker = [positive_int(v, "kernel_size") for v in ker]
    cin = positive_int(in_channels, "in_channels")
    f = positive_int(filters, "filters")
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
    n = positive_int(in_features, "in_features")
    u = positive_int(units, "units")
    return 2 * positive_int(positions, "positions") * n * u


def layer_forward_flops(layer):
    """Forward FLOPs of one layer for one image (2 per multiply-add; see ``conv_forward_flops``).

    ``Conv2D``, ``Conv3D`` and ``Dense`` are counted; layers that work per element or by
    comparison (pooling, dropout, flatten, activations, batch normalisation, augmentation)
    give 0 because their cost is small next to the matrix work.

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
        For a layer with weights but no FLOP formula here, a model (see
        :func:`forward_flops_per_image`), or anything but a Keras layer.

    Examples
    --------
    >>> import keras
    >>> model = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3)])
    >>> layer_forward_flops(model.layers[0])     # 2 * 6*6 outputs * 3*3*3 * 4
    7776
    """
    kind = layer_kind(layer)
    if is_model(layer):
        raise ValueError(f"layer {layer.name!r} is a model; pass one of its layers, or use "
                         "forward_flops_per_image(model) for the whole of it")
    if kind in ("Conv2D", "Conv3D"):
        cin = layer_in_channels(layer) // getattr(layer, "groups", 1)
        spatial = tuple(layer.output.shape[1:-1])
        return conv_forward_flops(spatial, tuple(layer.kernel_size), cin, layer.filters)
    if kind == "Dense":
        positions = math.prod(layer.input.shape[1:-1])
        return dense_forward_flops(layer_in_channels(layer), layer.units, positions)
    if is_flop_free(layer) or not layer.weights:
        return 0
    raise ValueError(f"no FLOP formula for layer {layer.name!r} of type {kind}")


def _leaf_flops(model, reader):
    """``(layer, forward FLOPs)`` for each layer applied, nested models opened."""
    require_model(model, reader)
    return [(layer, layer_forward_flops(layer)) for layer in leaf_layers(model, reader)]


class LayerCost(NamedTuple):
    """Parameters and forward FLOPs (for one image) of one layer."""

    name: str
    kind: str
    parameters: int
    forward_flops: int


def layer_costs(model):
    """Parameters and forward FLOPs per image of each layer of ``model``.

    FLOPs count a multiply-add as 2 and only the matrix work of convolutions and dense
    layers (:func:`layer_forward_flops`).

    Parameters
    ----------
    model : keras.Model
        A built ``keras.Sequential`` or functional model; a model nested in it is listed
        layer by layer, in its place.

    Returns
    -------
    list of LayerCost
        One per layer applied: a layer applied twice has two rows, its FLOPs in each and
        its parameters in the first only, so that each column sums to the model's total.

    Examples
    --------
    >>> import cnnlesson
    >>> costs = layer_costs(cnnlesson.build_lesson_model(compile=False))
    >>> [(c.name, c.parameters, c.forward_flops) for c in costs][:3]
    [('conv2d', 896, 1769472), ('dropout', 0, 0), ('conv2d_1', 9248, 18874368)]
    """
    costs, seen = [], set()
    for layer, flops in _leaf_flops(model, "layer_costs"):
        parameters = 0 if id(layer) in seen else int(layer.count_params())
        seen.add(id(layer))
        costs.append(LayerCost(layer.name, layer_kind(layer), parameters, int(flops)))
    return costs


def forward_flops_per_image(model):
    """Forward FLOPs for one image: the sum of :func:`layer_forward_flops` over the layers.

    Parameters
    ----------
    model : keras.Model
        A built ``keras.Sequential`` or functional model (nested models are opened).

    Returns
    -------
    int

    Examples
    --------
    >>> import keras
    >>> forward_flops_per_image(keras.Sequential([keras.Input((8,)), keras.layers.Dense(4)]))
    64
    """
    return sum(flops for _, flops in _leaf_flops(model, "forward_flops_per_image"))


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
        A built ``keras.Sequential`` or functional model (nested models are opened).
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
    flops = [flops for _, flops in _leaf_flops(model, "training_flops_per_image")]
    total = 3 * sum(flops)
    if not flag(first_layer_input_gradient, "first_layer_input_gradient"):
        total -= next((f for f in flops if f), 0)
    return total
