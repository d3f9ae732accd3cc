"""Look inside a trained network: every layer's output for a batch of images."""

from __future__ import annotations

import operator

import numpy as np

from cnnlesson._checks import real_array
from cnnlesson.analysis._models import leaf_layers, require_model


def _check_graph_model(model, reader):
    """Refuse models whose layers' outputs cannot be read: subclassed or multi-input."""
    require_model(model, reader)
    if len(model.inputs) != 1:
        raise ValueError(f"expected a model with one input (images), this one has "
                         f"{len(model.inputs)}")


def _check_single_call(model, layer):
    """Refuse a layer that the model applies more than once: Keras keeps one output."""
    times = sum(candidate is layer for candidate in model.layers)
    if times > 1:
        raise ValueError(f"model {model.name!r} applies layer {layer.name!r} {times} times, "
                         "and Keras keeps the output of its first call only; give each "
                         "application a layer of its own")


def _refuse_unknown_name(model, name, names):
    for nested in model.layers:
        if hasattr(nested, "layers") and any(
                inner.name == name for inner in leaf_layers(nested, "feature_maps")):
            raise ValueError(f"layer {name!r} is inside the nested model {nested.name!r}; "
                             f"pass {nested.name!r} for that model's output")
    raise ValueError(f"no layer named {name!r}; the layers are {names}")


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

    Raises
    ------
    ValueError
        When ``model`` is not a built ``keras.Sequential`` or functional model with one
        input, or applies a layer more than once.

    Examples
    --------
    >>> from cnnlesson import build_lesson_model
    >>> extractor = feature_extractor(build_lesson_model(compile=False))
    >>> outputs = extractor(np.zeros((1, 32, 32, 3), dtype="float32"))
    >>> [tuple(output.shape) for output in outputs][:4]
    [(1, 32, 32, 32), (1, 32, 32, 32), (1, 32, 32, 32), (1, 16, 16, 32)]
    """
    import keras

    _check_graph_model(model, "feature_extractor")
    for layer in model.layers:
        _check_single_call(model, layer)
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
        When the image is not finite real numbers of the model's input shape, the layer
        does not exist, is not an int or a str (``2.0``, ``None``, ``True``) or is applied
        more than once, or the model is not a built ``keras.Sequential`` or functional
        model with one input.

    Examples
    --------
    >>> from cnnlesson import build_lesson_model
    >>> model = build_lesson_model(compile=False)
    >>> feature_maps(model, np.zeros((32, 32, 3), "float32"), "conv2d_1").shape
    (32, 32, 32)
    >>> feature_maps(model, np.zeros((32, 32, 3), "float32"), 2.0)
    Traceback (most recent call last):
    ValueError: layer must be a layer's index (int) or name (str), got 2.0 (float)
    """
    import keras

    _check_graph_model(model, "feature_maps")
    if isinstance(layer, bool) or not isinstance(layer, str) and not hasattr(layer,
                                                                             "__index__"):
        raise ValueError(f"layer must be a layer's index (int) or name (str), got {layer!r} "
                         f"({type(layer).__name__})")
    expected = tuple(model.inputs[0].shape[1:])
    image = real_array(image, "image", "float32")
    if image.shape != expected:
        raise ValueError(f"expected one image of shape {expected}, got {image.shape}")
    names = [candidate.name for candidate in model.layers]
    if isinstance(layer, str):
        if layer not in names:
            _refuse_unknown_name(model, layer, names)
        index = names.index(layer)
    else:
        layer = operator.index(layer)
        if not -len(names) <= layer < len(names):
            raise ValueError(f"layer index {layer} is out of range for {len(names)} layers")
        index = layer
    _check_single_call(model, model.layers[index])
    probe = keras.Model(inputs=model.inputs[0], outputs=model.layers[index].output)
    # convert_to_numpy, not np.asarray: a PyTorch output that tracks gradients refuses the
    # latter.
    return keras.ops.convert_to_numpy(probe(image[np.newaxis]))[0]
