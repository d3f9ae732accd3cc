"""Argument checks shared across the package: positive integers and padding modes."""

from __future__ import annotations

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
