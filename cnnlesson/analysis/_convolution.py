"""A reference convolution layer in NumPy, the same kernel in a real Keras layer, and 1x1 mixing.

The convolution here is a plain NumPy cross-correlation (what Keras ``Conv2D`` computes),
so the pages can show and verify each claim without a framework; Keras is imported only
inside :func:`conv2d_layer_with_weights`.
"""

from __future__ import annotations

import numpy as np

from cnnlesson._checks import check_padding, positive_int, real_array
from cnnlesson.analysis._sizes import conv_output_size

#: ITU-R BT.601 luma weights for R, G, B: the classic colour-to-grey 1x1 convolution.
GREY_WEIGHTS = (0.299, 0.587, 0.114)


def as_batch(images, name="images"):
    x = real_array(images, name, np.float64)
    if x.ndim not in (3, 4):
        raise ValueError(f"{name} must be (height, width, channels) or a batch of those, "
                         f"got shape {x.shape}")
    if 0 in x.shape[-3:]:
        raise ValueError(f"{name} must have at least one row, column and channel, got "
                         f"shape {x.shape}")
    return (x[None], True) if x.ndim == 3 else (x, False)


def as_kernel(kernel, name="kernel"):
    k = real_array(kernel, name, np.float64)
    if k.ndim != 4:
        raise ValueError(f"{name} must have the Keras layout (height, width, in_channels, "
                         f"out_channels), got shape {k.shape}")
    if 0 in k.shape:
        raise ValueError(f"{name} must have at least one row, column and channel, "
                         f"got shape {k.shape}")
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
    x, single = as_batch(images)
    k = as_kernel(kernel)
    kh, kw, cin, filters = k.shape
    if x.shape[-1] != cin:
        raise ValueError(f"images have {x.shape[-1]} channels but the kernel expects {cin}")
    s = positive_int(stride, "stride")
    if check_padding(padding) == "same":
        x = np.pad(x, ((0, 0), _same_pads(x.shape[1], kh, s), _same_pads(x.shape[2], kw, s),
                       (0, 0)))
    oh, ow = conv_output_size(x.shape[1], kh, s), conv_output_size(x.shape[2], kw, s)
    out = np.zeros((x.shape[0], oh, ow, filters))
    # One matrix product per kernel tap keeps this fast without an im2col copy.
    for a in range(kh):
        for b in range(kw):
            out += x[:, a:a + s * (oh - 1) + 1:s, b:b + s * (ow - 1) + 1:s, :] @ k[a, b]
    if bias is not None:
        out += as_bias(bias, filters)
    return out[0] if single else out


def as_bias(bias, filters, name="bias"):
    b = real_array(bias, name, np.float64)
    if b.shape != (filters,):
        raise ValueError(f"{name} must have shape ({filters},), got {b.shape}")
    return b


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
    >>> import keras
    >>> output = keras.ops.convert_to_numpy(layer(np.ones((1, 2, 2, 3))))
    >>> layer.count_params(), output[0, :, :, 0].tolist()
    (3, [[3.0, 3.0], [3.0, 3.0]])
    """
    import keras

    k = as_kernel(kernel)
    try:
        keras.activations.get(activation)
    except ValueError:  # Keras's message names the value but not the argument
        raise ValueError("activation must be the name of a Keras activation (such as "
                         f"'relu') or a function, got {activation!r}") from None
    layer = keras.layers.Conv2D(k.shape[3], k.shape[:2], padding=check_padding(padding),
                                activation=activation, use_bias=bias is not None)
    layer.build((None, None, None, k.shape[2]))
    weights = [k] if bias is None else [k, as_bias(bias, k.shape[3])]
    layer.set_weights([w.astype("float32") for w in weights])
    return layer


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
    x, single = as_batch(images)
    w = real_array(weights, "weights", np.float64)
    w = w[:, None] if w.ndim == 1 else w
    if w.ndim != 2 or w.shape[0] != x.shape[-1]:
        raise ValueError(f"weights must be ({x.shape[-1]},) or ({x.shape[-1]}, F) for images "
                         f"with {x.shape[-1]} channels, got shape {np.shape(weights)}")
    out = apply_conv2d(x, w[None, None], bias)
    return out[0] if single else out
