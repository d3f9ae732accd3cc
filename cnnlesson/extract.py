"""Look inside a trained network: every layer's output for a batch of images."""

from __future__ import annotations

import operator

import numpy as np


def _check_graph_model(model):
    """Refuse models whose layers' outputs cannot be read: subclassed or multi-input."""
    inputs = getattr(model, "inputs", None) if hasattr(model, "layers") else None
    if not inputs:
        raise TypeError(
            f"expected a built Sequential or functional keras.Model, got "
            f"{type(model).__name__}: a subclassed model (or any other object) has no graph "
            "of layer outputs to read; rebuild it with keras.Sequential or the functional API"
        )
    if len(inputs) != 1:
        raise ValueError(f"expected a model with one input (images), this one has "
                         f"{len(inputs)}")


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

    _check_graph_model(model)
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
        The layer's index in ``model.layers`` (negative counts from the end) or its name.

    Returns
    -------
    numpy.ndarray
        The layer's output for that image without the batch axis, e.g.
        ``(32, 32, 32)`` for a convolution: height, width, feature map.

    Raises
    ------
    ValueError
        When the image does not have the model's input shape, the layer does not exist,
        or the model has more than one input.
    TypeError
        When ``layer`` is neither an int nor a str (``2.0``, ``None``, ``True``), or the
        model is not a Sequential or functional model.

    Examples
    --------
    >>> from cnnlesson import build_lesson_model
    >>> model = build_lesson_model(compile=False)
    >>> feature_maps(model, np.zeros((32, 32, 3), "float32"), "conv2d_1").shape
    (32, 32, 32)
    >>> feature_maps(model, np.zeros((32, 32, 3), "float32"), 2.0)
    Traceback (most recent call last):
    TypeError: layer must be a layer's index (int) or name (str), got 2.0 (float)
    """
    import keras

    _check_graph_model(model)
    if isinstance(layer, bool) or not isinstance(layer, str) and not hasattr(layer,
                                                                             "__index__"):
        raise TypeError(f"layer must be a layer's index (int) or name (str), got {layer!r} "
                        f"({type(layer).__name__})")
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
        layer = operator.index(layer)
        if not -len(names) <= layer < len(names):
            raise ValueError(f"layer index {layer} is out of range for {len(names)} layers")
        index = layer
    probe = keras.Model(inputs=model.inputs[0], outputs=model.layers[index].output)
    # convert_to_numpy, not np.asarray: a PyTorch output that tracks gradients refuses the
    # latter.
    return keras.ops.convert_to_numpy(probe(image[np.newaxis]))[0]
