"""Keras's own answers for some exported images: what the explorer's tests compare with.

Every layer's output comes from Keras (:func:`cnnlesson.feature_extractor`). A unit's parts
(the terms the page adds up) are computed here in float64 from the layer's input as Keras
gives it and the layer's weights: a convolution's one sum per input channel by
:func:`cnnlesson.analysis.decompose_feature_map`, a dense unit's products of input and
weight, a pooling unit's window. Keras's output at the unit is stored beside them, so a
test checks both that the parts add up and that they add up to what Keras computes.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from cnnlesson.analysis import decompose_feature_map
from cnnlesson.data import scale_images
from cnnlesson.export._layers import check_layer, same_padding_before
from cnnlesson.extract import feature_extractor


def default_units(model, image=0):
    """Two units of every layer: a corner (or the first) and one inside (or the largest).

    Returns
    -------
    list of (image, layer name, unit)
        ``unit`` is ``(row, column, channel)`` on maps, ``(index,)`` on vectors.

    Examples
    --------
    >>> from cnnlesson import build_lesson_model
    >>> [u for u in default_units(build_lesson_model(compile=False)) if u[1] == "conv2d_1"]
    [(0, 'conv2d_1', (0, 0, 0)), (0, 'conv2d_1', (16, 10, 31))]
    """
    units = []
    for layer in model.layers:
        shape = [int(d) for d in layer.output.shape[1:]]
        if len(shape) == 3:
            height, width, channels = shape
            inside = (height // 2, width // 3, channels - 1)
        else:
            inside = (shape[0] // 2,) if shape[0] > 1 else None
        first = (0,) * len(shape)
        units += [(image, layer.name, first)] + ([(image, layer.name, inside)] if inside else [])
    return units


def _window(inputs, layer, unit):
    """Input positions and values of a pooling unit's window, in the padded layout."""
    row, column, channel = unit
    size, stride = layer.pool_size[0], layer.strides[0]
    height, width = inputs.shape[:2]
    top = same_padding_before(height, size, stride) if layer.padding == "same" else 0
    left = same_padding_before(width, size, stride) if layer.padding == "same" else 0
    cells = []
    for dy in range(size):
        for dx in range(size):
            r, c = row * stride + dy - top, column * stride + dx - left
            if 0 <= r < height and 0 <= c < width:
                cells.append({"row": r, "col": c, "value": float(inputs[r, c, channel])})
    return cells


def _explain(layer, inputs, outputs, unit, blob):
    """The parts of one unit as Keras's numbers give them (a dict for reference.json)."""
    kind = type(layer).__name__
    entry = {"type": kind, "value": float(outputs[tuple(unit)])}
    if kind == "Conv2D":
        if tuple(layer.strides) != (1, 1):
            raise ValueError(f"{layer.name}: the reference splits convolutions of stride 1")
        row, column, channel = unit
        weights = layer.get_weights()
        bias = weights[1] if layer.use_bias else None
        parts = decompose_feature_map(inputs, weights[0], bias, channel, padding=layer.padding)
        entry.update(terms=[float(v) for v in parts.channel_maps[:, row, column]],
                     bias=parts.bias, pre_activation=float(parts.pre_activation[row, column]),
                     activation=layer.activation.__name__)
    elif kind == "Dense":
        kernel, bias = (np.asarray(w, np.float64) for w in layer.get_weights())
        x = np.asarray(inputs, np.float64)
        products = x * kernel[:, unit[0]]
        logits = x @ kernel + bias
        entry.update(bias=float(bias[unit[0]]), pre_activation=float(logits[unit[0]]),
                     activation=layer.activation.__name__, logits=logits.tolist(),
                     products={"offset": blob.add(products), "count": len(products)})
    elif kind == "MaxPooling2D":
        entry["window"] = _window(inputs, layer, unit)
    elif kind == "GlobalAveragePooling2D":
        entry["mean_of"] = float(np.mean(np.asarray(inputs, np.float64)[..., unit[0]]))
    elif kind == "Flatten":
        entry["source"] = [int(i) for i in np.unravel_index(unit[0], inputs.shape)]
    else:  # element by element: batch normalisation, ReLU, and the training-only layers
        entry["input"] = float(inputs[tuple(unit)])
    return entry


class _Blob:
    """float32 arrays one after the other, each found by its byte offset."""

    def __init__(self):
        self.parts, self.size = [], 0

    def add(self, array):
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        offset = self.size
        self.parts.append(data)
        self.size += len(data)
        return offset


def write_reference(model, pixels, folder, *, images=(0, 1, 2), units=None):
    """Keras's answers for some exported images, for tests of the page to compare with.

    Writes ``reference.json`` and ``reference.bin`` (float32) into ``folder``: for each
    image of ``images``, every layer's output (maps and vectors) and the outputs of
    ``model``; and for each unit of ``units``, Keras's value there and its parts: a
    convolution's one sum per input channel (``terms``), ``bias``, ``pre_activation`` and
    ``activation``; a dense unit's products of input and weight (stored in the binary
    file), bias, pre-activation, activation and the ``logits`` of all its units; a max
    pooling unit's ``window``; the ``input`` at the same position for the layers that work
    value by value.

    Parameters
    ----------
    model : keras.Sequential
        The model the page must agree with: :func:`rounded_model` of the trained one.
    pixels : numpy.ndarray
        ``(N, 32, 32, 3)`` uint8, the exported images.
    folder : str or pathlib.Path
        The export's folder for this model.
    images : sequence of int
        Indices into ``pixels`` whose outputs are stored.
    units : sequence of (image, layer name, unit), optional
        ``unit`` is ``(row, column, channel)`` on maps and ``(index,)`` on vectors;
        :func:`default_units` when not given.

    Returns
    -------
    dict
        The content of ``reference.json``.

    Examples
    --------
    >>> import tempfile
    >>> from cnnlesson import build_lesson_model
    >>> pixels = np.full((2, 32, 32, 3), 128, np.uint8)
    >>> reference = write_reference(build_lesson_model(compile=False), pixels,
    ...                             tempfile.mkdtemp(), images=(1,))
    >>> list(reference["images"][0]["maps"])
    ['conv2d', 'dropout', 'conv2d_1', 'max_pooling2d', 'flatten', 'dense', 'dropout_1', \
'dense_1']
    >>> unit = next(u for u in reference["units"] if u["layer"] == "conv2d_1")
    >>> unit["unit"], len(unit["terms"]), unit["activation"]   # one term per input channel
    ([0, 0, 0], 32, 'relu')
    >>> bool(abs(sum(unit["terms"]) + unit["bias"] - unit["pre_activation"]) < 1e-6)
    True
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pixels = np.asarray(pixels)
    for layer in model.layers:
        check_layer(layer)
    extractor = feature_extractor(model)
    names = [layer.name for layer in model.layers]
    units = default_units(model) if units is None else units
    wanted = sorted(set(images) | {image for image, _, _ in units})
    scaled = scale_images(pixels[wanted])
    per_image = zip(*extractor.predict(scaled, verbose=0), strict=True)
    outputs = dict(zip(wanted, per_image, strict=True))
    inputs_of = {image: dict(zip(names, (scaled[i], *outputs[image][:-1]), strict=True))
                 for i, image in enumerate(wanted)}

    blob, entries = _Blob(), []
    for image in images:
        maps = {name: {"shape": list(out.shape), "offset": blob.add(out)}
                for name, out in zip(names, outputs[image], strict=True)}
        entries.append({"image": int(image), "maps": maps,
                        "probabilities": [float(v) for v in outputs[image][-1]]})
    parts = []
    for image, name, unit in units:
        index = names.index(name)
        layer, unit = model.layers[index], [int(i) for i in unit]
        entry = {"image": int(image), "layer": name, "unit": unit}
        entry.update(_explain(layer, inputs_of[image][name], outputs[image][index], unit, blob))
        parts.append(entry)
    reference = {"images": entries, "units": parts}
    (folder / "reference.bin").write_bytes(b"".join(blob.parts))
    (folder / "reference.json").write_text(json.dumps(reference))
    return reference
