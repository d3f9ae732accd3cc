"""Argument checks shared by the analysis modules: positive integers and padding modes."""

from __future__ import annotations

import operator

PADDINGS = ("valid", "same")


def _positive_int(value, name):
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


def _int_tuple(value, length, name):
    if isinstance(value, (tuple, list)):
        if len(value) != length:
            raise ValueError(f"{name} must be an int or a {length}-tuple, got {value!r}")
        return tuple(_positive_int(v, name) for v in value)
    return (_positive_int(value, name),) * length


def _check_padding(padding):
    mode = str(padding).lower()
    if mode not in PADDINGS:
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    return mode
