"""What :func:`cnnlesson.export.export_explorer` is given, checked before it writes a byte.

The page runs whatever the export holds: a network built for other images or with a layer
the page cannot run, a label with no class, a class list of the wrong length or no image at
all would reach the reader as scores for a model Keras cannot even run, or as a page that
fails. Each is refused here, the message naming the argument and the fix.
"""

from __future__ import annotations

import re

import numpy as np

from cnnlesson.export._layers import layer_geometry
from cnnlesson.models import INPUT_SHAPE


def _input_shape(key, model):
    try:
        shape = model.inputs[0].shape
    except (AttributeError, IndexError, TypeError, ValueError):
        raise ValueError(f"networks[{key!r}] is not built: start it with keras.Input(...) "
                         "so that its input shape is known") from None
    return tuple(int(d) for d in shape[1:])


def _check_networks(networks, image_shape, classes):
    import keras

    if isinstance(networks, keras.Model) or not hasattr(networks, "items") or not networks:
        raise ValueError("networks must be a dict of named Keras models, e.g. "
                         "{'lesson': model}; its keys name the page's choices")
    for key, model in networks.items():
        if not isinstance(key, str) or not re.fullmatch(r"[a-z][a-z0-9_-]*", key):
            raise ValueError(f"network key {key!r} must be lower-case letters, digits, "
                             "'-' or '_', starting with a letter: it names a folder")
        if not isinstance(model, keras.Model):
            raise ValueError(f"networks[{key!r}] is a {type(model).__name__}, not a Keras "
                             "model")
        shape = _input_shape(key, model)
        if shape != image_shape:
            raise ValueError(f"networks[{key!r}] takes inputs of shape {shape}, but the "
                             f"images (pixels) are {image_shape}: export a network built "
                             "for these images")
        outputs = tuple(int(d) for d in model.outputs[0].shape[1:])
        if outputs != (len(classes),):
            raise ValueError(f"networks[{key!r}] gives outputs of shape {outputs}, but "
                             f"classes names {len(classes)}: give one class name per output")


def _check_classes(classes):
    if isinstance(classes, str) or not hasattr(classes, "__len__"):
        raise ValueError(f"classes must be a list of class names, got {classes!r}")
    classes = list(classes)
    if not classes or not all(isinstance(name, str) and name.strip() for name in classes):
        raise ValueError(f"classes must be non-empty strings, one per output, got {classes!r}")
    if len(set(classes)) != len(classes):
        raise ValueError(f"classes names a class twice: {classes!r}; the page tells "
                         "classes apart by name")
    return classes


def _check_labels(labels, count, classes):
    labels = list(labels)
    if len(labels) != count:
        raise ValueError(f"{count} images but {len(labels)} labels: give one label per image")
    for position, label in enumerate(labels):
        whole = isinstance(label, (int, np.integer)) and not isinstance(label, bool)
        if not whole or not 0 <= label < len(classes):
            raise ValueError(f"labels[{position}] is {label!r}; a label is a class index, "
                             f"an integer from 0 to {len(classes) - 1} (classes has "
                             f"{len(classes)} names)")
    return [int(label) for label in labels]


def checked_arguments(networks, pixels, labels, sources, classes):
    """``(pixels, labels, classes)`` as the export writes them, or ValueError naming the fix.

    Examples
    --------
    >>> import keras
    >>> wide = keras.Sequential([keras.Input((64, 64, 3)), keras.layers.Flatten(),
    ...                          keras.layers.Dense(10)])
    >>> images = np.zeros((1, 32, 32, 3), np.uint8)
    >>> checked_arguments({"wide": wide}, images, [0], ["a"], [str(i) for i in range(10)])
    Traceback (most recent call last):
    ValueError: networks['wide'] takes inputs of shape (64, 64, 3), but the images ...
    """
    classes = _check_classes(classes)
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.shape[1:] != INPUT_SHAPE:
        raise ValueError(f"pixels must be uint8 of shape (N, 32, 32, 3), got {pixels.dtype} "
                         f"{pixels.shape}; pass the images before scale_images")
    if not len(pixels):
        raise ValueError("pixels holds no image: give at least one, the page shows the "
                         "first as soon as it loads")
    _check_networks(networks, INPUT_SHAPE, classes)
    for model in networks.values():
        layer_geometry(model)  # refuses a model, or a layer, that the page cannot run
    labels = _check_labels(labels, len(pixels), classes)
    if (isinstance(sources, str) or not hasattr(sources, "__len__")
            or len(sources) != len(pixels)):
        raise ValueError(f"{len(pixels)} images but sources is {sources!r}: give one source "
                         "(e.g. 'X_test[3]') per image")
    return pixels, labels, classes
