"""Each layer as the explorer's script runs it, and the input pixels each unit depends on.

:func:`layer_spec` describes one Keras layer for ``network.js`` (its kind, output shape and
options) and gives the weight arrays it needs; :func:`layer_geometry` works out, with
:func:`cnnlesson.analysis.receptive_field`, which input pixels every unit of every spatial
layer depends on. A layer, or an option of one, that the script cannot run is refused
here, when the site is built, rather than computed wrongly in the reader's browser.
"""

from __future__ import annotations

import numpy as np

from cnnlesson.analysis import receptive_field

#: The layers the explorer runs, in no particular order.
SUPPORTED = ("RandomFlip", "RandomTranslation", "Conv2D", "BatchNormalization", "ReLU",
             "Dropout", "MaxPooling2D", "GlobalAveragePooling2D", "Flatten", "Dense")
#: Activations of Conv2D and Dense layers the explorer computes.
ACTIVATIONS = ("linear", "relu", "sigmoid", "softmax")


def _refuse(layer, problem):
    raise ValueError(
        f"the explorer cannot run layer {layer.name!r} ({type(layer).__name__}): {problem}; "
        f"export a keras.Sequential model of the layers it runs ({', '.join(SUPPORTED)}) "
        "with their default options")


def check_layer(layer):
    """Raise ValueError, naming the layer and the fix, unless the explorer can run it.

    Examples
    --------
    >>> import keras
    >>> check_layer(keras.layers.Conv2D(4, 3, name="c"))
    >>> check_layer(keras.layers.Conv2D(4, 3, dilation_rate=2, name="wide"))
    Traceback (most recent call last):
    ValueError: the explorer cannot run layer 'wide' (Conv2D): dilation_rate (2, 2), not (1, 1); ...
    >>> check_layer(keras.layers.LayerNormalization(name="norm"))
    Traceback (most recent call last):
    ValueError: the explorer cannot run layer 'norm' (LayerNormalization): ...
    """
    kind = type(layer).__name__
    if kind not in SUPPORTED:
        _refuse(layer, "it is not one of the layers the page's script computes")
    if getattr(layer, "data_format", "channels_last") != "channels_last":
        _refuse(layer, f"data_format {layer.data_format!r}, not 'channels_last'")
    if kind in ("Conv2D", "MaxPooling2D"):
        window = layer.kernel_size if kind == "Conv2D" else layer.pool_size
        if window[0] != window[1] or layer.strides[0] != layer.strides[1]:
            _refuse(layer, f"a {window} window with strides {layer.strides}; the page "
                           "outlines square windows with equal strides")
    if kind == "Conv2D":
        if tuple(layer.dilation_rate) != (1, 1):
            _refuse(layer, f"dilation_rate {tuple(layer.dilation_rate)}, not (1, 1)")
        if layer.groups != 1:
            _refuse(layer, f"groups={layer.groups}, not 1")
    if kind in ("Conv2D", "Dense") and layer.activation.__name__ not in ACTIVATIONS:
        _refuse(layer, f"activation {layer.activation.__name__!r}, not one of "
                       f"{', '.join(ACTIVATIONS)}")
    if kind == "BatchNormalization" and layer.axis not in (-1, 3, [-1], [3]):
        _refuse(layer, f"axis={layer.axis}: it must normalise the channels (axis -1)")
    if kind == "ReLU" and (layer.max_value is not None or layer.negative_slope
                           or layer.threshold):
        _refuse(layer, "max_value, negative_slope or threshold set; the page computes "
                       "max(0, x)")
    if kind == "GlobalAveragePooling2D" and layer.keepdims:
        _refuse(layer, "keepdims=True")
    if kind == "Dense" and len(layer.input.shape) != 2:
        _refuse(layer, f"its input has shape {tuple(layer.input.shape)[1:]}; put Flatten "
                       "or global pooling before it")


def _shape(tensor):
    return [int(d) for d in tensor.shape[1:]]


def layer_spec(layer):
    """What ``network.js`` needs to run ``layer``: its description and its weight arrays.

    A batch normalisation ships as one scale and one shift per channel, folded from its
    four vectors when predicting: ``gamma * (x - moving_mean) / sqrt(moving_variance +
    epsilon) + beta`` is ``scale * x + shift``, the form in which TensorFlow computes it.
    A convolution without bias ships its kernel alone.

    Parameters
    ----------
    layer : keras.layers.Layer
        A built layer that :func:`check_layer` accepts.

    Returns
    -------
    spec : dict
        ``name``, ``type``, ``output_shape``, and the options of its kind
        (``activation``, ``kernel_size``, ``strides``, ``padding``, ``use_bias``,
        ``pool_size``, ``epsilon``).
    arrays : list of numpy.ndarray
        float32 weights, in the order the script reads them.

    Examples
    --------
    >>> import keras
    >>> norm = keras.layers.BatchNormalization(epsilon=0.5, name="norm")
    >>> _ = keras.Sequential([keras.Input((4, 4, 2)), norm])
    >>> norm.set_weights([np.array([2.0, 1.0]), np.array([0.0, 1.0]),   # gamma, beta
    ...                   np.array([1.0, 0.0]), np.array([3.5, 3.5])])  # mean, variance
    >>> spec, (scale, shift) = layer_spec(norm)
    >>> spec["type"], scale.tolist(), shift.tolist()
    ('BatchNormalization', [1.0, 0.5], [-1.0, 1.0])
    """
    check_layer(layer)
    kind = type(layer).__name__
    spec = {"name": layer.name, "type": kind, "output_shape": _shape(layer.output)}
    arrays = [np.asarray(w) for w in layer.get_weights()]
    if kind in ("Conv2D", "Dense"):
        spec["activation"] = layer.activation.__name__
    if kind == "Conv2D":
        spec.update(kernel_size=list(layer.kernel_size), strides=list(layer.strides),
                    padding=layer.padding, use_bias=bool(layer.use_bias))
    elif kind == "MaxPooling2D":
        spec.update(pool_size=list(layer.pool_size), strides=list(layer.strides),
                    padding=layer.padding)
    elif kind == "BatchNormalization":
        # Read by name, not by position: a layer built with scale=False or center=False
        # has no gamma or no beta.
        channels = int(layer.moving_mean.shape[0])
        gamma = np.asarray(layer.gamma, np.float64) if layer.scale else np.ones(channels)
        beta = np.asarray(layer.beta, np.float64) if layer.center else np.zeros(channels)
        mean = np.asarray(layer.moving_mean, np.float64)
        variance = np.asarray(layer.moving_variance, np.float64)
        scale = gamma / np.sqrt(variance + layer.epsilon)
        arrays = [scale, beta - mean * scale]
        spec["epsilon"] = float(layer.epsilon)
    elif kind != "Dense":
        arrays = []  # an augmentation layer's weights are its random generator's state
    return spec, [np.asarray(a, np.float32) for a in arrays]


def same_padding_before(size, kernel, stride):
    """Zeros Keras adds before the first row with ``padding='same'``."""
    out = -(-size // stride)
    return max((out - 1) * stride + kernel - size, 0) // 2


def layer_geometry(model):
    """Output shape, padding and receptive field of every layer with a spatial output.

    The receptive field's size and jump come from
    :func:`cnnlesson.analysis.receptive_field`; ``start`` is the input row (or column) of
    the first pixel that unit 0 sees, negative when the window starts in the padding.
    Unit ``i`` depends on input rows ``max(0, start + i * jump)`` to
    ``min(end, start + i * jump + size - 1)``: its window, cut off at the top of the image
    and at ``end``, the last input row that any unit of the layer depends on (the image's
    last row, unless a strided layer before it left the last rows out). Layers that act
    only in training (augmentation, dropout), batch normalisation and ReLU work position
    by position: their units see what the units of the layer before them see. The list
    ends where the maps do, at flattening or global pooling, after which every unit
    depends on the whole image.

    Parameters
    ----------
    model : keras.Sequential
        A built stack of the layers the explorer runs (see ``SUPPORTED``), with square
        windows and equal strides.

    Returns
    -------
    dict
        ``{layer name: {"shape": [h, w, c], "pad": [top, left], "size", "jump", "start",
        "end"}}``; the same along columns as along rows.

    Raises
    ------
    ValueError
        For a model that is not a ``keras.Sequential`` or has a layer the explorer does
        not run; the message names the layer.

    Examples
    --------
    >>> from cnnlesson import build_lesson_model
    >>> geometry = layer_geometry(build_lesson_model(compile=False))
    >>> {name: (g["size"], g["jump"], g["start"]) for name, g in geometry.items()}
    {'conv2d': (3, 1, -1), 'dropout': (3, 1, -1), 'conv2d_1': (5, 1, -2), \
'max_pooling2d': (6, 2, -2)}

    The final design's last block sees the whole image, and its maps end at the global
    pooling:

    >>> from cnnlesson import build_design_model
    >>> geometry = layer_geometry(build_design_model(compile=False))
    >>> [(name, g["shape"][0], g["size"]) for name, g in geometry.items()][-4:]
    [('conv2d_5', 8, 32), ('batch_normalization_5', 8, 32), ('re_lu_5', 8, 32), \
('max_pooling2d_2', 4, 36)]
    """
    import keras

    if not isinstance(model, keras.Sequential):
        raise ValueError(f"the explorer runs a keras.Sequential model, one layer after the "
                         f"other; {model.name!r} is a {type(model).__name__}")
    for layer in model.layers:
        check_layer(layer)
    geometry, chain = {}, []
    height = int(model.inputs[0].shape[1])
    # The layer before, along one axis: units, first input row, rows between units,
    # window, last input row any unit depends on.
    units, start, jump, size, end = height, 0, 1, 1, height - 1
    for layer in model.layers:
        kind = type(layer).__name__
        shape = _shape(layer.output)
        if len(shape) != 3:
            break
        chain.append(layer)  # training-only layers leave the field as it is
        pad = 0
        if kind in ("Conv2D", "MaxPooling2D"):
            window = layer.kernel_size[0] if kind == "Conv2D" else layer.pool_size[0]
            stride = layer.strides[0]
            if layer.padding == "same":
                pad = same_padding_before(units, window, stride)
            # The last unit's window, within the units that exist before it.
            last = min(units - 1, (shape[0] - 1) * stride - pad + window - 1)
            end = min(end, start + last * jump + size - 1)
            start -= pad * jump
        field = receptive_field(chain)
        units, jump, size = shape[0], field.jump, field.size
        geometry[layer.name] = {"shape": shape, "pad": [pad, pad], "size": size,
                                "jump": jump, "start": start, "end": end}
    return geometry
