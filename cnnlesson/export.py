"""The trained network for the browser: weights, images and geometry the explorer page loads.

:func:`export_explorer` writes a folder the site serves: ``model.json`` (the layers in
order, where each weight array sits in the binary file, the receptive field of every
spatial layer, the colour map, the images' labels), ``weights.bin`` and ``images.bin``.
The page's JavaScript only reads these numbers; no arithmetic of the network's shape is
typed twice.

The convolutions ship in float32, exactly as trained.  The large dense layer ships in
float16, which halves the download; :func:`rounded_model` is the Keras model with the same
rounding, the one the browser must agree with.  A float16 array is stored as two byte
planes (all low bytes, then all high bytes): the high bytes (sign, exponent) repeat a lot,
so the gzip compression of ``weights.bin`` shrinks them well.  Browsers undo the gzip
natively (``DecompressionStream``); no library is needed.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np

from cnnlesson.analysis import receptive_field
from cnnlesson.model import INPUT_SHAPE

FORMAT_VERSION = 2
# Weight arrays at least this large ship as float16; smaller ones stay float32.
FLOAT16_FROM = 100_000
SUPPORTED = ("Conv2D", "Dropout", "MaxPooling2D", "Flatten", "Dense")


def _same_padding_before(size, kernel, stride):
    """Zeros Keras adds before the first row with ``padding='same'``."""
    out = -(-size // stride)
    return max((out - 1) * stride + kernel - size, 0) // 2


def layer_geometry(model):
    """Output shape, padding and receptive field of every layer with a spatial output.

    The receptive field's size and jump come from
    :func:`cnnlesson.analysis.receptive_field`; ``start`` is the input row (or column) of
    the first pixel that unit 0 sees, negative when the window starts in the padding.
    Unit ``i`` sees input rows ``start + i * jump`` to ``start + i * jump + size - 1``,
    clipped to the image.

    Parameters
    ----------
    model : keras.Model
        A sequential stack of the layers the explorer runs (see ``SUPPORTED``), square
        windows and strides.

    Returns
    -------
    dict
        ``{layer name: {"shape": [h, w, c], "pad": [top, left], "size", "jump", "start"}}``.

    Examples
    --------
    >>> from cnnlesson import build_lesson_model
    >>> geometry = layer_geometry(build_lesson_model(compile=False))
    >>> {name: (g["size"], g["jump"], g["start"]) for name, g in geometry.items()}
    {'conv2d': (3, 1, -1), 'dropout': (3, 1, -1), 'conv2d_1': (5, 1, -2), \
'max_pooling2d': (6, 2, -2)}
    """
    geometry = {}
    start, jump, size = 0, 1, INPUT_SHAPE[0]
    for index, layer in enumerate(model.layers):
        kind = type(layer).__name__
        if kind not in SUPPORTED:
            raise ValueError(f"the explorer cannot run a {kind} layer ({layer.name}); "
                             f"it runs {', '.join(SUPPORTED)}")
        shape = [int(d) for d in layer.output.shape[1:]]
        if len(shape) != 3:
            continue
        pad = 0
        if kind in ("Conv2D", "MaxPooling2D"):
            window = layer.kernel_size[0] if kind == "Conv2D" else layer.pool_size[0]
            stride = layer.strides[0]
            if getattr(layer, "dilation_rate", (1, 1)) != (1, 1):
                raise ValueError(f"{layer.name}: the explorer runs undilated windows only")
            if layer.padding == "same":
                pad = _same_padding_before(size, window, stride)
            start -= pad * jump
        field = receptive_field(model.layers[:index + 1])
        jump, size = field.jump, shape[0]
        geometry[layer.name] = {"shape": shape, "pad": [pad, pad], "size": field.size,
                                "jump": field.jump, "start": start}
    return geometry


def _layer_spec(layer):
    kind = type(layer).__name__
    spec = {"name": layer.name, "type": kind,
            "output_shape": [int(d) for d in layer.output.shape[1:]]}
    if kind in ("Conv2D", "Dense"):
        spec["activation"] = layer.activation.__name__
    if kind == "Conv2D":
        spec.update(kernel_size=list(layer.kernel_size), strides=list(layer.strides),
                    padding=layer.padding)
    if kind == "MaxPooling2D":
        spec.update(pool_size=list(layer.pool_size), strides=list(layer.strides),
                    padding=layer.padding)
    return spec


def _shipped(array):
    return array.astype(np.float16 if array.size >= FLOAT16_FROM else np.float32)


def rounded_model(model):
    """A copy of ``model`` whose weights are rounded as :func:`export_explorer` ships them.

    Examples
    --------
    >>> from cnnlesson import build_lesson_model
    >>> model = build_lesson_model(compile=False)
    >>> copy = rounded_model(model)
    >>> dense = copy.get_layer("dense").get_weights()[0]
    >>> bool((dense == dense.astype("float16")).all()), copy is model
    (True, False)
    """
    import keras

    copy = keras.models.clone_model(model)
    copy.set_weights([_shipped(w).astype(np.float32) for w in model.get_weights()])
    return copy


def export_explorer(model, pixels, labels, sources, folder, *, classes):
    """Write the model and images the explorer page loads into ``folder``.

    Parameters
    ----------
    model : keras.Model
        The trained network (layers from ``SUPPORTED``).
    pixels : numpy.ndarray
        ``(N, 32, 32, 3)`` uint8 images, as :func:`cnnlesson.load_cifar10` returns them.
    labels : sequence of int
        True class of each image.
    sources : sequence of str
        Where each image comes from, e.g. ``"X_test[3]"``.
    folder : str or pathlib.Path
        Created if needed; its three files are replaced.
    classes : sequence of str
        The class names, in label order.

    Returns
    -------
    dict
        ``{file name: size in bytes}``.

    Examples
    --------
    >>> import tempfile
    >>> from cnnlesson import build_lesson_model
    >>> folder = Path(tempfile.mkdtemp())
    >>> sizes = export_explorer(build_lesson_model(compile=False),
    ...                         np.zeros((1, 32, 32, 3), np.uint8), [0], ["zeros"], folder,
    ...                         classes=[str(i) for i in range(10)])
    >>> sorted(sizes), sizes["weights.bin"] < 8_451_752  # 4,210,090 weights, 2 or 4 bytes
    (['images.bin', 'model.json', 'weights.bin'], True)
    """
    import matplotlib

    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.shape[1:] != INPUT_SHAPE:
        raise ValueError(f"pixels must be uint8 of shape (N, 32, 32, 3), got {pixels.dtype} "
                         f"{pixels.shape}; pass the images before scale_images")
    if not len(pixels) == len(labels) == len(sources):
        raise ValueError(f"{len(pixels)} images, {len(labels)} labels and {len(sources)} "
                         "sources: give one label and one source per image")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    layers, chunks, offset = [], [], 0
    for layer in model.layers:
        spec = _layer_spec(layer)
        spec["weights"] = []
        for weight in layer.get_weights():
            array = _shipped(np.asarray(weight))
            offset += -offset % 4  # float32 arrays start on a multiple of 4 bytes
            data = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
            planes = array.dtype == np.float16
            if planes:  # low bytes, then high bytes
                data = data.view(np.uint8).reshape(-1, 2).T
            chunks.append((offset, data.tobytes()))
            spec["weights"].append({"dtype": array.dtype.name, "offset": offset,
                                    "shape": list(array.shape),
                                    "layout": "byte-planes" if planes else "plain"})
            offset += array.nbytes
        layers.append(spec)
    blob = bytearray(offset)
    for start, data in chunks:
        blob[start:start + len(data)] = data
    # mtime=0: the same weights give the same file.
    (folder / "weights.bin").write_bytes(gzip.compress(bytes(blob), compresslevel=9, mtime=0))
    (folder / "images.bin").write_bytes(np.ascontiguousarray(pixels).tobytes())
    colours = matplotlib.colormaps["viridis"].resampled(256)(np.arange(256))[:, :3]
    manifest = {
        "format": FORMAT_VERSION,
        "input_shape": list(INPUT_SHAPE),
        "layers": layers,
        "geometry": layer_geometry(model),
        "classes": list(classes),
        "images": [{"label": int(label), "source": str(source)}
                   for label, source in zip(labels, sources, strict=True)],
        "colormap": {"name": "viridis",
                     "rgb": np.round(colours * 255).astype(int).ravel().tolist()},
    }
    (folder / "model.json").write_text(json.dumps(manifest, separators=(",", ":")))
    return {name: (folder / name).stat().st_size
            for name in ("model.json", "weights.bin", "images.bin")}


def choose_images(x_train, y_train, x_test, y_test, *, per_class=5, train_index=7):
    """The explorer's images: ``X_train[train_index]`` then the first test images of each class.

    Returns
    -------
    pixels : numpy.ndarray
        ``(1 + 10 * per_class, 32, 32, 3)`` uint8.
    labels : list of int
    sources : list of str
        ``"X_train[7]"``, ``"X_test[3]"``, ...

    Examples
    --------
    >>> y_test = np.array([[i % 10] for i in range(30)])
    >>> x = np.zeros((30, 32, 32, 3), np.uint8)
    >>> pixels, labels, sources = choose_images(x, y_test, x, y_test, per_class=2)
    >>> pixels.shape, labels[:4], sources[:4]
    ((21, 32, 32, 3), [7, 0, 0, 1], ['X_train[7]', 'X_test[0]', 'X_test[10]', 'X_test[1]'])
    """
    y_test = np.asarray(y_test).reshape(-1)
    indices = []
    for label in range(10):
        found = np.flatnonzero(y_test == label)[:per_class]
        if len(found) < per_class:
            raise ValueError(f"only {len(found)} test images of class {label}; load more "
                             f"test images or lower per_class={per_class}")
        indices.extend(int(i) for i in found)
    pixels = np.concatenate([np.asarray(x_train)[train_index:train_index + 1],
                             np.asarray(x_test)[indices]])
    labels = [int(np.asarray(y_train).reshape(-1)[train_index])]
    labels += [int(y_test[i]) for i in indices]
    sources = [f"X_train[{train_index}]"] + [f"X_test[{i}]" for i in indices]
    return pixels, labels, sources


def write_reference(model, pixels, folder, *, images=(0, 1, 2), units=()):
    """Keras's answers for some exported images, for tests of the page to compare with.

    Writes ``reference.json`` and ``reference.bin`` (float32) into ``folder``: for each
    image, every spatial layer's maps and the ten outputs of ``model``; and for each
    ``(image, n, row, column)`` of ``units``, the parts of the first convolution's map ``n``
    at that unit from :func:`cnnlesson.analysis.decompose_feature_map`.

    Parameters
    ----------
    model : keras.Model
        The model the page must agree with: :func:`rounded_model` of the trained one.
    pixels : numpy.ndarray
        ``(N, 32, 32, 3)`` uint8, the exported images.
    folder : str or pathlib.Path
        The export's folder.
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
    """
    from cnnlesson.analysis import decompose_feature_map
    from cnnlesson.data import scale_images
    from cnnlesson.extract import feature_extractor

    folder = Path(folder)
    x = scale_images(np.asarray(pixels)[list(images)])
    outputs = feature_extractor(model).predict(x, verbose=0)
    names = [layer.name for layer in model.layers]
    spatial = [name for name, out in zip(names, outputs, strict=True) if out.ndim == 4]
    blob, entries = [], []
    offset = 0
    for position, image in enumerate(images):
        maps = {}
        for name, out in zip(names, outputs, strict=True):
            if name in spatial:
                array = np.ascontiguousarray(out[position], dtype="<f4")
                maps[name] = {"shape": list(array.shape), "offset": offset}
                blob.append(array.tobytes())
                offset += array.nbytes
        entries.append({"image": int(image), "maps": maps,
                        "probabilities": [float(v) for v in outputs[-1][position]]})
    conv = next(layer for layer in model.layers if type(layer).__name__ == "Conv2D")
    kernel, bias = conv.get_weights()
    parts = []
    for image, n, row, column in units:
        split = decompose_feature_map(scale_images(np.asarray(pixels)[image]), kernel, bias, n,
                                      padding=conv.padding)
        pre = float(split.pre_activation[row, column])
        parts.append({"image": int(image), "layer": conv.name, "map": int(n), "row": int(row),
                      "column": int(column), "bias": split.bias,
                      "channel_sums": [float(v) for v in split.channel_maps[:, row, column]],
                      "pre_activation": pre, "output": max(pre, 0.0)})
    reference = {"images": entries, "units": parts}
    (folder / "reference.bin").write_bytes(b"".join(blob))
    (folder / "reference.json").write_text(json.dumps(reference))
    return reference
