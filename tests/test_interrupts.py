"""Ctrl-C while training: one line, exit status 130, nothing cached, whatever TensorFlow does.

TensorFlow sometimes swallows the KeyboardInterrupt of a Ctrl-C, or raises another
exception in its place; these tests make ``model.fit`` do each of those.
"""

import signal

import keras
import pytest

from cnnlesson import train_lesson_model
from cnnlesson.__main__ import main
from cnnlesson.cache import cache_dir

COMMAND = ["train", "--epochs", "1", "--batch-size", "16", "--subset", "32"]


@pytest.fixture(autouse=True)
def ctrl_c_reaches_python():
    """Ctrl-C as in a terminal, also where the tests run in the background (a shell's `&`
    starts them with SIGINT ignored)."""
    previous = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def press_ctrl_c():
    signal.raise_signal(signal.SIGINT)


def swallowed(real_fit):
    def fit(self, *args, **kwargs):
        try:
            press_ctrl_c()
        except KeyboardInterrupt:
            pass  # as a C++ call that catches it would
        return real_fit(self, *args, **kwargs)
    return fit


def turned_into_value_error(real_fit):
    def fit(self, *args, **kwargs):
        try:
            press_ctrl_c()
        except KeyboardInterrupt:
            raise ValueError("Could not pack sequence. Structure had 2 atoms, but flat_sequence "
                             "had 1 items.") from None
        return real_fit(self, *args, **kwargs)
    return fit


def swallowed_while_evaluating(real_evaluate):
    def evaluate(self, *args, **kwargs):
        try:
            press_ctrl_c()
        except KeyboardInterrupt:
            pass
        return real_evaluate(self, *args, **kwargs)
    return evaluate


def cached_entries():
    folder = cache_dir()
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) if (
        folder.is_dir()) else []


@pytest.mark.parametrize("fault", ["swallowed", "turned into a ValueError",
                                   "swallowed while evaluating"])
def test_command_line_reports_every_ctrl_c_as_one_line_and_130(tiny_cifar10, monkeypatch,
                                                                capsys, fault):
    if fault == "swallowed while evaluating":
        monkeypatch.setattr(keras.Model, "evaluate",
                            swallowed_while_evaluating(keras.Model.evaluate))
    else:
        wrap = swallowed if fault == "swallowed" else turned_into_value_error
        monkeypatch.setattr(keras.Model, "fit", wrap(keras.Model.fit))
    assert main(COMMAND) == 130
    captured = capsys.readouterr()
    assert captured.err.strip().splitlines()[-1] == "interrupted; nothing was cached"
    assert "Traceback" not in captured.err and "Could not pack" not in captured.err
    assert "error:" not in captured.err
    assert "test_accuracy" not in captured.out  # no result was printed
    assert cached_entries() == []


def test_a_swallowed_ctrl_c_stops_training_in_python_too(tiny_cifar10, monkeypatch):
    monkeypatch.setattr(keras.Model, "fit", swallowed(keras.Model.fit))
    with pytest.raises(KeyboardInterrupt):
        train_lesson_model(epochs=1, batch_size=16, subset=32, verbose=0)
    assert cached_entries() == []


def test_after_an_interrupt_the_next_training_runs_and_caches(tiny_cifar10, monkeypatch):
    real_fit = keras.Model.fit
    monkeypatch.setattr(keras.Model, "fit", swallowed(real_fit))
    with pytest.raises(KeyboardInterrupt):
        train_lesson_model(epochs=1, batch_size=16, subset=32, verbose=0)
    monkeypatch.setattr(keras.Model, "fit", real_fit)
    result = train_lesson_model(epochs=1, batch_size=16, subset=32, verbose=0)
    assert not result.from_cache and cached_entries() == [result.cache_key]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
