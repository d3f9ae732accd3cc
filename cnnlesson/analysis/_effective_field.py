"""The effective receptive field: how much each input pixel moves one central unit.

The receptive field of a unit counts every input pixel it depends on; the
*effective* receptive field weighs them by how much they matter.  Luo et al. (2016)
measure it as the gradient of a unit at the centre of a layer's output with respect
to the input image, averaged over many images: pixels near the centre of the
theoretical field weigh far more than those at its edge.
:func:`effective_receptive_field` computes that gradient with the Keras backend's own
automatic differentiation (:func:`cnnlesson.backends.input_gradient`);
:func:`effective_area` says how many pixels hold most of it.
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np

from cnnlesson._checks import described, positive_int, real_array
from cnnlesson.analysis._graph import layer_steps
from cnnlesson.analysis._models import is_keras, is_model, require_model


class EffectiveField(NamedTuple):
    """The effective receptive field of one layer's central unit.

    Attributes
    ----------
    weights : numpy.ndarray
        ``(height, width)`` of the input: the mean absolute gradient of the unit with
        respect to each input pixel (summed over the colour channels), scaled to sum 1.
    window : tuple of int
        ``(top, bottom, left, right)``, inclusive: the theoretical receptive field of
        the unit in input pixels, from the layers' kernels, strides and padding.
    unit : tuple of int
        ``(row, column)`` of the central unit in the layer's output.
    """

    weights: np.ndarray
    window: tuple
    unit: tuple


def _input_window(layers, rows, columns):
    """Input rows and columns that output rows/columns of the last layer depend on."""
    for layer in reversed(layers):
        if hasattr(layer, "kernel_size"):
            kernel, strides = layer.kernel_size, layer.strides
        elif hasattr(layer, "pool_size"):
            kernel, strides = layer.pool_size, layer.strides
        else:
            continue          # dropout, activation: no spatial window
        padding = getattr(layer, "padding", "valid")
        spans = []
        for axis, (low, high) in enumerate((rows, columns)):
            size_in = layer.input.shape[1 + axis]
            size_out = layer.output.shape[1 + axis]
            k, s = kernel[axis], strides[axis]
            pad = max((size_out - 1) * s + k - size_in, 0) // 2 if padding == "same" else 0
            spans.append((low * s - pad, high * s - pad + k - 1))
        rows, columns = spans
    return rows, columns


def _check_window(layers, name):
    """Refuse layers whose window :func:`_input_window` cannot follow, naming the fix."""
    for layer in layers:
        if is_model(layer):
            raise ValueError(f"the window of layer {name!r} runs through the nested model "
                             f"{layer.name!r}, whose layers it does not follow; give the "
                             "layers to one keras.Sequential")
    for _ in layer_steps(layers):  # refuses unknown layers, branches, channels_first
        pass


def effective_receptive_field(model, layer, images, *, batch_size=256) -> EffectiveField:
    """Mean absolute gradient of one layer's central unit with respect to the input.

    The unit is the centre of the layer's output, ``(height // 2, width // 2)``, summed
    over its channels.  Each image's gradient is taken on its own (the images of a
    batch do not interact with the model in inference mode), made absolute, summed
    over the input channels and averaged over the images.

    Parameters
    ----------
    model : keras.Model
        A model with one image input, such as the lesson's network.
    layer : str or keras.layers.Layer
        A layer of ``model`` whose output has shape ``(batch, height, width, channels)``.
    images : array-like
        ``(n, height, width, channels)``, scaled as the model expects.
    batch_size : int
        Images per gradient computation.

    Returns
    -------
    EffectiveField

    Examples
    --------
    One 3x3 convolution whose weights are all 1 weighs the nine pixels of its window
    equally:

    >>> import keras
    >>> model = keras.Sequential([keras.Input((9, 9, 1)), keras.layers.Conv2D(
    ...     1, 3, padding="same", kernel_initializer="ones", name="conv")])
    >>> field = effective_receptive_field(model, "conv", np.ones((2, 9, 9, 1)))
    >>> field.window, field.unit
    ((3, 5, 3, 5), (4, 4))
    >>> np.round(field.weights[3:6, 3:6] * 9, 6)
    array([[1., 1., 1.],
           [1., 1., 1.],
           [1., 1., 1.]])
    >>> effective_area(field.weights, 1.0)
    9
    """
    import keras

    from cnnlesson.backends import input_gradient

    require_model(model, "effective_receptive_field")
    if not isinstance(layer, str) and not is_keras(layer):
        raise ValueError("layer must be a layer's name (str) or a Keras layer, got "
                         f"{described(layer)}")
    name = layer if isinstance(layer, str) else layer.name
    try:
        target = model.get_layer(name)
    except ValueError:
        raise ValueError(f"the model has no layer {name!r}; its layers are "
                         f"{[lay.name for lay in model.layers]}") from None
    if len(target.output.shape) != 4:
        raise ValueError(f"layer {name!r} has output shape {tuple(target.output.shape)}; "
                         "pick a layer with spatial maps (batch, height, width, channels)")
    images = real_array(images, "images", "float32")
    if images.ndim != 4 or images.shape[1:] != tuple(model.inputs[0].shape[1:]):
        expected = ", ".join(str(size) for size in model.inputs[0].shape[1:])
        raise ValueError(f"images must have shape (n, {expected}), got {images.shape}")
    if not len(images):
        raise ValueError(f"images must hold at least one image, got shape {images.shape}")
    batch_size = positive_int(batch_size, "batch_size")
    _check_window(model.layers[:[lay.name for lay in model.layers].index(name) + 1], name)

    upto = keras.Model(model.inputs, target.output)
    unit = (target.output.shape[1] // 2, target.output.shape[2] // 2)
    total = np.zeros(images.shape[1:3])
    for start in range(0, len(images), batch_size):
        gradient = input_gradient(lambda x: upto(x, training=False)[:, unit[0], unit[1], :],
                                  images[start:start + batch_size])
        total += np.abs(gradient).sum(axis=(0, 3))
    if total.sum() == 0:
        raise ValueError(f"the gradient of {name!r}'s central unit is zero for every image; "
                         "the unit is dead for these images, try others")
    index = [lay.name for lay in model.layers].index(name)
    rows, columns = _input_window(model.layers[:index + 1], (unit[0],) * 2, (unit[1],) * 2)
    return EffectiveField(total / total.sum(), (*rows, *columns), unit)


def effective_area(weights, share=0.9) -> int:
    """The fewest input pixels that together hold ``share`` of the weights.

    Parameters
    ----------
    weights : array-like
        Non-negative weights per pixel, such as :attr:`EffectiveField.weights`.
    share : float
        Between 0 (exclusive) and 1.

    Examples
    --------
    >>> effective_area([[0.0, 0.1, 0.0], [0.1, 0.6, 0.1], [0.0, 0.1, 0.0]], 0.9)
    4
    """
    values = np.sort(real_array(weights, "weights", float).ravel())[::-1]
    if not values.size:
        raise ValueError("weights must hold at least one value")
    if isinstance(share, bool) or not isinstance(share, numbers.Real) or not 0 < share <= 1:
        raise ValueError(f"share must be a number in (0, 1], got {share!r}")
    if values.min() < 0 or values.sum() == 0:
        raise ValueError("weights must be non-negative and not all zero")
    cumulative = np.cumsum(values) / values.sum()
    return int(np.searchsorted(cumulative, share - 1e-12) + 1)
