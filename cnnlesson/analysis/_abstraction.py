"""How much a layer's feature maps still look like the picture: one measure for every page.

The tutorial says deeper maps are "more abstract". The measure here makes one side of
that claim countable: a map that follows the brightness of the image (or its negative)
pixel by pixel is a filtered copy of the picture; a map that does not is something else.
:func:`map_likeness` gives the absolute Pearson correlation of each map with the image's
grey level, and :func:`layer_likeness` its mean over the maps that respond at all. A map
that is constant (for instance zero everywhere after the ReLU) has no correlation with
anything and is left out rather than counted as 0, so that a layer is not called
"abstract" merely because many of its filters are silent on this image.
"""

from __future__ import annotations

import numpy as np

from cnnlesson._checks import real_array
from cnnlesson.analysis._convolution import GREY_WEIGHTS


def _grey_at(image, height, width):
    """The image's grey level, averaged over blocks so that it is ``height`` x ``width``."""
    picture = real_array(image, "image", float)
    if picture.ndim != 3 or picture.shape[-1] != 3:
        raise ValueError(f"image must be one RGB image (height, width, 3), got {picture.shape}")
    grey = picture @ np.asarray(GREY_WEIGHTS)
    h, w = grey.shape
    if h % height or w % width or h // height != w // width:
        raise ValueError(f"maps of {height}x{width} do not tile an image of {h}x{w}; "
                         "pass the maps of a layer whose size divides the image's")
    factor = h // height
    return grey.reshape(height, factor, width, factor).mean(axis=(1, 3))


def map_likeness(maps, image):
    """Absolute correlation of each feature map with the image's brightness, pixel by pixel.

    Parameters
    ----------
    maps : array_like, shape (height, width, channels)
        One layer's output for one image, without the batch axis.
    image : array_like, shape (H, W, 3)
        The image the maps were computed from. When the maps are smaller (after pooling),
        its grey level is averaged over blocks to the maps' size.

    Returns
    -------
    numpy.ndarray, shape (channels,)
        Values in [0, 1]: near 1 for a map that copies the brightness or its negative,
        near 0 for one unrelated to it; ``nan`` for a constant map.

    Raises
    ------
    ValueError
        When ``maps`` is not 3-D, or its size does not tile the image's.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> image = rng.random((4, 4, 3))
    >>> grey = image @ np.array([0.299, 0.587, 0.114])
    >>> maps = np.stack([grey, 1 - grey, np.zeros((4, 4))], axis=-1)
    >>> map_likeness(maps, image).round(3)
    array([ 1.,  1., nan])
    """
    maps = real_array(maps, "maps", float)
    if maps.ndim != 3:
        hint = "; drop the batch axis with maps[0]" if maps.ndim == 4 else ""
        raise ValueError(f"maps must have shape (height, width, channels), got {maps.shape}"
                         + hint)
    if 0 in maps.shape:
        raise ValueError("maps must have at least one row, column and channel, got shape "
                         f"{maps.shape}")
    height, width, channels = maps.shape
    grey = _grey_at(image, height, width).ravel()
    grey = grey - grey.mean()
    flat = maps.reshape(-1, channels)
    flat = flat - flat.mean(axis=0)
    norms = np.linalg.norm(flat, axis=0) * np.linalg.norm(grey)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.abs(grey @ flat) / norms
    values[norms == 0] = np.nan
    return np.clip(values, 0.0, 1.0)


def layer_likeness(maps, image):
    """How much a layer's maps look like the picture: the mean of :func:`map_likeness`.

    The mean is over the maps that respond somewhere (are not constant); a lower value
    means the layer's maps have moved further from a filtered copy of the picture, one
    measurable sense of "more abstract".

    Parameters
    ----------
    maps, image
        As for :func:`map_likeness`.

    Returns
    -------
    float
        In [0, 1]; ``nan`` when no map responds.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> image = rng.random((4, 4, 3))
    >>> grey = image @ np.array([0.299, 0.587, 0.114])
    >>> noise = rng.random((4, 4))
    >>> round(layer_likeness(np.stack([grey, np.zeros((4, 4))], axis=-1), image), 3)
    1.0
    >>> layer_likeness(np.stack([grey, noise], axis=-1), image) < 1
    True
    """
    values = map_likeness(maps, image)
    if np.isnan(values).all():
        return float("nan")
    return float(np.nanmean(values))
