"""Look inside a trained network: every layer's output for a batch of images."""

from __future__ import annotations

import numpy as np


def feature_extractor(model):
    """A model with the same input that returns the output of every layer.

    Parameters
    ----------
    model : keras.Model
        A built model, for example from :func:`cnnlesson.build_lesson_model`.

    Returns
    -------
    keras.Model
        Called on a batch, it returns a list with one array per layer of
        ``model``, in order.

    Examples
    --------
    >>> from cnnlesson import build_lesson_model
    >>> extractor = feature_extractor(build_lesson_model(compile=False))
    >>> outputs = extractor(np.zeros((1, 32, 32, 3), dtype="float32"))
    >>> [tuple(output.shape) for output in outputs][:4]
    [(1, 32, 32, 32), (1, 32, 32, 32), (1, 32, 32, 32), (1, 16, 16, 32)]
    """
    import keras

    return keras.Model(inputs=model.inputs[0], outputs=[layer.output for layer in model.layers])


def feature_maps(model, image, layer):
    """The feature maps one layer produces for one image.

    Parameters
    ----------
    model : keras.Model
        The network.
    image : numpy.ndarray
        One image of the model's input shape, e.g. ``(32, 32, 3)`` float32 in [0, 1].
    layer : int or str
        The layer's index in ``model.layers`` or its name.

    Returns
    -------
    numpy.ndarray
        The layer's output for that image without the batch axis, e.g.
        ``(32, 32, 32)`` for a convolution: height, width, feature map.

    Raises
    ------
    ValueError
        When the image does not have the model's input shape or the layer
        does not exist.

    Examples
    --------
    >>> from cnnlesson import build_lesson_model
    >>> model = build_lesson_model(compile=False)
    >>> feature_maps(model, np.zeros((32, 32, 3), "float32"), "conv2d_1").shape
    (32, 32, 32)
    """
    import keras

    expected = tuple(model.inputs[0].shape[1:])
    image = np.asarray(image, dtype="float32")
    if image.shape != expected:
        raise ValueError(f"expected one image of shape {expected}, got {image.shape}")
    names = [candidate.name for candidate in model.layers]
    if isinstance(layer, str):
        if layer not in names:
            raise ValueError(f"no layer named {layer!r}; the layers are {names}")
        index = names.index(layer)
    else:
        if not -len(names) <= layer < len(names):
            raise ValueError(f"layer index {layer} is out of range for {len(names)} layers")
        index = layer
    probe = keras.Model(inputs=model.inputs[0], outputs=model.layers[index].output)
    return np.asarray(probe(image[np.newaxis]))[0]
