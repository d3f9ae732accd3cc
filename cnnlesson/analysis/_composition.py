"""Two stacked convolutions as one: the composed kernel, and why a ReLU between them breaks it.

Checked in NumPy with :func:`~cnnlesson.analysis.apply_conv2d`; no Keras needed.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from cnnlesson._checks import positive_int, real_array
from cnnlesson.analysis._convolution import apply_conv2d, as_batch, as_bias, as_kernel
from cnnlesson.analysis._sizes import conv_output_size


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
    k1, k2 = as_kernel(k1, "k1"), as_kernel(k2, "k2")
    if k1.shape[3] != k2.shape[2]:
        raise ValueError(f"k1 has {k1.shape[3]} output channels but k2 expects "
                         f"{k2.shape[2]} input channels")
    (kh1, kw1, cin, mid), (kh2, kw2, _, filters) = k1.shape, k2.shape
    kernel = np.zeros((kh1 + kh2 - 1, kw1 + kw2 - 1, cin, filters))
    for a in range(kh2):
        for b in range(kw2):
            kernel[a:a + kh1, b:b + kw1] += k1 @ k2[a, b]
    bias = np.zeros(filters) if b2 is None else as_bias(b2, filters, "b2").copy()
    if b1 is not None:
        bias += as_bias(b1, mid, "b1") @ k2.sum(axis=(0, 1))
    return kernel, bias


class StackedCheck(NamedTuple):
    """Numbers behind "two 3x3 convolutions versus one 5x5" (:func:`stacked_vs_single_check`)."""

    linear_max_abs_diff: float
    """Largest gap between two linear 3x3 layers and their composed 5x5 kernel."""
    linear_fit_residual: float
    """Relative residual of the best single 5x5 kernel fitted to the linear stack (~0)."""
    relu_fit_residual: float
    """The same with a ReLU between the two layers: clearly above 0."""


class ConvFit(NamedTuple):
    """The best single convolution for a target, fitted by least squares (:func:`best_conv_fit`)."""

    kernel: np.ndarray
    """``(size, size, C, F)``, Keras layout: apply it with :func:`apply_conv2d`."""
    bias: np.ndarray
    """``(F,)``."""
    residual: float
    """``||fit - target|| / ||target - mean(target)||``: 0 for a perfect fit, 1 for a fit no
    better than a constant."""


def best_conv_fit(images, target, size=5):
    """The single ``size`` x ``size`` convolution (weights and bias) closest to ``target``.

    Fits, by least squares over every output position of every image, the affine map from
    each ``size`` x ``size`` x C input patch to the target's values there: the best any one
    'valid' convolution of that size can do. A residual of 0 means some such convolution
    computes the target; a clearly positive one means none does.

    Parameters
    ----------
    images : array_like
        ``(H, W, C)`` or ``(N, H, W, C)``.
    target : array_like
        ``(H - size + 1, W - size + 1, F)``, or a batch of those: what the convolution
        should output at each 'valid' position.
    size : int
        The kernel's height and width.

    Returns
    -------
    ConvFit

    Raises
    ------
    ValueError
        When the target's positions do not match a 'valid' convolution of ``size``, or when
        there are no more positions than fitted numbers (an under-determined fit would reach
        residual 0 and prove nothing).

    Examples
    --------
    Two linear 3x3 layers are one 5x5 convolution, so the fit is exact:

    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(4, 12, 12, 2))
    >>> k1, k2 = rng.normal(size=(3, 3, 2, 3)), rng.normal(size=(3, 3, 3, 1))
    >>> fit = best_conv_fit(x, apply_conv2d(apply_conv2d(x, k1), k2))
    >>> fit.kernel.shape, fit.residual < 1e-9
    ((5, 5, 2, 1), True)

    With a ReLU between them, no 5x5 convolution is:

    >>> relu_stack = apply_conv2d(np.maximum(apply_conv2d(x, k1), 0), k2)
    >>> best_conv_fit(x, relu_stack).residual > 0.05
    True
    """
    x, _ = as_batch(images)
    y = real_array(target, "target", np.float64)
    size = positive_int(size, "size")
    if y.ndim == 3:
        y = y[None]
    out_h, out_w = (conv_output_size(n, size) for n in x.shape[1:3])
    if y.ndim != 4 or y.shape[:3] != (x.shape[0], out_h, out_w):
        raise ValueError(f"target must have shape ({x.shape[0]}, {out_h}, {out_w}, F): the "
                         f"'valid' output of a {size}x{size} convolution of these images; got "
                         f"{y.shape}")
    channels = x.shape[-1]
    positions = y.shape[0] * out_h * out_w
    if positions <= size * size * channels + 1:
        raise ValueError(f"need more output positions ({positions}) than fitted numbers per "
                         f"filter ({size * size * channels + 1}); use more or larger images")
    # One row per output position: its input patch, as (row, column, channel), then a 1.
    patches = np.lib.stride_tricks.sliding_window_view(x, (size, size), axis=(1, 2))
    patches = np.moveaxis(patches, 3, -1).reshape(positions, -1)
    design = np.hstack([patches, np.ones((positions, 1))])
    values = y.reshape(positions, -1)
    coef = np.linalg.lstsq(design, values, rcond=None)[0]
    spread = np.linalg.norm(values - values.mean(axis=0))
    residual = float(np.linalg.norm(design @ coef - values) / spread) if spread else 0.0
    kernel = coef[:-1].reshape(size, size, channels, values.shape[1])
    return ConvFit(kernel, coef[-1], residual)


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
    if isinstance(seed, bool) or not hasattr(seed, "__index__") or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    image_size = positive_int(image_size, "image_size")
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(positive_int(n_images, "n_images"), image_size, image_size,
                         positive_int(in_channels, "in_channels")))
    k1 = rng.normal(size=(3, 3, in_channels, positive_int(mid_channels, "mid_channels")))
    k2 = rng.normal(size=(3, 3, mid_channels, positive_int(out_channels, "out_channels")))
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
                        best_conv_fit(x, linear, 5).residual,
                        best_conv_fit(x, relu, 5).residual)
