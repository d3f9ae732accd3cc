"""The explorer's export (cnnlesson.export) against Keras, on small untrained models.

The exported numbers are run here by a NumPy transcription of ``network.js`` (the page's
script reads the same numbers the same way): layer by layer, it must give Keras's maps.
The browser tests (tests/browser/test_explorer.py) check the script itself.
"""

import json

import keras
import numpy as np
import pytest

from cnnlesson.export import SUPPORTED, export_explorer, layer_geometry, rounded_model
from cnnlesson.export._layers import layer_spec
from cnnlesson.extract import feature_extractor


def tiny_model(padding="same", strides=1, size=12, outputs=3):
    """Every kind of layer the explorer runs, small; batch norm with non-trivial statistics."""
    layers = keras.layers
    model = keras.Sequential([
        keras.Input((size, size, 3)),
        layers.RandomFlip("horizontal", seed=1, name="flip"),
        layers.RandomTranslation(0.1, 0.1, seed=2, name="shift"),
        layers.Conv2D(4, 3, padding=padding, strides=strides, use_bias=False, name="conv"),
        layers.BatchNormalization(epsilon=0.01, name="norm"),
        layers.ReLU(name="relu"),
        layers.Conv2D(5, 3, padding="same", activation="relu", name="conv_b"),
        layers.Dropout(0.5, name="drop"),
        layers.MaxPooling2D(2, name="pool"),
        layers.GlobalAveragePooling2D(name="gap"),
        layers.Dense(outputs, activation="softmax", name="out"),
    ])
    generator = np.random.default_rng(0)
    norm = model.get_layer("norm")
    norm.set_weights([generator.uniform(0.5, 2.0, 4), generator.normal(0.0, 1.0, 4),
                      generator.normal(0.0, 1.0, 4), generator.uniform(0.2, 3.0, 4)])
    return model


def flat_model(size=8, outputs=4):
    layers = keras.layers
    return keras.Sequential([
        keras.Input((size, size, 3)),
        layers.Conv2D(2, 3, activation="relu", name="conv"),  # padding "valid"
        layers.MaxPooling2D(2, name="pool"),
        layers.Flatten(name="flat"),
        layers.Dense(outputs, activation="sigmoid", name="out"),
    ])


def activate(x, name):
    if name == "relu":
        return np.maximum(x, 0)
    if name == "sigmoid":
        return 1 / (1 + np.exp(-x))
    if name == "softmax":
        e = np.exp(x - x.max())
        return e / e.sum()
    assert name == "linear"
    return x


def windows(x, g, spec, window, stride):
    """The input padded as the geometry says, cut into the layer's windows."""
    h, w = spec["output_shape"][:2]
    top, left = g["pad"]
    need = ((h - 1) * stride + window, (w - 1) * stride + window)
    padded = np.zeros((max(need[0], x.shape[0] + top), max(need[1], x.shape[1] + left),
                       x.shape[2]))
    padded[top:top + x.shape[0], left:left + x.shape[1]] = x
    view = np.lib.stride_tricks.sliding_window_view(padded, (window, window), axis=(0, 1))
    return view[::stride, ::stride][:h, :w]  # (h, w, c, window, window)


def run_exported(model, x):
    """Every layer's output from the exported specs and arrays alone, as network.js runs."""
    geometry = layer_geometry(model)
    outputs = {}
    for layer in model.layers:
        spec, arrays = layer_spec(layer)
        kind = spec["type"]
        if kind == "Conv2D":
            size, stride = spec["kernel_size"][0], spec["strides"][0]
            cut = windows(x, geometry[spec["name"]], spec, size, stride)
            x = np.einsum("hwcyx,yxcf->hwf", cut, arrays[0].astype(np.float64))
            x = activate(x + (arrays[1] if spec["use_bias"] else 0), spec["activation"])
        elif kind == "BatchNormalization":
            x = x * arrays[0] + arrays[1]
        elif kind == "ReLU":
            x = np.maximum(x, 0)
        elif kind == "MaxPooling2D":
            cut = windows(x, geometry[spec["name"]], spec, spec["pool_size"][0],
                          spec["strides"][0])
            x = cut.max(axis=(3, 4))
        elif kind == "GlobalAveragePooling2D":
            x = x.mean(axis=(0, 1))
        elif kind == "Flatten":
            x = x.ravel()
        elif kind == "Dense":
            x = activate(x @ arrays[0] + arrays[1], spec["activation"])
        else:
            assert kind in ("RandomFlip", "RandomTranslation", "Dropout")
        assert list(x.shape) == spec["output_shape"], spec["name"]
        outputs[spec["name"]] = x
    return outputs


@pytest.mark.parametrize("build", [tiny_model, lambda: tiny_model("valid", 2), flat_model],
                         ids=["same", "valid-strided", "flatten"])
def test_exported_numbers_give_keras_every_layer(build):
    model = build()
    image = np.random.default_rng(1).uniform(0, 1, model.inputs[0].shape[1:])
    keras_outputs = feature_extractor(model).predict(image[None].astype("float32"), verbose=0)
    ours = run_exported(model, image)
    for layer, expected in zip(model.layers, keras_outputs, strict=True):
        gap = np.abs(ours[layer.name] - expected[0]).max()
        assert gap < 1e-5, f"{layer.name}: off by {gap}"


def test_batch_norm_ships_as_scale_and_shift_of_its_four_vectors():
    norm = tiny_model().get_layer("norm")
    spec, (scale, shift) = layer_spec(norm)
    gamma, beta, mean, variance = norm.get_weights()
    assert spec["epsilon"] == pytest.approx(0.01)
    np.testing.assert_allclose(scale, gamma / np.sqrt(variance + 0.01), rtol=1e-6)
    np.testing.assert_allclose(shift, beta - mean * gamma / np.sqrt(variance + 0.01),
                               rtol=1e-5, atol=1e-6)
    plain = keras.layers.BatchNormalization(center=False, scale=False, name="plain")
    keras.Sequential([keras.Input((2, 2, 3)), plain])
    _, (scale, shift) = layer_spec(plain)
    np.testing.assert_allclose(scale, 1 / np.sqrt(1 + plain.epsilon), rtol=1e-6)
    assert not shift.any()


def impulse_responses(model):
    """For each layer, which input pixels change each unit: one image per input pixel."""
    h, w, c = model.inputs[0].shape[1:]
    images = np.zeros((h * w, h, w, c), "float32")
    images[np.arange(h * w), np.arange(h * w) // w, np.arange(h * w) % w] = 1.0
    outputs = feature_extractor(model).predict(images, verbose=0)
    return {layer.name: np.abs(out).reshape(h, w, *out.shape[1:]).sum(axis=-1) > 0
            for layer, out in zip(model.layers, outputs, strict=True) if out.ndim == 4}


@pytest.mark.parametrize("build", [tiny_model, lambda: tiny_model("valid", 2), flat_model],
                         ids=["same", "valid-strided", "flatten"])
def test_geometry_outlines_exactly_the_pixels_a_unit_depends_on(build):
    model = build()
    # Positive weights and no bias: a unit responds to every pixel of its field, as the
    # maximum of a pooling window does to any of its inputs.
    for layer in model.layers:
        if type(layer).__name__ in ("Conv2D", "Dense"):
            layer.set_weights([np.abs(w) + 0.1 if w.ndim > 1 else np.zeros_like(w)
                               for w in layer.get_weights()])
        if type(layer).__name__ == "BatchNormalization":
            layer.set_weights([np.ones(4), np.zeros(4), np.zeros(4), np.ones(4)])
    geometry = layer_geometry(model)
    responses = impulse_responses(model)
    assert list(geometry) == list(responses)
    height = model.inputs[0].shape[1]
    for name, g in geometry.items():
        depends = responses[name]  # (input row, input column, unit row, unit column)
        for row in range(g["shape"][0]):
            first = g["start"] + row * g["jump"]
            rows = np.arange(height)
            inside = (rows >= first) & (rows < first + g["size"]) & (rows <= g["end"])
            expected = inside[:, None] & inside[None, :]  # unit (row, row)
            assert (depends[:, :, row, row] == expected).all(), (name, row)


def test_geometry_of_the_final_design_stops_at_global_pooling():
    from cnnlesson import build_design_model

    geometry = layer_geometry(build_design_model(compile=False))
    names = list(geometry)
    assert names[:3] == ["random_flip", "random_translation", "conv2d"]
    assert names[-1] == "max_pooling2d_2" and "global_average_pooling2d" not in geometry
    assert geometry["random_flip"]["size"] == 1 and geometry["re_lu"]["size"] == 3
    assert geometry["conv2d_5"]["shape"] == [8, 8, 128] and geometry["conv2d_5"]["size"] == 32
    assert geometry["max_pooling2d_2"]["shape"] == [4, 4, 128]


@pytest.mark.parametrize("make, words", [
    (lambda: keras.layers.Conv2D(2, (3, 1), name="tall"), "square windows"),
    (lambda: keras.layers.Conv2D(2, 3, activation="tanh", name="curvy"), "activation 'tanh'"),
    (lambda: keras.layers.ReLU(max_value=6.0, name="six"), "max(0, x)"),
    (lambda: keras.layers.AveragePooling2D(2, name="mean"), "not one of the layers"),
    (lambda: keras.layers.GlobalAveragePooling2D(keepdims=True, name="kept"), "keepdims"),
], ids=["window", "activation", "relu6", "average-pooling", "keepdims"])
def test_a_layer_the_page_cannot_run_is_refused_by_name(make, words):
    layer = make()
    model = keras.Sequential([keras.Input((8, 8, 3)), layer])
    with pytest.raises(ValueError, match="cannot run layer") as error:
        layer_geometry(model)
    assert repr(layer.name) in str(error.value) and words in str(error.value)
    assert all(kind in str(error.value) for kind in SUPPORTED)


def test_a_functional_model_is_refused():
    inputs = keras.Input((8, 8, 3))
    model = keras.Model(inputs, keras.layers.Conv2D(2, 3)(inputs), name="branchy")
    with pytest.raises(ValueError, match="keras.Sequential"):
        layer_geometry(model)


def read_weights(folder, manifest):
    blob = (folder / "weights.bin").read_bytes()
    assert len(blob) == manifest["weights_bytes"]
    arrays = []
    for layer in manifest["layers"]:
        for entry in layer["weights"]:
            count = int(np.prod(entry["shape"]))
            if entry["dtype"] == "int8":  # levels times one scale per unit
                levels = np.frombuffer(blob, np.int8, count, entry["offset"])
                scales = np.frombuffer(blob, "<f4", entry["shape"][-1], entry["scale_offset"])
                data = levels.reshape(entry["shape"]).astype(np.float32) * scales
            else:
                data = np.frombuffer(blob, np.dtype(entry["dtype"]).newbyteorder("<"), count,
                                     entry["offset"])
            arrays.append(data.reshape(entry["shape"]).astype(np.float32))
    return arrays


def test_export_writes_each_network_in_its_folder_and_shares_the_images(tmp_path):
    lesson, design = flat_model(size=32, outputs=10), tiny_model(size=32, outputs=10)
    pixels = np.arange(2 * 32 * 32 * 3, dtype=np.uint32).astype(np.uint8).reshape(2, 32, 32, 3)
    sizes = export_explorer({"first": lesson, "second": design}, pixels, [1, 2], ["a", "b"],
                            tmp_path, classes=list("abcdefghij"))
    assert set(sizes) == {"explorer.json", "images.bin", "first/model.json",
                          "first/weights.bin", "second/model.json", "second/weights.bin"}
    index = json.loads((tmp_path / "explorer.json").read_text())
    assert [n["key"] for n in index["networks"]] == ["first", "second"]
    assert (tmp_path / "images.bin").read_bytes() == pixels.tobytes()
    for key, model in (("first", lesson), ("second", design)):
        manifest = json.loads((tmp_path / key / "model.json").read_text())
        assert manifest["geometry"] == layer_geometry(model)
        shipped = read_weights(tmp_path / key, manifest)
        expected = [a for layer in model.layers for a in layer_spec(layer)[1]]
        assert len(shipped) == len(expected)
        for ours, theirs in zip(shipped, expected, strict=True):
            np.testing.assert_array_equal(ours, theirs)


def test_only_a_large_dense_kernel_is_rounded(tmp_path):
    from cnnlesson import build_design_model

    design = build_design_model(compile=False)
    copy = rounded_model(design)
    for ours, theirs in zip(copy.get_weights(), design.get_weights(), strict=True):
        np.testing.assert_array_equal(ours, theirs)
    with pytest.raises(ValueError, match="dict of named Keras models"):
        export_explorer(design, np.zeros((1, 32, 32, 3), np.uint8), [0], ["x"], tmp_path,
                        classes=list("abcdefghij"))
    with pytest.raises(ValueError, match="names a folder"):
        export_explorer({"../up": design}, np.zeros((1, 32, 32, 3), np.uint8), [0], ["x"],
                        tmp_path, classes=list("abcdefghij"))


def test_a_large_dense_kernel_ships_as_8_bit_levels_the_rounded_model_uses(tmp_path):
    from cnnlesson import build_lesson_model

    lesson = build_lesson_model(compile=False)
    export_explorer({"lesson": lesson}, np.zeros((1, 32, 32, 3), np.uint8), [0], ["x"],
                    tmp_path, classes=list("abcdefghij"))
    manifest = json.loads((tmp_path / "lesson" / "model.json").read_text())
    dense = next(layer for layer in manifest["layers"] if layer["name"] == "dense")
    kernel, bias = dense["weights"]
    assert (kernel["dtype"], bias["dtype"]) == ("int8", "float32")
    blob = (tmp_path / "lesson" / "weights.bin").read_bytes()
    levels = np.frombuffer(blob, np.int8, 8192 * 512, kernel["offset"]).reshape(8192, 512)
    scales = np.frombuffer(blob, "<f4", 512, kernel["scale_offset"])
    original = lesson.get_layer("dense").get_weights()[0]
    # One scale per unit: its largest weight is level 127 or -127, every weight within half
    # a scale of its level.
    assert (np.abs(levels).max(axis=0) == 127).all()
    assert (np.abs(levels * scales.astype(float) - original) <= scales / 2 + 1e-8).all()
    shipped = read_weights(tmp_path / "lesson", manifest)
    rounded = rounded_model(lesson)
    for ours, theirs in zip(shipped, rounded.get_weights(), strict=True):
        np.testing.assert_array_equal(ours, theirs)


# ---- what the export is given -------------------------------------------------------------

CLASSES = [f"class {i}" for i in range(10)]


def scored_model(size=32, outputs=10):
    layers = keras.layers
    return keras.Sequential([keras.Input((size, size, 3)),
                             layers.Conv2D(2, 3, padding="same", activation="relu", name="conv"),
                             layers.MaxPooling2D(2, name="pool"), layers.Flatten(name="flat"),
                             layers.Dense(outputs, activation="softmax", name="out")])


def export(tmp_path, networks=None, labels=(0,), classes=CLASSES):
    return export_explorer(networks or {"small": scored_model()},
                           np.zeros((1, 32, 32, 3), np.uint8), list(labels), ["X_test[0]"],
                           tmp_path / "out", classes=classes)


def test_export_refuses_a_network_built_for_other_images(tmp_path):
    with pytest.raises(ValueError, match=r"networks\['wide'\] takes inputs of shape "
                                         r"\(64, 64, 3\), but the images \(pixels\) are "
                                         r"\(32, 32, 3\)"):
        export(tmp_path, {"wide": scored_model(size=64)})
    assert not (tmp_path / "out").exists()  # refused before anything was written


@pytest.mark.parametrize("label", [42, -1, 2.0, True])
def test_export_refuses_a_label_that_is_no_class(tmp_path, label):
    with pytest.raises(ValueError, match=r"labels\[0\] is .*an integer from 0 to 9"):
        export(tmp_path, labels=[label])
    assert not (tmp_path / "out").exists()


def test_export_refuses_classes_that_do_not_name_every_output(tmp_path):
    with pytest.raises(ValueError, match=r"gives outputs of shape \(10,\), but classes "
                                         r"names 3: give one class name per output"):
        export(tmp_path, classes=["cat", "dog", "horse"])
    with pytest.raises(ValueError, match="names a class twice"):
        export(tmp_path, classes=["cat"] * 10)
    with pytest.raises(ValueError, match="list of class names"):
        export(tmp_path, classes="cat dog")
    assert not (tmp_path / "out").exists()


def test_export_refuses_zero_images(tmp_path):
    # The page shows the first image as soon as it loads: an export without one is refused.
    with pytest.raises(ValueError, match=r"pixels holds no image: give at least one"):
        export_explorer({"small": scored_model()}, np.zeros((0, 32, 32, 3), np.uint8), [],
                        [], tmp_path / "out", classes=CLASSES)
    assert not (tmp_path / "out").exists()


def test_a_network_the_page_cannot_run_leaves_nothing_written(tmp_path):
    runnable = scored_model()
    odd = keras.Sequential([keras.Input((32, 32, 3)),
                            keras.layers.AveragePooling2D(2, name="mean"),
                            keras.layers.Flatten(), keras.layers.Dense(10)])
    with pytest.raises(ValueError, match=r"cannot run layer 'mean' \(AveragePooling2D\)"):
        export(tmp_path, {"first": runnable, "second": odd})
    assert not (tmp_path / "out").exists()
    # Into a folder that exists already: nothing added to it either.
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="cannot run layer 'mean'"):
        export(tmp_path, {"first": runnable, "second": odd})
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["notes.txt"]


def test_export_refuses_sources_that_do_not_match_the_images(tmp_path):
    with pytest.raises(ValueError, match="one source"):
        export_explorer({"small": scored_model()}, np.zeros((2, 32, 32, 3), np.uint8), [0, 1],
                        ["X_test[0]"], tmp_path, classes=CLASSES)


def test_the_manifest_gives_each_layers_parameters(tmp_path):
    model = scored_model()
    export(tmp_path, {"small": model})
    manifest = json.loads((tmp_path / "out" / "small" / "model.json").read_text())
    assert [layer["parameters"] for layer in manifest["layers"]] == [
        layer.count_params() for layer in model.layers]
    assert json.loads((tmp_path / "out" / "explorer.json").read_text())["written_by"] == \
        "cnnlesson.export"


# ---- Keras's answers for the page's tests -------------------------------------------------

def every_kind_model():
    """32×32 images through every kind of layer whose units the page explains."""
    layers = keras.layers
    model = keras.Sequential([
        keras.Input((32, 32, 3)),
        layers.Conv2D(4, 3, padding="same", use_bias=False, name="conv"),
        layers.BatchNormalization(name="norm"),
        layers.ReLU(name="relu"),
        layers.MaxPooling2D(2, name="pool"),
        layers.Conv2D(3, 3, activation="relu", name="conv_b"),  # padding "valid"
        layers.Dropout(0.5, name="drop"),
        layers.Flatten(name="flat"),
        layers.Dense(6, activation="relu", name="hidden"),
        layers.Dense(10, activation="sigmoid", name="out"),
    ])
    generator = np.random.default_rng(3)
    model.get_layer("norm").set_weights([generator.uniform(0.5, 2, 4), generator.normal(0, 1, 4),
                                         generator.normal(0, 0.1, 4), generator.uniform(0.5, 2, 4)])
    return model


def test_reference_parts_add_up_to_what_keras_computes(tmp_path):
    from cnnlesson.export import default_units, write_reference

    model = every_kind_model()
    pixels = np.random.default_rng(4).integers(0, 256, (2, 32, 32, 3)).astype(np.uint8)
    reference = write_reference(model, pixels, tmp_path, images=(1,))
    blob = (tmp_path / "reference.bin").read_bytes()
    assert [entry["layer"] for entry in reference["units"]] == [
        name for _, name, _ in default_units(model)]
    assert {entry["type"] for entry in reference["units"]} >= {
        "Conv2D", "BatchNormalization", "ReLU", "MaxPooling2D", "Dropout", "Flatten", "Dense"}
    for entry in reference["units"]:
        kind, value = entry["type"], entry["value"]
        if kind in ("Conv2D", "Dense"):
            if kind == "Dense":
                start, count = entry["products"]["offset"], entry["products"]["count"]
                terms = np.frombuffer(blob, "<f4", count, start)
                assert abs(entry["logits"][entry["unit"][0]] - entry["pre_activation"]) < 1e-9
            else:
                terms = np.asarray(entry["terms"])
            assert abs(terms.sum() + entry["bias"] - entry["pre_activation"]) < 1e-4
            assert abs(activate(np.asarray([entry["pre_activation"]]), entry["activation"])[0]
                       - value) < 1e-4
        elif kind == "MaxPooling2D":
            assert len(entry["window"]) == 4
            assert abs(max(cell["value"] for cell in entry["window"]) - value) < 1e-7
        elif kind == "Flatten":
            assert entry["source"] == [int(i) for i in
                                       np.unravel_index(entry["unit"][0], (14, 14, 3))]
        elif kind == "ReLU":
            assert value == max(entry["input"], 0.0)
        elif kind == "Dropout":
            assert value == entry["input"]
    maps = reference["images"][0]["maps"]
    assert list(maps) == [layer.name for layer in model.layers]
    assert maps["hidden"]["shape"] == [6] and maps["conv_b"]["shape"] == [14, 14, 3]


# ---- the site's data, written and rewritten ----------------------------------------------

class Trained:
    def __init__(self, model):
        self.model = model


@pytest.fixture
def quick_site(monkeypatch):
    """write_site_data with untrained networks and made-up images: nothing trains."""
    import cnnlesson
    from cnnlesson import build_design_model, build_lesson_model
    from cnnlesson.export import _site

    def images(count, seed):
        generator = np.random.default_rng(seed)
        return (generator.integers(0, 256, (count, 32, 32, 3)).astype(np.uint8),
                (np.arange(count) % 10).reshape(-1, 1).astype(np.uint8))

    # The training functions and the loader, as the export step calls them.
    monkeypatch.setattr(_site, "train_lesson_model",
                        lambda **kw: Trained(build_lesson_model(compile=False)))
    monkeypatch.setattr(_site, "train_design_model",
                        lambda **kw: Trained(build_design_model(compile=False)))
    monkeypatch.setattr(_site, "load_cifar10", lambda subset: (images(60, 0), images(60, 1)))
    return cnnlesson.current_profile()


def test_site_data_is_written_and_a_rerun_replaces_only_it(tmp_path, quick_site, capsys):
    from cnnlesson.export import write_site_data

    folder = tmp_path / "explorer"
    sizes = write_site_data(folder, quick_site)
    data = folder / "explorer-data"
    assert set(sizes) == {"explorer.json", "images.bin", "lesson/model.json",
                          "lesson/weights.bin", "design/model.json", "design/weights.bin"}
    for key in ("lesson", "design"):
        assert (data / key / "reference.json").is_file()
    printed = capsys.readouterr().out
    assert "train_lesson_model(" in printed and "explorer data written" in printed
    # A rerun replaces the data it wrote, and leaves what it did not write alone.
    (data / "lesson" / "stale.bin").write_bytes(b"from an earlier export")
    (folder / "notes.txt").write_text("someone's notes")
    (tmp_path / "beside.txt").write_text("beside")
    write_site_data(folder, quick_site)
    assert not (data / "lesson" / "stale.bin").exists()
    assert (folder / "notes.txt").read_text() == "someone's notes"
    assert (tmp_path / "beside.txt").read_text() == "beside"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["beside.txt", "explorer"]


def test_site_data_refuses_a_folder_it_did_not_write(tmp_path, quick_site):
    from cnnlesson.export import write_site_data
    from cnnlesson.export.__main__ import main

    data = tmp_path / "explorer" / "explorer-data"
    data.mkdir(parents=True)
    (data / "explorer.json").write_text('{"format": 4}')
    with pytest.raises(FileExistsError, match="did not write"):
        write_site_data(tmp_path / "explorer", quick_site)
    assert main([str(tmp_path / "explorer")]) == 1
    assert (data / "explorer.json").read_text() == '{"format": 4}'
    assert sorted(p.name for p in data.iterdir()) == ["explorer.json"]


def test_a_failed_export_leaves_the_earlier_data(tmp_path, quick_site, monkeypatch):
    from cnnlesson.export import _site, write_site_data

    folder = tmp_path / "explorer"
    write_site_data(folder, quick_site)
    before = (folder / "explorer-data" / "explorer.json").read_text()

    def broken(**kw):
        raise RuntimeError("the cache is unreadable")

    monkeypatch.setattr(_site, "train_design_model", broken)
    with pytest.raises(RuntimeError, match="unreadable"):
        write_site_data(folder, quick_site)
    assert (folder / "explorer-data" / "explorer.json").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["explorer"]  # no staging left
