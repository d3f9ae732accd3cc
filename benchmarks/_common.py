"""Shared helpers for the benchmarks: data and the lesson model, built the tutorial's way."""

from __future__ import annotations

import os
import pickle

import numpy as np


def load_subset(n_train, n_test=2000):
    """Return ``(x_train, y_train), (x_test, y_test)`` float32 in [0, 1], NHWC.

    Uses ``cnnlesson.load_cifar10`` when it exists, else reads the pickled
    batches named by ``CNNLESSON_CIFAR10_DIR`` directly.
    """
    if os.path.isdir("/tmp/cifar10-offline"):  # this project's offline copy
        os.environ.setdefault("CNNLESSON_CIFAR10_DIR", "/tmp/cifar10-offline")
    try:
        from cnnlesson import load_cifar10, scale_images
    except ImportError:
        load_cifar10 = None
    if load_cifar10 is not None:
        (xtr, ytr), _ = load_cifar10(subset=n_train)
        (_, _), (xte, yte) = load_cifar10(subset=n_test)
        return ((scale_images(xtr), ytr.reshape(-1).astype("int64")),
                (scale_images(xte), yte.reshape(-1).astype("int64")))
    root = os.environ.get("CNNLESSON_CIFAR10_DIR", "/tmp/cifar10-offline")
    folder = os.path.join(root, "cifar-10-batches-py")

    def read(name):
        with open(os.path.join(folder, name), "rb") as fh:
            d = pickle.load(fh, encoding="bytes")
        x = d[b"data"].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        return x, np.asarray(d[b"labels"], dtype=np.int64)

    xs, ys = [], []
    for i in range(1, 6):
        if sum(len(x) for x in xs) >= n_train:
            break
        x, y = read(f"data_batch_{i}")
        xs.append(x)
        ys.append(y)
    xtr = np.concatenate(xs)[:n_train].astype("float32") / 255.0
    ytr = np.concatenate(ys)[:n_train]
    xte, yte = read("test_batch")
    return (xtr, ytr), (xte[:n_test].astype("float32") / 255.0, yte[:n_test])


def build_model():
    """The lesson's model, compiled as the tutorial compiles it."""
    try:
        from cnnlesson.model import build_lesson_model
    except ImportError:
        build_lesson_model = None
    if build_lesson_model is not None:
        return build_lesson_model()
    import keras
    from keras.constraints import MaxNorm
    from keras.layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D

    model = keras.Sequential([
        keras.Input((32, 32, 3)),
        Conv2D(32, 3, padding="same", activation="relu", kernel_constraint=MaxNorm(3)),
        Dropout(0.3),
        Conv2D(32, 3, padding="same", activation="relu", kernel_constraint=MaxNorm(3)),
        MaxPooling2D(),
        Flatten(),
        Dense(512, activation="relu", kernel_constraint=MaxNorm(3)),
        Dropout(0.5),
        Dense(10, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["sparse_categorical_accuracy"])
    return model
