"""Writing the explorer's files: the images, and each network's layers and weights
(see :mod:`cnnlesson.export`)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np

from cnnlesson.export._arguments import checked_arguments as _checked
from cnnlesson.export._layers import layer_geometry, layer_spec
from cnnlesson.models import INPUT_SHAPE

FORMAT_VERSION = 4
#: ``explorer.json`` says who wrote it: :func:`write_site_data` replaces only such a folder.
WRITTEN_BY = "cnnlesson.export"
# Dense kernels at least this large ship as float16; everything else stays float32.
FLOAT16_FROM = 100_000
INDEX_FILE = "explorer.json"
IMAGES_FILE = "images.bin"


def _shipped(layer, array):
    large = type(layer).__name__ == "Dense" and array.size >= FLOAT16_FROM
    return np.asarray(array).astype(np.float16 if large else np.float32)


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
    >>> kernel = copy.get_layer("conv2d").get_weights()[0]   # convolutions stay float32
    >>> bool((kernel == model.get_layer("conv2d").get_weights()[0]).all())
    True
    """
    import keras

    copy = keras.models.clone_model(model)
    for source, target in zip(model.layers, copy.layers, strict=True):
        target.set_weights([_shipped(source, w).astype(np.float32)
                            for w in source.get_weights()])
    return copy


def _write_network(model, folder):
    """Write one network's ``model.json`` and ``weights.bin`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    geometry = layer_geometry(model)
    layers, chunks, offset = [], [], 0
    for layer in model.layers:
        spec, arrays = layer_spec(layer)
        spec["parameters"] = int(layer.count_params())
        spec["weights"] = []
        for array in arrays:
            array = _shipped(layer, array)
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
    manifest = {"name": model.name, "parameters": int(model.count_params()),
                "layers": layers, "geometry": geometry}
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
    >>> sizes["lesson/weights.bin"] < 8_451_752   # 4,210,090 weights, 2 or 4 bytes
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
