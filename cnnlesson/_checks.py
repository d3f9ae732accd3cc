"""Argument checks shared across the package (positive integers, finite numbers, padding
modes), and the one-line form of an error message."""

from __future__ import annotations

import math
import operator

PADDINGS = ("valid", "same")


def positive_int(value, name):
    """Return ``value`` as an int, or raise ValueError naming ``name`` and what was expected."""
    # bool is an int subclass; True as a kernel size is always a mistake.
    if isinstance(value, bool):
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    try:
        value = operator.index(value)
    except TypeError:
        raise ValueError(f"{name} must be a positive integer, got {value!r}") from None
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return value


def int_tuple(value, length, name):
    if isinstance(value, (tuple, list)):
        if len(value) != length:
            raise ValueError(f"{name} must be an int or a {length}-tuple, got {value!r}")
        return tuple(positive_int(v, name) for v in value)
    return (positive_int(value, name),) * length


def check_padding(padding):
    mode = str(padding).lower()
    if mode not in PADDINGS:
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    return mode


def described(value):
    """A short description of a wrong argument, for the message that refuses it."""
    if value is None:
        return "None"
    shape, dtype = getattr(value, "shape", None), getattr(value, "dtype", None)
    if shape is not None and not isinstance(value, (str, bytes)):
        return f"{type(value).__name__} of {dtype}, shape {tuple(shape)}"
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 40 else text[:37] + '...'}"


def real_array(value, name, dtype=None):
    """``value`` as a NumPy array of finite real numbers, or a ValueError naming ``name``.

    Text, None and other objects, complex numbers, NaN and infinities are refused: NumPy
    would cast, drop or carry each of them into an answer that looks like a number.
    """
    import numpy as np

    try:
        array = np.asarray(value)
    except (TypeError, ValueError):  # ragged nested lists
        raise ValueError(f"{name} must be an array of numbers with one shape (rows of equal "
                         f"length), got a ragged {type(value).__name__}") from None
    if array.dtype.kind == "c":
        raise ValueError(f"{name} must hold real numbers, got complex ones; pass their real "
                         "part (x.real) or their magnitude (abs(x))")
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be an array of numbers, got {described(value)}")
    if array.dtype.kind == "f" and array.size and not np.isfinite([array.min(),
                                                                 array.max()]).all():
        bad = int(array.size - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"{name} must hold finite numbers, got {bad} NaN or infinite "
                         f"value(s) of {array.size}; find where they came from, or replace "
                         "them (numpy.nan_to_num)")
    return array if dtype is None else array.astype(dtype, copy=False)


def flag(value, name):
    """``value`` if it is True or False (a NumPy bool too), else a ValueError naming ``name``.

    Python would read any other value, such as the text ``'no'``, by its truth.
    """
    if isinstance(value, bool) or getattr(getattr(value, "dtype", None), "kind", "") == "b":
        return bool(value)
    raise ValueError(f"{name} must be True or False, got {described(value)}")


def is_finite_number(value) -> bool:
    """Whether ``value`` is a finite real number (not a bool, not NaN or infinite)."""
    try:
        return math.isfinite(value) and not isinstance(value, bool)
    except TypeError:
        return False


def one_line(error: BaseException) -> str:
    """The first line of an error's message: Keras and h5py explain over several."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = lines[0] if lines else type(error).__name__
    return text if len(text) <= 200 else text[:199] + "…"
