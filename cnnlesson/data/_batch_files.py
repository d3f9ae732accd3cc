"""Reading and checking the files of a local CIFAR-10 copy, for :mod:`cnnlesson.data`.

The batch files are pickles; they are read with an unpickler that refuses anything but
plain arrays, lists and strings, so a tampered file cannot run code.  Every batch, and
every split however it was obtained, is checked before use: pixel type and range, NaN,
shapes, counts and labels, so that nothing is silently cast into wrong data.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

CIFAR10_DIR_VARIABLE = "CNNLESSON_CIFAR10_DIR"
TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_BATCH = "test_batch"


class DatasetError(RuntimeError):
    """CIFAR-10 could not be loaded; the message says which file and what to do."""

    __module__ = "cnnlesson.data"  # its public home, as tracebacks name it


# Only what a CIFAR-10 batch pickle needs to rebuild: numpy arrays and bytes.
_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("_codecs", "encode"),
}


class _RefusedGlobal(pickle.UnpicklingError):
    pass


class _ArraysOnlyUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise _RefusedGlobal(f"refusing to load {module}.{name}")


_FIX = "Replace it with the file from an intact copy of the official cifar-10-python.tar.gz."


def check_split(images, labels, expected_count, source):
    """Check one split or batch of CIFAR-10 as Keras returns it; raise DatasetError if wrong.

    Parameters
    ----------
    images : numpy.ndarray
        uint8 pixels, shape ``(N, 32, 32, 3)``.
    labels : numpy.ndarray
        Integer labels 0-9, shape ``(N,)`` or ``(N, 1)``.
    expected_count : int
        N, the number of images the split must hold.
    source : str
        What the arrays came from, named in the error (a file or a download).

    Raises
    ------
    DatasetError
        Naming ``source`` and what is wrong: type, value range, NaN, shape or count.

    Examples
    --------
    >>> images = np.zeros((2, 32, 32, 3), np.uint8)
    >>> check_split(images, np.array([0, 9]), 2, "example")
    >>> check_split(images, np.array([0, 10]), 2, "example")
    Traceback (most recent call last):
    cnnlesson.data.DatasetError: CIFAR-10 example is corrupt: labels must be integers 0-9, ...
    """
    def fail(what):
        raise DatasetError(f"CIFAR-10 {source} is corrupt: {what}. {_FIX}")

    if images.dtype != np.uint8:
        if images.dtype.kind == "f" and np.isnan(images).any():
            fail(f"its pixels ({images.dtype}) contain NaN")
        if images.size and images.dtype.kind in "iuf" and (images.min() < 0
                                                           or images.max() > 255):
            fail(f"its pixels ({images.dtype}) range from {images.min()} to {images.max()}, "
                 "outside 0-255")
        fail(f"its pixels are {images.dtype}, expected uint8 values 0-255")
    if images.shape[1:] != (32, 32, 3):
        fail(f"its images have shape {images.shape[1:]}, expected (32, 32, 3)")
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        fail(f"its labels have shape {labels.shape}, expected one label per image")
    if len(images) != len(labels):
        fail(f"{len(images)} images but {len(labels)} labels")
    if labels.dtype.kind not in "iu" or (labels.size and (labels.min() < 0
                                                         or labels.max() > 9)):
        values = f"{labels.min()} to {labels.max()}" if labels.size else "none"
        fail(f"labels must be integers 0-9, got {labels.dtype} values {values}")
    if len(images) != expected_count:
        fail(f"it holds {len(images):,} images, expected {expected_count:,}")


def read_batch(path: Path, expected_count: int) -> tuple[np.ndarray, np.ndarray]:
    """Read and check one batch file of ``expected_count`` images.

    Returns
    -------
    tuple of numpy.ndarray
        Images NHWC uint8, labels uint8 of shape (N, 1).
    """
    if not path.is_file():
        raise DatasetError(
            f"CIFAR-10 batch file {path} is missing. The folder named by "
            f"{CIFAR10_DIR_VARIABLE} must hold all of {', '.join(TRAIN_BATCHES)} "
            f"and {TEST_BATCH}; write it again from a complete copy."
        )
    try:
        handle = path.open("rb")
    except OSError as error:
        raise DatasetError(
            f"CIFAR-10 batch file {path} cannot be read ({error.strerror or error}). "
            "Make it readable by the user running cnnlesson, or point "
            f"{CIFAR10_DIR_VARIABLE} at a copy that is."
        ) from error
    try:
        with handle:
            record = _ArraysOnlyUnpickler(handle, encoding="bytes").load()
    except _RefusedGlobal as error:
        raise DatasetError(
            f"CIFAR-10 batch file {path} holds more than arrays ({error}); it was not "
            f"loaded. {_FIX}"
        ) from error
    except OSError as error:
        raise DatasetError(
            f"CIFAR-10 batch file {path} cannot be read ({error.strerror or error}). "
            "Check the disk or copy it again."
        ) from error
    except Exception as error:  # anything else means the bytes are not a batch pickle
        raise DatasetError(
            f"CIFAR-10 batch file {path} is truncated or corrupt ({error}). {_FIX}"
        ) from error
    if not isinstance(record, dict) or b"data" not in record or b"labels" not in record:
        raise DatasetError(f"CIFAR-10 batch file {path} is corrupt: it has no 'data' and "
                           f"'labels' entries. {_FIX}")
    data = np.asarray(record[b"data"])
    labels = np.asarray(record[b"labels"])
    if data.ndim != 2 or data.shape[1] != 3072:
        raise DatasetError(f"CIFAR-10 batch file {path} is corrupt: its data has shape "
                           f"{data.shape}, expected (N, 3072). {_FIX}")
    images = data.reshape(len(data), 3, 32, 32).transpose(0, 2, 3, 1)
    check_split(images, labels, expected_count, f"batch file {path}")
    return np.ascontiguousarray(images), labels.astype(np.uint8).reshape(-1, 1)
