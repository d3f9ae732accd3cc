"""CIFAR-10, loaded the way the lesson loads it, or from a local copy.

The lesson calls ``keras.datasets.cifar10.load_data()``, which downloads the
official archive once and caches it.  Machines without a network can point the
environment variable ``CNNLESSON_CIFAR10_DIR`` at a copy laid out like the
official ``cifar-10-batches-py`` folder; the copy is then read with a pickle
reader that refuses anything but plain arrays, lists and strings, so a
tampered file cannot run code.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from cnnlesson._checks import real_array
from cnnlesson._web import library_reads_time_out
from cnnlesson.data._batch_files import (
    CIFAR10_DIR_VARIABLE,
    TEST_BATCH,
    TRAIN_BATCHES,
    DatasetError,
    check_split,
    read_batch,
)

__all__ = ["CIFAR10_CLASSES", "CIFAR10_DIR_VARIABLE", "DatasetError", "cifar10_source",
           "fingerprint", "load_cifar10", "local_cifar10_dir", "scale_images"]

CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)
"""The ten class names, indexed by label."""

IMAGES_PER_BATCH = 10_000

def local_cifar10_dir() -> Path | None:
    """The ``cifar-10-batches-py`` folder named by ``CNNLESSON_CIFAR10_DIR``, if set.

    The variable may name the folder itself or the folder that holds it.

    Returns
    -------
    pathlib.Path or None
        ``None`` when the variable is unset or empty.

    Raises
    ------
    DatasetError
        When the variable names a folder that does not exist.

    Examples
    --------
    >>> import os
    >>> os.environ.pop("CNNLESSON_CIFAR10_DIR", None) and None
    >>> local_cifar10_dir() is None
    True
    """
    value = os.environ.get(CIFAR10_DIR_VARIABLE, "").strip()
    if not value:
        return None
    folder = Path(value).expanduser()
    if not folder.is_dir():
        raise DatasetError(
            f"{CIFAR10_DIR_VARIABLE}={value} does not name an existing folder. "
            "Point it at the folder that holds cifar-10-batches-py/, or unset it "
            "to download CIFAR-10 with Keras."
        )
    if (folder / "cifar-10-batches-py").is_dir():
        folder = folder / "cifar-10-batches-py"
    return folder


def cifar10_source() -> str:
    """Say where :func:`load_cifar10` takes CIFAR-10 from, in words the site prints.

    Returns
    -------
    str
        ``"a local copy (cifar-10-batches-py/, from CNNLESSON_CIFAR10_DIR)"`` when
        the variable is set (the folder's own name only: pages print this, and a
        full path would show the folders of the machine that built them), else
        ``"official download (keras.datasets.cifar10)"``.

    Examples
    --------
    >>> import os
    >>> os.environ.pop("CNNLESSON_CIFAR10_DIR", None) and None
    >>> cifar10_source()
    'official download (keras.datasets.cifar10)'
    """
    folder = local_cifar10_dir()
    if folder is None:
        return "official download (keras.datasets.cifar10)"
    return f"a local copy ({folder.name}/, from {CIFAR10_DIR_VARIABLE})"


def _load_local(folder: Path):
    train = [read_batch(folder / name, IMAGES_PER_BATCH) for name in TRAIN_BATCHES]
    x_test, y_test = read_batch(folder / TEST_BATCH, IMAGES_PER_BATCH)
    x_train = np.concatenate([images for images, _ in train])
    y_train = np.concatenate([labels for _, labels in train])
    return (x_train, y_train), (x_test, y_test)


def _load_official():
    import keras

    try:
        # Keras downloads without a timeout of its own; a stalled server then gives up.
        with library_reads_time_out():
            return keras.datasets.cifar10.load_data()
    except Exception as error:
        raise DatasetError(
            f"CIFAR-10 could not be downloaded ({type(error).__name__}: {error}). "
            f"Without a network, set {CIFAR10_DIR_VARIABLE} to a local copy: the "
            "folder that holds cifar-10-batches-py/ from the official "
            "cifar-10-python.tar.gz."
        ) from None


def load_cifar10(subset: int | None = None):
    """Load CIFAR-10 exactly as ``keras.datasets.cifar10.load_data()`` returns it.

    Parameters
    ----------
    subset : int, optional
        Keep only the first ``subset`` images of each split, for quick runs.

    Returns
    -------
    tuple
        ``((x_train, y_train), (x_test, y_test))``: uint8 images of shape
        ``(N, 32, 32, 3)`` and uint8 labels of shape ``(N, 1)``; N is 50,000
        and 10,000 without ``subset``.  :func:`cifar10_source` says where
        they came from.

    Raises
    ------
    DatasetError
        When the data cannot be downloaded or read, or is not CIFAR-10 as it should be
        (pixel type and range, shapes, counts, labels 0-9); the message names the file,
        what is wrong, and the fix.
    ValueError
        When ``subset`` is not a positive integer, or is more than the training images.

    Examples
    --------
    Loading needs the data (a download, or the local copy):

    >>> (x_train, y_train), (x_test, y_test) = load_cifar10(subset=8)  # doctest: +SKIP
    >>> x_train.shape, y_train.shape, x_train.dtype  # doctest: +SKIP
    ((8, 32, 32, 3), (8, 1), dtype('uint8'))

    Bad arguments are refused before anything is read:

    >>> load_cifar10(subset=0)
    Traceback (most recent call last):
    ValueError: subset must be a positive integer or None, got 0
    """
    if subset is not None and (isinstance(subset, bool) or not isinstance(subset, int)
                               or subset <= 0):
        raise ValueError(f"subset must be a positive integer or None, got {subset!r}")
    folder = local_cifar10_dir()
    (x_train, y_train), (x_test, y_test) = (
        _load_official() if folder is None else _load_local(folder)
    )
    source = "download" if folder is None else f"copy at {folder}"
    check_split(x_train, y_train, len(TRAIN_BATCHES) * IMAGES_PER_BATCH, f"{source} (training)")
    check_split(x_test, y_test, IMAGES_PER_BATCH, f"{source} (test)")
    if subset is not None and subset > len(x_train):
        raise ValueError(f"subset={subset:,} is more than the {len(x_train):,} training images; "
                         "leave it out to use them all")
    if subset is not None:
        x_train, y_train = x_train[:subset], y_train[:subset]
        x_test, y_test = x_test[:subset], y_test[:subset]
    return (x_train, y_train), (x_test, y_test)


def scale_images(images: np.ndarray) -> np.ndarray:
    """Scale uint8 pixels to float32 in [0, 1], as the lesson does with ``/ 255.0``.

    Parameters
    ----------
    images : numpy.ndarray
        Pixels in 0..255.

    Returns
    -------
    numpy.ndarray
        Float32 array of the same shape. The division casts as it goes, so the
        only new memory is the result (no full-size float temporary).

    Raises
    ------
    ValueError
        When ``images`` is not numbers (text, None, complex, NaN) or a pixel lies outside
        0..255.

    Examples
    --------
    >>> scale_images(np.array([0, 51, 255], dtype=np.uint8))
    array([0. , 0.2, 1. ], dtype=float32)
    """
    images = real_array(images, "images")
    if images.dtype.kind == "b":
        raise ValueError("images must hold pixel values from 0 to 255, got True/False values")
    if images.size and images.dtype != np.uint8:  # uint8 pixels are in range by their type
        low, high = images.min(), images.max()
        if low < 0 or high > 255:
            raise ValueError(f"images must hold pixel values from 0 to 255, got values from "
                             f"{low} to {high}; pass the raw pixels, as loaded")
    return np.divide(images, np.float32(255.0), dtype=np.float32)


def fingerprint(*arrays: np.ndarray) -> str:
    """A short hash of arrays' shapes, types and bytes, used in training cache keys.

    Examples
    --------
    >>> fingerprint(np.zeros(3)) == fingerprint(np.zeros(3))
    True
    >>> fingerprint(np.zeros(3)) == fingerprint(np.ones(3))
    False
    """
    digest = hashlib.blake2b(digest_size=16)
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.shape}{array.dtype}".encode())
        digest.update(array.data)
    return digest.hexdigest()
