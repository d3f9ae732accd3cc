"""Checks of the lesson's claims: composed kernels, feature-map sums, 1x1 channel mixing.

The convolution here is a plain NumPy cross-correlation (what Keras ``Conv2D`` computes),
so the pages can show and verify each claim without a framework; Keras is imported only
inside the functions that compare against a real layer. The counting (parameters, output
sizes, receptive fields, FLOPs, per-layer tables) lives in :mod:`cnnlesson.arithmetic` and
is re-exported here, so ``from cnnlesson.analysis import ...`` reaches everything.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from cnnlesson.arithmetic import (
    LayerParams,
    ReceptiveField,
    _check_padding,
    _positive_int,
    conv2d_params,
    conv3d_params,
    conv_forward_flops,
    conv_output_size,
    dense_forward_flops,
    dense_params,
    forward_flops_per_image,
    layer_forward_flops,
    parameter_table,
    pool_output_size,
    receptive_field,
    total_parameters,
    training_flops_per_image,
)

__all__ = [
    "GREY_WEIGHTS", "FeatureMapParts", "LayerParams", "ReceptiveField", "StackedCheck",
    "apply_conv2d", "check_decomposition", "compose_kernels", "conv2d_layer_with_weights",
    "conv2d_params", "conv3d_params", "conv_forward_flops", "conv_output_size",
    "decompose_feature_map", "dense_forward_flops", "dense_params", "forward_flops_per_image",
    "layer_forward_flops", "mix_channels_1x1", "parameter_table", "pool_output_size",
    "receptive_field", "stacked_vs_single_check", "total_parameters",
    "training_flops_per_image",
]

#: ITU-R BT.601 luma weights for R, G, B: the classic colour-to-grey 1x1 convolution.
GREY_WEIGHTS = (0.299, 0.587, 0.114)


def _as_batch(images, name="images"):
    x = np.asarray(images, dtype=np.float64)
    if x.ndim not in (3, 4):
        raise ValueError(f"{name} must be (height, width, channels) or a batch of those, "
                         f"got shape {x.shape}")
    return (x[None], True) if x.ndim == 3 else (x, False)


def _as_kernel(kernel, name="kernel"):
    k = np.asarray(kernel, dtype=np.float64)
    if k.ndim != 4:
        raise ValueError(f"{name} must have the Keras layout (height, width, in_channels, "
                         f"out_channels), got shape {k.shape}")
    return k


def _same_pads(n, k, stride):
    # TensorFlow's rule: pad just enough for ceil(n / stride) outputs, the odd pixel at the end.
    total = max((conv_output_size(n, k, stride, "same") - 1) * stride + k - n, 0)
    return total // 2, total - total // 2


def apply_conv2d(images, kernel, bias=None, padding="valid", stride=1):
    """Reference 2-D convolution layer in NumPy: a cross-correlation, as Keras ``Conv2D`` does.

    ``out[i, j, f] = sum over a, b, c of x[i*s + a, j*s + b, c] * kernel[a, b, c, f] + bias[f]``
    with no activation. ``'same'`` pads with zeros exactly as TensorFlow does.

    Parameters
    ----------
    images : array_like
        ``(H, W, C)`` or ``(N, H, W, C)``.
    kernel : array_like
        ``(kh, kw, C, F)``.
    bias : array_like, optional
        ``(F,)``.
    padding : {'valid', 'same'}
    stride : int

    Returns
    -------
    numpy.ndarray
        Float64, ``(H', W', F)`` or ``(N, H', W', F)`` matching the input's rank.

    Examples
    --------
    >>> image = np.arange(16.0).reshape(4, 4, 1)
    >>> apply_conv2d(image, np.ones((2, 2, 1, 1)))[..., 0]      # sums of 2x2 windows
    array([[10., 14., 18.],
           [26., 30., 34.],
           [42., 46., 50.]])
    >>> apply_conv2d(image, np.ones((3, 3, 1, 1)), padding="same").shape
    (4, 4, 1)
    """
    x, single = _as_batch(images)
    k = _as_kernel(kernel)
    kh, kw, cin, filters = k.shape
    if x.shape[-1] != cin:
        raise ValueError(f"images have {x.shape[-1]} channels but the kernel expects {cin}")
    s = _positive_int(stride, "stride")
    if _check_padding(padding) == "same":
        x = np.pad(x, ((0, 0), _same_pads(x.shape[1], kh, s), _same_pads(x.shape[2], kw, s),
                       (0, 0)))
    oh, ow = conv_output_size(x.shape[1], kh, s), conv_output_size(x.shape[2], kw, s)
    out = np.zeros((x.shape[0], oh, ow, filters))
    # One matrix product per kernel tap keeps this fast without an im2col copy.
    for a in range(kh):
        for b in range(kw):
            out += x[:, a:a + s * (oh - 1) + 1:s, b:b + s * (ow - 1) + 1:s, :] @ k[a, b]
    if bias is not None:
        out += _as_bias(bias, filters)
    return out[0] if single else out


def _as_bias(bias, filters, name="bias"):
    b = np.asarray(bias, dtype=np.float64)
    if b.shape != (filters,):
        raise ValueError(f"{name} must have shape ({filters},), got {b.shape}")
    return b


def compose_kernels(k1, k2, b1=None, b2=None):
    """One kernel (and bias) equal to two *linear* stride-1 convolutions applied in turn.

    Keras computes cross-correlations. Substituting the first into the second,
    ``z[i, j] = sum x[i + a + a', j + b + b'] k1[a, b] k2[a', b']``, so the composite is a
    cross-correlation whose kernel is ``K[u, v] = sum_{a + a' = u, b + b' = v} k1[a, b] @
    k2[a', b']``: the full 2-D *convolution* of the two kernels, with a matrix product over
    the middle channels. Sizes add minus one (3x3 then 3x3 gives 5x5). The first bias passes
    through the second kernel: ``B = b2 + sum_{a', b'} b1 @ k2[a', b']``.

    The identity is exact with ``'valid'`` padding. With ``'same'`` padding it holds only
    in the interior, at least ``k2 // 2`` pixels from the border: there the second layer
    reads the first layer's zero padding, whereas the composite reads real pixels.
    With an activation between the two layers no such kernel exists in general
    (see :func:`stacked_vs_single_check`).

    Parameters
    ----------
    k1, k2 : array_like
        ``(kh1, kw1, C, M)`` and ``(kh2, kw2, M, F)``, Keras layout.
    b1, b2 : array_like, optional
        ``(M,)`` and ``(F,)``; missing biases count as zero.

    Returns
    -------
    kernel : numpy.ndarray
        ``(kh1 + kh2 - 1, kw1 + kw2 - 1, C, F)``.
    bias : numpy.ndarray
        ``(F,)``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> k1, k2 = rng.normal(size=(3, 3, 3, 8)), rng.normal(size=(3, 3, 8, 4))
    >>> kernel, bias = compose_kernels(k1, k2)
    >>> kernel.shape
    (5, 5, 3, 4)
    >>> x = rng.normal(size=(9, 9, 3))
    >>> bool(np.allclose(apply_conv2d(apply_conv2d(x, k1), k2), apply_conv2d(x, kernel)))
    True
    """
    k1, k2 = _as_kernel(k1, "k1"), _as_kernel(k2, "k2")
    if k1.shape[3] != k2.shape[2]:
        raise ValueError(f"k1 has {k1.shape[3]} output channels but k2 expects "
                         f"{k2.shape[2]} input channels")
    (kh1, kw1, cin, mid), (kh2, kw2, _, filters) = k1.shape, k2.shape
    kernel = np.zeros((kh1 + kh2 - 1, kw1 + kw2 - 1, cin, filters))
    for a in range(kh2):
        for b in range(kw2):
            kernel[a:a + kh1, b:b + kw1] += k1 @ k2[a, b]
    bias = np.zeros(filters) if b2 is None else _as_bias(b2, filters, "b2").copy()
    if b1 is not None:
        bias += _as_bias(b1, mid, "b1") @ k2.sum(axis=(0, 1))
    return kernel, bias


def conv2d_layer_with_weights(kernel, bias=None, padding="valid", activation=None):
    """A built Keras ``Conv2D`` layer (stride 1) holding the given kernel and bias.

    Lets a page run a hand-made kernel, a composed one or a 1x1 mixing through real Keras.

    Parameters
    ----------
    kernel : array_like
        ``(kh, kw, C, F)``.
    bias : array_like, optional
        ``(F,)``; without it the layer has no bias.
    padding : {'valid', 'same'}
    activation : str or callable, optional

    Returns
    -------
    keras.layers.Conv2D

    Examples
    --------
    >>> layer = conv2d_layer_with_weights(np.ones((1, 1, 3, 1)))
    >>> layer.count_params(), np.asarray(layer(np.ones((1, 2, 2, 3))))[0, :, :, 0].tolist()
    (3, [[3.0, 3.0], [3.0, 3.0]])
    """
    import keras

    k = _as_kernel(kernel)
    layer = keras.layers.Conv2D(k.shape[3], k.shape[:2], padding=_check_padding(padding),
                                activation=activation, use_bias=bias is not None)
    layer.build((None, None, None, k.shape[2]))
    weights = [k] if bias is None else [k, _as_bias(bias, k.shape[3])]
    layer.set_weights([w.astype("float32") for w in weights])
    return layer


class StackedCheck(NamedTuple):
    """Numbers behind "two 3x3 convolutions versus one 5x5" (:func:`stacked_vs_single_check`)."""

    linear_max_abs_diff: float
    """Largest gap between two linear 3x3 layers and their composed 5x5 kernel."""
    linear_fit_residual: float
    """Relative residual of the best single 5x5 kernel fitted to the linear stack (~0)."""
    relu_fit_residual: float
    """The same with a ReLU between the two layers: clearly above 0."""


def _relative_fit_residual(x, target, size):
    # Best affine map from each size x size x C input patch to the output pixel.
    patches = np.lib.stride_tricks.sliding_window_view(x, (size, size), axis=(1, 2))
    design = patches.reshape(-1, patches[0, 0, 0].size)
    design = np.hstack([design, np.ones((design.shape[0], 1))])
    y = target.reshape(-1, target.shape[-1])
    coef = np.linalg.lstsq(design, y, rcond=None)[0]
    return float(np.linalg.norm(design @ coef - y) / np.linalg.norm(y - y.mean(axis=0)))


def stacked_vs_single_check(in_channels=3, mid_channels=8, out_channels=4, image_size=16,
                            n_images=8, seed=0):
    """Compare two stacked 3x3 convolutions with one 5x5, with and without a ReLU between.

    Two random 3x3 layers (with biases, 'valid' padding) run on random images. Without an
    activation, their composed 5x5 kernel (:func:`compose_kernels`) reproduces them to
    rounding error. With a ReLU, the best single 5x5 kernel, fitted by least squares over
    every output pixel, still leaves a residual: if any 5x5 kernel reproduced the stack,
    the fit would find it and the residual would be 0. Residuals are relative to the
    target's spread (``||fit - y|| / ||y - mean(y)||``, 1 means no better than a constant).

    Parameters
    ----------
    in_channels, mid_channels, out_channels, image_size, n_images : int
        Sizes of the random experiment; the fit needs more pixels than ``25 * C + 1``.
    seed : int

    Returns
    -------
    StackedCheck

    Examples
    --------
    >>> check = stacked_vs_single_check()
    >>> check.linear_max_abs_diff < 1e-12, check.linear_fit_residual < 1e-9
    (True, True)
    >>> check.relu_fit_residual > 0.1
    True
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(_positive_int(n_images, "n_images"), image_size, image_size,
                         _positive_int(in_channels, "in_channels")))
    k1 = rng.normal(size=(3, 3, in_channels, _positive_int(mid_channels, "mid_channels")))
    k2 = rng.normal(size=(3, 3, mid_channels, _positive_int(out_channels, "out_channels")))
    b1, b2 = rng.normal(size=mid_channels), rng.normal(size=out_channels)
    pixels = n_images * conv_output_size(image_size, 5) ** 2
    if pixels <= 25 * in_channels + 1:
        # An under-determined fit would reach residual 0 and prove nothing.
        raise ValueError(f"need more output pixels ({pixels}) than fitted weights "
                         f"({25 * in_channels + 1}); use more or larger images")
    hidden = apply_conv2d(x, k1, b1)
    linear = apply_conv2d(hidden, k2, b2)
    kernel, bias = compose_kernels(k1, k2, b1, b2)
    relu = apply_conv2d(np.maximum(hidden, 0.0), k2, b2)
    return StackedCheck(float(np.abs(apply_conv2d(x, kernel, bias) - linear).max()),
                        _relative_fit_residual(x, linear, 5),
                        _relative_fit_residual(x, relu, 5))


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
    x = np.asarray(image, dtype=np.float64)
    if x.ndim != 3:
        raise ValueError(f"image must be (height, width, channels), got shape {x.shape}")
    k = _as_kernel(kernel)
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 0 <= n < k.shape[3]:
        raise ValueError(f"n must be an integer in [0, {k.shape[3]}), got {n!r}")
    if x.shape[-1] != k.shape[2]:
        raise ValueError(f"image has {x.shape[-1]} channels but the kernel expects {k.shape[2]}")
    maps = np.stack([apply_conv2d(x[..., c:c + 1], k[:, :, c:c + 1, n:n + 1], padding=padding)
                     [..., 0] for c in range(x.shape[-1])])
    b = 0.0 if bias is None else float(_as_bias(bias, k.shape[3])[n])
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

    x = np.asarray(image, dtype=np.float32)
    if type(layer).__name__ != "Conv2D":
        raise ValueError(f"expected a keras Conv2D layer, got {type(layer).__name__}")
    if tuple(layer.strides) != (1, 1) or tuple(layer.dilation_rate) != (1, 1) or layer.groups != 1:
        raise ValueError("expected a Conv2D layer with stride 1, dilation 1 and groups 1")
    if x.ndim != 3:
        raise ValueError(f"image must be (height, width, channels), got shape {x.shape}")
    output = keras.ops.convert_to_numpy(layer(x[None]))[0]
    weights = layer.get_weights()
    parts = decompose_feature_map(x, weights[0], weights[1] if layer.use_bias else None, n,
                                  padding=layer.padding)
    activated = layer.activation(keras.ops.convert_to_tensor(parts.pre_activation, "float32"))
    return float(np.abs(keras.ops.convert_to_numpy(activated) - output[..., n]).max())


def mix_channels_1x1(images, weights, bias=None):
    """A 1x1 convolution: every pixel's channels mixed by the same weights, no neighbours seen.

    Parameters
    ----------
    images : array_like
        ``(H, W, C)`` or ``(N, H, W, C)``.
    weights : array_like
        ``(C,)`` for one output channel (e.g. :data:`GREY_WEIGHTS`) or ``(C, F)``; this is
        the Keras kernel ``(1, 1, C, F)`` without its two unit axes.
    bias : array_like, optional
        ``(F,)``.

    Returns
    -------
    numpy.ndarray
        ``(..., H, W, F)``; ``F = 1`` for a weight vector, keeping the channel axis as Keras.

    Examples
    --------
    >>> pixel = np.array([[[1.0, 0.5, 0.0]]])              # one orange pixel
    >>> mix_channels_1x1(pixel, GREY_WEIGHTS)
    array([[[0.5925]]])
    """
    x, single = _as_batch(images)
    w = np.asarray(weights, dtype=np.float64)
    w = w[:, None] if w.ndim == 1 else w
    if w.ndim != 2 or w.shape[0] != x.shape[-1]:
        raise ValueError(f"weights must be ({x.shape[-1]},) or ({x.shape[-1]}, F) for images "
                         f"with {x.shape[-1]} channels, got shape {np.shape(weights)}")
    out = apply_conv2d(x, w[None, None], bias)
    return out[0] if single else out
