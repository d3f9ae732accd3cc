"""A trained model's weights on disk: the layers' only, never the optimizer's (see
:mod:`cnnlesson.cache`)."""

from __future__ import annotations

from pathlib import Path

from cnnlesson._checks import one_line


def _twin(model):
    """An uncompiled copy of ``model``'s architecture: its weights without the optimizer's."""
    return type(model).from_config(model.get_config())


def save_model_weights(model, path: Path) -> None:
    """Save the layers' weights of ``model`` (not the optimizer's state) as a Keras file.

    The file is a third of one with Adam's two moments, and it is all a trained model
    needs to predict, to be shown or to be published.
    """
    twin = _twin(model)
    twin.set_weights(model.get_weights())
    twin.save_weights(path)


def load_model_weights(model, path: Path) -> None:
    """Load a file of :func:`save_model_weights` into ``model`` (its optimizer starts afresh)."""
    twin = _twin(model)
    twin.load_weights(path)
    model.set_weights(twin.get_weights())


def weight_bytes(model) -> int:
    import numpy as np

    return sum(int(np.prod(v.shape)) * np.dtype(v.dtype).itemsize for v in model.weights)


def load_weights_checked(model, path: Path) -> None:
    """:func:`load_model_weights`, or ValueError in one line when they do not fit ``model``."""
    try:
        load_model_weights(model, path)
    except Exception as error:  # h5py and Keras raise many kinds for a file that does not fit
        raise ValueError(f"the weights do not fit the network ({one_line(error)})") from None
