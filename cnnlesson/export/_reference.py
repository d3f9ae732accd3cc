"""Keras's own answers for some exported images: what the explorer's tests compare with."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from cnnlesson.export._layers import check_layer

# Layers after a convolution that the explorer's computation panel follows, one
# position at a time.
POINTWISE = ("BatchNormalization", "ReLU")


def _first_conv(model):
    for index, layer in enumerate(model.layers):
        if type(layer).__name__ == "Conv2D":
            return index, layer
    raise ValueError(f"model {model.name!r} has no Conv2D layer: the computation panel "
                     "spells out a unit of the first convolution")


def write_reference(model, pixels, folder, *, images=(0, 1, 2), units=()):
    """Keras's answers for some exported images, for tests of the page to compare with.

    Writes ``reference.json`` and ``reference.bin`` (float32) into ``folder``: for each
    image, every spatial layer's maps and the ten outputs of ``model``; and for each
    ``(image, n, row, column)`` of ``units``, the parts of the first convolution's map ``n``
    at that unit from :func:`cnnlesson.analysis.decompose_feature_map` (a convolution
    without bias adds 0), its output, and the values at that unit of the batch
    normalisation and ReLU layers that directly follow it, if any.

    Parameters
    ----------
    model : keras.Model
        The model the page must agree with: :func:`rounded_model` of the trained one.
    pixels : numpy.ndarray
        ``(N, 32, 32, 3)`` uint8, the exported images.
    folder : str or pathlib.Path
        The export's folder for this model.
    images : sequence of int
        Indices into ``pixels`` whose outputs are stored.
    units : sequence of (image, n, row, column)
        Units of the first convolution to split into their parts.

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
    ...                             tempfile.mkdtemp(), images=(1,), units=[(0, 3, 0, 0)])
    >>> sorted(reference["images"][0]["maps"]), len(reference["units"][0]["channel_sums"])
    (['conv2d', 'conv2d_1', 'dropout', 'max_pooling2d'], 3)

    In the final design, the first convolution has no bias; a batch normalisation and a
    ReLU follow it:

    >>> from cnnlesson import build_design_model
    >>> unit = write_reference(build_design_model(compile=False), pixels, tempfile.mkdtemp(),
    ...                        images=(), units=[(0, 3, 0, 0)])["units"][0]
    >>> unit["bias"], sorted(unit["next"])
    (0.0, ['batch_normalization', 're_lu'])
    """
    from cnnlesson.analysis import decompose_feature_map
    from cnnlesson.data import scale_images
    from cnnlesson.extract import feature_extractor

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    pixels = np.asarray(pixels)
    extractor = feature_extractor(model)
    names = [layer.name for layer in model.layers]

    def outputs_of(indices):
        return extractor.predict(scale_images(pixels[list(indices)]), verbose=0)

    blob, entries, offset = [], [], 0
    outputs = outputs_of(images) if len(images) else []
    for position, image in enumerate(images):
        maps = {}
        for name, out in zip(names, outputs, strict=True):
            if out.ndim == 4:
                array = np.ascontiguousarray(out[position], dtype="<f4")
                maps[name] = {"shape": list(array.shape), "offset": offset}
                blob.append(array.tobytes())
                offset += array.nbytes
        entries.append({"image": int(image), "maps": maps,
                        "probabilities": [float(v) for v in outputs[-1][position]]})

    index, conv = _first_conv(model)
    check_layer(conv)
    activation = conv.activation.__name__
    if activation not in ("relu", "linear"):
        raise ValueError(f"{conv.name} has activation {activation!r}; the computation panel "
                         "spells out relu or linear (none)")
    kernel = conv.get_weights()[0]
    bias = conv.get_weights()[1] if conv.use_bias else None
    following = []
    for layer in model.layers[index + 1:]:
        if type(layer).__name__ not in POINTWISE:
            break
        following.append(layer.name)
    parts = []
    for image, n, row, column in units:
        split = decompose_feature_map(scale_images(pixels[image]), kernel, bias, n,
                                      padding=conv.padding)
        pre = float(split.pre_activation[row, column])
        after = outputs_of([image]) if following else []
        parts.append({
            "image": int(image), "layer": conv.name, "map": int(n), "row": int(row),
            "column": int(column), "bias": split.bias,
            "channel_sums": [float(v) for v in split.channel_maps[:, row, column]],
            "pre_activation": pre, "output": max(pre, 0.0) if activation == "relu" else pre,
            "next": {name: float(after[names.index(name)][0, row, column, n])
                     for name in following},
        })
    reference = {"images": entries, "units": parts}
    (folder / "reference.bin").write_bytes(b"".join(blob))
    (folder / "reference.json").write_text(json.dumps(reference))
    return reference
