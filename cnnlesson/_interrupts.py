"""Ctrl-C during training: always an interruption, never another error, never swallowed.

Python turns Ctrl-C (SIGINT) into :class:`KeyboardInterrupt` wherever the program happens
to be.  Inside TensorFlow that can go wrong in two ways: a C++ call catches it and raises
another exception in its place (``ValueError: Could not pack sequence...``), or the
interrupt lands somewhere that discards it and training carries on.  :func:`honoured`
remembers every Ctrl-C while training runs, so the training code can check it
(:func:`raise_if_interrupted`) before it stores anything, and any exception raised after
a Ctrl-C is reported as the :class:`KeyboardInterrupt` it stands for.
"""

from __future__ import annotations

import contextlib
import signal
import threading

_interrupted = threading.Event()
_depth = [0]  # blocks of honoured() open; the outermost one forgets the Ctrl-C at its end


def _install(previous):
    def on_interrupt(signum, frame):
        _interrupted.set()
        if callable(previous):
            previous(signum, frame)  # Python's own handler raises KeyboardInterrupt
        else:
            raise KeyboardInterrupt

    signal.signal(signal.SIGINT, on_interrupt)


@contextlib.contextmanager
def honoured():
    """While the block runs, a Ctrl-C ends it with :class:`KeyboardInterrupt`, whatever happens.

    Outside the main thread, or where Ctrl-C is ignored, the block runs as it is.

    Examples
    --------
    >>> with honoured():
    ...     raise_if_interrupted()  # no Ctrl-C: nothing happens

    With a Ctrl-C that the block swallows, the block still ends in
    :class:`KeyboardInterrupt` (``tests/test_interrupts.py`` shows it).
    """
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous is signal.SIG_IGN:
        yield
        return
    _depth[0] += 1
    _install(previous)
    try:
        yield
    except KeyboardInterrupt:
        raise
    except BaseException:
        if _interrupted.is_set():
            raise KeyboardInterrupt from None  # what the other error stands for
        raise
    else:
        raise_if_interrupted()
    finally:
        signal.signal(signal.SIGINT, previous)
        _depth[0] -= 1
        if _depth[0] == 0:
            _interrupted.clear()


def raise_if_interrupted():
    """Raise :class:`KeyboardInterrupt` if Ctrl-C was pressed in the current :func:`honoured` block.

    Examples
    --------
    >>> raise_if_interrupted()
    """
    if _interrupted.is_set():
        raise KeyboardInterrupt


def interruption_callback():
    """A Keras callback that stops training at the next batch after a Ctrl-C.

    For an interrupt that TensorFlow swallowed: the callback raises it again where
    Keras lets it through.
    """
    import keras

    return keras.callbacks.LambdaCallback(
        on_train_batch_end=lambda batch, logs=None: raise_if_interrupted(),
        on_epoch_end=lambda epoch, logs=None: raise_if_interrupted(),
    )
