"""Writing the explorer's files: the images, and each network's layers and weights
(see :mod:`cnnlesson.export`)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from cnnlesson.export._arguments import checked_arguments as _checked
from cnnlesson.export._layers import layer_geometry, layer_spec
from cnnlesson.models import INPUT_SHAPE

FORMAT_VERSION = 5
#: ``explorer.json`` says who wrote it: :func:`write_site_data` replaces only such a folder.
WRITTEN_BY = "cnnlesson.export"
# Dense kernels at least this large ship as 8-bit levels; everything else stays float32.
QUANTISED_FROM = 100_000
#: A quantised kernel's levels run from -LEVELS to LEVELS, times one scale per unit.
LEVELS = 127
INDEX_FILE = "explorer.json"
IMAGES_FILE = "images.bin"


def _quantised(layer, array):
    """``(levels, scales)`` of a large dense kernel, or None for an array shipped as float32.

    Each unit (column) of the kernel gets its own scale, its largest weight over ``LEVELS``,
    and each weight the nearest whole number of scales: int8 levels.
    """
    array = np.asarray(array, np.float32)
    if type(layer).__name__ != "Dense" or array.size < QUANTISED_FROM:
        return None
    scales = (np.abs(array).max(axis=0) / LEVELS).astype(np.float32)
    levels = np.round(array / np.where(scales > 0, scales, 1))
    return np.clip(levels, -LEVELS, LEVELS).astype(np.int8), scales


def _shipped(layer, array):
    """The array as the page computes with it: float32, a quantised kernel's levels times
    their unit's scale (a float32 product, as the page's script rounds it)."""
    quantised = _quantised(layer, array)
    if quantised is None:
        return np.asarray(array, np.float32)
    levels, scales = quantised
    return levels.astype(np.float32) * scales


def rounded_model(model):
    """A copy of ``model`` whose weights are rounded as :func:`export_explorer` ships them.

    Examples
    --------
    >>> from cnnlesson import build_lesson_model
    >>> model = build_lesson_model(compile=False)
    >>> copy = rounded_model(model)
    >>> dense = copy.get_layer("dense").get_weights()[0]   # 255 levels a unit
    >>> [len(np.unique(dense[:, unit])) <= 255 for unit in (0, 511)], copy is model
    ([True, True], False)
    >>> kernel = copy.get_layer("conv2d").get_weights()[0]   # convolutions stay float32
    >>> bool((kernel == model.get_layer("conv2d").get_weights()[0]).all())
    True
    """
    import keras

    copy = keras.models.clone_model(model)
    for source, target in zip(model.layers, copy.layers, strict=True):
        target.set_weights([_shipped(source, w) for w in source.get_weights()])
    return copy


def _write_network(model, folder):
    """Write one network's ``model.json`` and ``weights.bin`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    geometry = layer_geometry(model)
    layers, chunks, offset = [], [], 0

    def place(data, align):
        """Put ``data`` at the next multiple of ``align`` bytes; its offset."""
        nonlocal offset
        offset += -offset % align  # a float32 array starts on a multiple of 4 bytes
        start = offset
        chunks.append((start, data.astype(data.dtype.newbyteorder("<")).tobytes()))
        offset += data.nbytes
        return start

    for layer in model.layers:
        spec, arrays = layer_spec(layer)
        spec["parameters"] = int(layer.count_params())
        spec["weights"] = []
        for array in arrays:
            quantised = _quantised(layer, array)
            entry = {"shape": list(array.shape)}
            if quantised is None:
                entry.update(dtype="float32", offset=place(np.asarray(array, np.float32), 4))
            else:  # the levels, then one float32 scale per unit
                levels, scales = quantised
                entry.update(dtype="int8", offset=place(levels, 1),
                             scale_offset=place(scales, 4))
            spec["weights"].append(entry)
        layers.append(spec)
    blob = bytearray(offset)
    for start, data in chunks:
        blob[start:start + len(data)] = data
    # Not compressed: 8-bit levels and float32 weights gain a few percent from gzip, and the
    # page would spend longer undoing it than the bytes take to arrive.
    (folder / "weights.bin").write_bytes(bytes(blob))
    manifest = {"name": model.name, "parameters": int(model.count_params()),
                "weights_bytes": len(blob), "layers": layers, "geometry": geometry}
    (folder / "model.json").write_text(json.dumps(manifest, separators=(",", ":")))


def export_explorer(networks, pixels, labels, sources, folder, *, classes):
    """Write the networks and images the explorer page loads into ``folder``.

    Parameters
    ----------
    networks : dict
        ``{key: keras.Sequential}``: the trained networks (layers from ``SUPPORTED``),
        the one the page shows first first. Each key (lower-case letters, digits, ``-``
        and ``_``) names the network's folder, and the page's switch uses it.
    pixels : numpy.ndarray
        ``(N, 32, 32, 3)`` uint8 images, as :func:`cnnlesson.load_cifar10` returns them.
    labels : sequence of int
        True class of each image.
    sources : sequence of str
        Where each image comes from, e.g. ``"X_test[3]"``.
    folder : str or pathlib.Path
        Created if needed; the files named below are replaced.
    classes : sequence of str
        The class names, in label order.

    Returns
    -------
    dict
        ``{path relative to folder: size in bytes}``: ``explorer.json``, ``images.bin``,
        and ``KEY/model.json`` and ``KEY/weights.bin`` for each network.

    Raises
    ------
    ValueError
        Before anything is written (not even ``folder`` is created), naming the argument:
        no image, or images of the wrong shape or type; a network built for other images,
        or whose outputs are not one per name of ``classes``; a label that is not a class
        index; sources that do not match the images; a bad key; or a network with a layer
        the page cannot run.

    Examples
    --------
    >>> import tempfile
    >>> from cnnlesson import build_design_model, build_lesson_model
    >>> folder = Path(tempfile.mkdtemp())
    >>> sizes = export_explorer({"lesson": build_lesson_model(compile=False),
    ...                          "design": build_design_model(compile=False)},
    ...                         np.zeros((1, 32, 32, 3), np.uint8), [0], ["zeros"], folder,
    ...                         classes=[str(i) for i in range(10)])
    >>> sorted(sizes)
    ['design/model.json', 'design/weights.bin', 'explorer.json', 'images.bin', \
'lesson/model.json', 'lesson/weights.bin']
    >>> sizes["lesson/weights.bin"] < 4_300_000   # 4,194,304 weights of 1 byte, the rest 4
    True
    >>> json.loads((folder / "explorer.json").read_text())["networks"]
    [{'key': 'lesson', 'parameters': 4210090}, {'key': 'design', 'parameters': 289642}]
    """
    import matplotlib

    pixels, labels, classes = _checked(networks, pixels, labels, sources, classes)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for key, model in networks.items():
        _write_network(model, folder / key)
    (folder / IMAGES_FILE).write_bytes(np.ascontiguousarray(pixels).tobytes())
    colours = matplotlib.colormaps["viridis"].resampled(256)(np.arange(256))[:, :3]
    index = {
        "format": FORMAT_VERSION,
        "written_by": WRITTEN_BY,
        "input_shape": list(INPUT_SHAPE),
        "networks": [{"key": key, "parameters": int(model.count_params())}
                     for key, model in networks.items()],
        "classes": list(classes),
        "images": [{"label": int(label), "source": str(source)}
                   for label, source in zip(labels, sources, strict=True)],
        "colormap": {"name": "viridis",
                     "rgb": np.round(colours * 255).astype(int).ravel().tolist()},
    }
    (folder / INDEX_FILE).write_text(json.dumps(index, separators=(",", ":")))
    names = [INDEX_FILE, IMAGES_FILE] + [f"{key}/{name}" for key in networks
                                         for name in ("model.json", "weights.bin")]
    return {name: (folder / name).stat().st_size for name in names}


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
