"""Shared fixtures: a tiny CIFAR-10 copy in the official layout, and no network.

The browser tests (tests/browser) load this file too, in an environment with only
pytest, numpy and Playwright (``nox -s site``): the package and matplotlib are imported
where a fixture needs them, not here.
"""

import importlib
import os

os.environ.setdefault("MPLBACKEND", "Agg")  # tests draw figures without a display
import pickle
import socket
import sys
from pathlib import Path

import numpy as np
import pytest

# cnnlesson.data.CIFAR10_DIR_VARIABLE, spelled out for the browser tests' sake; every
# test that loads the tiny copy fails if the two names part.
CIFAR10_DIR_VARIABLE = "CNNLESSON_CIFAR10_DIR"
BROWSER_TESTS = Path(__file__).parent / "browser"
BACKEND_TESTS = Path(__file__).parent / "backends"


def pytest_addoption(parser):
    # Registered here, not in tests/browser/conftest.py, so that the option is known
    # however pytest is started (pytest --site-dir ... from the repository root too).
    parser.addoption("--site-dir", action="store", default=None, metavar="PATH",
                     help="a built site (docs/_build/quick/html): run the browser tests "
                          "of tests/browser against it")
    parser.addoption("--backends", action="store_true", default=False,
                     help="run tests/backends, which compare TensorFlow, JAX and PyTorch "
                          "(all three installed: nox -s backends)")


def pytest_ignore_collect(collection_path, config):
    """The browser tests need a built site: without --site-dir they are not collected
    at all (neither run nor reported as skipped)."""
    if config.getoption("--site-dir") is None and (
            collection_path == BROWSER_TESTS or BROWSER_TESTS in collection_path.parents):
        return True
    # Likewise the tests across Keras backends, which need all three installed.
    if not config.getoption("--backends") and (
            collection_path == BACKEND_TESTS or BACKEND_TESTS in collection_path.parents):
        return True
    return None


# The real copy, if CI or the developer provides one, captured before any test
# changes the environment.
REAL_CIFAR10_DIR = os.environ.get(CIFAR10_DIR_VARIABLE)

TINY_IMAGES_PER_BATCH = 40


def write_batch(path, images, labels, protocol=2):
    """Write one batch like the official files: CHW rows of uint8, a list of labels."""
    rows = images.transpose(0, 3, 1, 2).reshape(len(images), 3072)
    record = {b"batch_label": path.name.encode(), b"labels": [int(v) for v in labels],
              b"data": np.ascontiguousarray(rows)}
    with open(path, "wb") as handle:
        pickle.dump(record, handle, protocol=protocol)


def tiny_split(seed, count=TINY_IMAGES_PER_BATCH):
    generator = np.random.default_rng(seed)
    images = generator.integers(0, 256, size=(count, 32, 32, 3), dtype=np.uint8)
    labels = np.arange(count) % 10
    return images, labels


@pytest.fixture
def tiny_cifar10(tmp_path, monkeypatch):
    """A complete, tiny CIFAR-10 copy (40 images per batch) named by the variable."""
    from cnnlesson.data import TEST_BATCH, TRAIN_BATCHES

    folder = tmp_path / "cifar10" / "cifar-10-batches-py"
    folder.mkdir(parents=True)
    batches = {}
    for seed, name in enumerate((*TRAIN_BATCHES, TEST_BATCH)):
        images, labels = tiny_split(seed)
        write_batch(folder / name, images, labels)
        batches[name] = (images, labels)
    monkeypatch.setenv(CIFAR10_DIR_VARIABLE, str(folder.parent))
    # The loader checks that every batch holds exactly this many images.
    monkeypatch.setattr("cnnlesson.data.IMAGES_PER_BATCH", TINY_IMAGES_PER_BATCH)
    return folder, batches


@pytest.fixture(autouse=True)
def isolated_environment(request, tmp_path, monkeypatch):
    """No test reaches the network (a server of its own on 127.0.0.1 aside), reads the
    real data or writes the user's cache.

    The one exception: an ``integration`` test, when no local copy is named, reads
    the real data the way the package does without one, through Keras' download.
    """
    monkeypatch.delenv(CIFAR10_DIR_VARIABLE, raising=False)
    monkeypatch.setenv("CNNLESSON_CACHE_DIR", str(tmp_path / "training-cache"))
    # No site's models and no build's log, also when a test (use_site_models) sets one:
    # set first, so that the variables are removed again after the test.
    for name in ("CNNLESSON_MODELS_FROM", "CNNLESSON_MODELS_USED"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    if request.node.get_closest_marker("integration") and not REAL_CIFAR10_DIR:
        return
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))

    real_getaddrinfo, real_connect = socket.getaddrinfo, socket.socket.connect
    loopback = ("127.0.0.1", "localhost", "::1")

    def getaddrinfo(host, *args, **kwargs):
        if host not in loopback:  # a test's own server on this machine is allowed
            raise OSError("tests may not use the network")
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(self, address, *args, **kwargs):
        if not (isinstance(address, tuple) and address[0] in loopback):
            raise OSError("tests may not use the network")
        return real_connect(self, address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)


@pytest.fixture(autouse=True)
def close_figures():
    """Plotting functions open figures through pyplot; close them between tests."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


@pytest.fixture(scope="module")
def noxfile():
    """The repository's noxfile, imported as a module (nox is a test dependency)."""
    root = str(Path(__file__).resolve().parents[1])
    sys.path.insert(0, root)
    try:
        import noxfile
    finally:
        sys.path.remove(root)
    return noxfile


@pytest.fixture(scope="session")
def docs_extension():
    """Import a module of docs/_ext (the site's Sphinx extensions) by name."""
    folder = str(Path(__file__).resolve().parents[1] / "docs" / "_ext")

    def load(name):
        sys.path.insert(0, folder)
        try:
            return importlib.import_module(name)
        finally:
            sys.path.remove(folder)

    return load
