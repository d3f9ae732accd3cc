"""The same weights on TensorFlow, JAX and PyTorch: the tutorial's loss, where the backends
differ, and the published models and the explorer's data, where they must not.

Run by ``nox -s backends`` (``pytest tests/backends --backends``), which installs all three;
each backend runs in a process of its own.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cnnlesson.backends import BACKENDS, installed_backends
from cnnlesson.loss_by_backend import build_output_variant, losses_on_backends

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))
from conftest import write_batch  # noqa: E402

# What a backend's own arithmetic may change in a prediction (float32, other kernels).
PREDICTION_TOLERANCE = 1e-5


@pytest.fixture(scope="module", autouse=True)
def every_backend():
    missing = [name for name in BACKENDS if name not in installed_backends()]
    assert not missing, f"install {missing} to compare backends (nox -s backends does)"


def test_each_backend_computes_the_sigmoid_loss_its_own_way():
    """TensorFlow takes the softmax cross-entropy of the logits, JAX and PyTorch the
    cross-entropy of the normalised sigmoid outputs; the lesson's two repairs give the
    softmax cross-entropy of the logits on all three."""
    model = build_output_variant("sigmoid")
    # Spread logits, as after training, so that the two definitions lie far apart.
    kernel, bias = model.layers[-1].get_weights()
    model.layers[-1].set_weights([kernel * 30, bias])
    images = np.random.default_rng(0).random((32, 32, 32, 3), dtype=np.float32)
    labels = np.arange(32) % 10
    found = losses_on_backends(model, images, labels, backends=BACKENDS)
    candidates, reported = found["candidates"], found["reported"]
    assert abs(candidates["softmax_of_logits"] - candidates["normalised_sigmoid"]) > 0.1
    expected = {"tensorflow": "softmax_of_logits", "jax": "normalised_sigmoid",
                "torch": "normalised_sigmoid"}
    for backend, losses in reported.items():
        sigmoid = candidates[expected[backend]]
        assert losses["sigmoid"] == pytest.approx(sigmoid, rel=1e-4), backend
        for repaired in ("softmax", "logits"):
            assert losses[repaired] == pytest.approx(candidates["softmax_of_logits"],
                                                     rel=1e-4), (backend, repaired)


@pytest.fixture(scope="module")
def small_cifar10(tmp_path_factory):
    """A small copy in the official layout, large enough for the explorer's 1,000 images."""
    from on_backend import IMAGES_PER_BATCH

    from cnnlesson.data import TEST_BATCH, TRAIN_BATCHES

    folder = tmp_path_factory.mktemp("cifar10") / "cifar-10-batches-py"
    folder.mkdir()
    generator = np.random.default_rng(7)
    for name in (*TRAIN_BATCHES, TEST_BATCH):
        images = generator.integers(0, 256, (IMAGES_PER_BATCH, 32, 32, 3), dtype=np.uint8)
        write_batch(folder / name, images, np.arange(IMAGES_PER_BATCH) % 10)
    return folder.parent


def on_backend(backend, *arguments, env):
    done = subprocess.run([sys.executable, str(HERE / "on_backend.py"), *map(str, arguments)],
                          env={**env, "KERAS_BACKEND": backend}, capture_output=True,
                          text=True, timeout=900, check=False)
    assert done.returncode == 0, f"{backend}:\n{done.stderr[-3000:]}"
    assert done.stdout.strip().splitlines()[-1] == backend


def test_published_models_predict_and_export_alike_on_every_backend(small_cifar10, tmp_path):
    """Models trained and published on TensorFlow, imported on each backend: the same
    predictions within float32 rounding, and the same explorer data."""
    env = {**os.environ, "CNNLESSON_CIFAR10_DIR": str(small_cifar10),
           "CNNLESSON_CACHE_DIR": str(tmp_path / "site-cache"),
           "CNNLESSON_MODELS_USED": str(tmp_path / "site" / "models-used.txt"),
           "PYTHONPATH": os.pathsep.join([str(Path.cwd()), os.environ.get("PYTHONPATH", "")])}
    (tmp_path / "site").mkdir()
    on_backend("tensorflow", "train", tmp_path / "site", env=env)
    outputs = {}
    for backend in BACKENDS:
        outputs[backend] = tmp_path / backend
        outputs[backend].mkdir()
        student = {**env, "CNNLESSON_CACHE_DIR": str(tmp_path / f"cache-{backend}")}
        del student["CNNLESSON_MODELS_USED"]
        on_backend(backend, "load", tmp_path / "site", outputs[backend], env=student)

    reference = np.load(outputs["tensorflow"] / "predictions.npz")
    data = {backend: folder / "explorer-data" for backend, folder in outputs.items()}
    files = sorted(str(path.relative_to(data["tensorflow"]))
                   for path in data["tensorflow"].rglob("*") if path.is_file())
    assert "lesson/weights.bin" in files and "design/reference.bin" in files
    for backend in ("jax", "torch"):
        predictions = np.load(outputs[backend] / "predictions.npz")
        for name in ("lesson", "design"):
            gap = np.abs(predictions[name] - reference[name]).max()
            assert gap <= PREDICTION_TOLERANCE, (backend, name, gap)
        assert sorted(str(path.relative_to(data[backend])) for path in
                      data[backend].rglob("*") if path.is_file()) == files
        for name in files:
            ours, theirs = data[backend] / name, data["tensorflow"] / name
            if name.endswith("reference.bin"):  # Keras's answers, computed by the backend
                assert np.allclose(np.fromfile(ours, np.float32),
                                   np.fromfile(theirs, np.float32),
                                   rtol=1e-5, atol=PREDICTION_TOLERANCE), (backend, name)
            elif name.endswith("reference.json"):
                assert_close_json(json.loads(ours.read_text()), json.loads(theirs.read_text()),
                                  (backend, name))
            else:  # weights, images, layout: the same bytes
                assert ours.read_bytes() == theirs.read_bytes(), (backend, name)


def assert_close_json(ours, theirs, where):
    if isinstance(theirs, dict):
        assert sorted(ours) == sorted(theirs), where
        for key in theirs:
            assert_close_json(ours[key], theirs[key], (*where, key))
    elif isinstance(theirs, list):
        assert len(ours) == len(theirs), where
        for index, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            assert_close_json(a, b, (*where, index))
    elif isinstance(theirs, float):
        assert ours == pytest.approx(theirs, rel=1e-5, abs=PREDICTION_TOLERANCE), where
    else:
        assert ours == theirs, where
