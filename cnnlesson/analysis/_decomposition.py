"""One feature map as the sum of one 2-D map per input channel, plus the bias.

Computed in NumPy; :func:`check_decomposition` compares it with a real Keras layer
(Keras is imported only inside that function).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from cnnlesson._checks import real_array
from cnnlesson.analysis._convolution import apply_conv2d, as_bias, as_kernel


class FeatureMapParts(NamedTuple):
    """Feature map ``n`` of a convolution split into its per-input-channel parts."""

    channel_maps: np.ndarray
    """``(C, H', W')``: kernel slice ``k[:, :, c, n]`` applied to input channel ``c``."""
    bias: float
    """``bias[n]``, added once to the sum."""
    pre_activation: np.ndarray
    """``(H', W')``: ``channel_maps.sum(axis=0) + bias``, what the activation receives."""


def decompose_feature_map(image, kernel, bias, n, padding="same"):
    """Split one output map of a ``Conv2D`` layer into one 2-D map per input channel.

    Feature map ``n`` is the sum over input channels ``c`` of the 2-D cross-correlation of
    channel ``c`` with the kernel slice ``k[:, :, c, n]``, plus ``bias[n]``; the activation
    comes after.

    Parameters
    ----------
    image : array_like
        ``(H, W, C)``.
    kernel : array_like
        ``(kh, kw, C, N)``, e.g. ``layer.kernel`` of the lesson's first layer (3, 3, 3, 32).
    bias : array_like or None
        ``(N,)``.
    n : int
        Which output map, ``0 <= n < N``.
    padding : {'valid', 'same'}
        The layer's padding; 'same' zero-pads exactly as Keras does.

    Returns
    -------
    FeatureMapParts

    Examples
    --------
    >>> image = np.stack([np.full((4, 4), 1.0), np.full((4, 4), 2.0)], axis=-1)
    >>> parts = decompose_feature_map(image, np.ones((3, 3, 2, 1)), [0.5], 0, padding="valid")
    >>> parts.channel_maps[:, 0, 0], float(parts.pre_activation[0, 0])
    (array([ 9., 18.]), 27.5)
    """
    x = real_array(image, "image", np.float64)
    if x.ndim != 3:
        raise ValueError(f"image must be (height, width, channels), got shape {x.shape}")
    k = as_kernel(kernel)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 0 <= n < k.shape[3]:
        raise ValueError(f"n must be an integer in [0, {k.shape[3]}), got {n!r}")
    if x.shape[-1] != k.shape[2]:
        raise ValueError(f"image has {x.shape[-1]} channels but the kernel expects {k.shape[2]}")
    maps = np.stack([apply_conv2d(x[..., c:c + 1], k[:, :, c:c + 1, n:n + 1], padding=padding)
                     [..., 0] for c in range(x.shape[-1])])
    b = 0.0 if bias is None else float(as_bias(bias, k.shape[3])[n])
    return FeatureMapParts(maps, b, maps.sum(axis=0) + b)


def check_decomposition(layer, image, n):
    """Largest gap between the real layer's map ``n`` and activation(sum of channel parts).

    Parameters
    ----------
    layer : keras.layers.Conv2D
        Stride 1, no dilation, no groups; built or not (it is called on ``image``).
    image : array_like
        ``(H, W, C)``.
    n : int

    Returns
    -------
    float

    Examples
    --------
    >>> import keras
    >>> keras.utils.set_random_seed(0)
    >>> layer = keras.layers.Conv2D(32, 3, padding="same", activation="relu")
    >>> image = np.random.default_rng(0).random((32, 32, 3))
    >>> check_decomposition(layer, image, 7) < 1e-5
    True
    """
    import keras

    x = real_array(image, "image", np.float32)
    if type(layer).__name__ != "Conv2D":
        raise ValueError(f"expected a keras Conv2D layer, got {type(layer).__name__}")
    if tuple(layer.strides) != (1, 1) or tuple(layer.dilation_rate) != (1, 1) or layer.groups != 1:
        raise ValueError("expected a Conv2D layer with stride 1, dilation 1 and groups 1")
    if x.ndim != 3:
        raise ValueError(f"image must be (height, width, channels), got shape {x.shape}")
    if layer.built and layer.kernel.shape[2] != x.shape[-1]:
        raise ValueError(f"image has {x.shape[-1]} channels but layer {layer.name!r} was "
                         f"built for {layer.kernel.shape[2]}; pass an image it was built for")
    output = keras.ops.convert_to_numpy(layer(x[None]))[0]
    weights = layer.get_weights()
    parts = decompose_feature_map(x, weights[0], weights[1] if layer.use_bias else None, n,
                                  padding=layer.padding)
    activated = layer.activation(keras.ops.convert_to_tensor(parts.pre_activation, "float32"))
    return float(np.abs(keras.ops.convert_to_numpy(activated) - output[..., n]).max())
