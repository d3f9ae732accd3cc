"""Reading from the network: every read gives up after a set time without data.

A server that accepts the connection and then sends nothing, or half a file, would
otherwise keep an import, a build or a download of CIFAR-10 waiting forever.  Every read
the package makes waits at most ``CNNLESSON_NETWORK_TIMEOUT`` seconds (30 unless set)
for the connection, and then as long again for each next piece of data.
"""

from __future__ import annotations

import contextlib
import math
import os
import socket
import urllib.request

TIMEOUT_VARIABLE = "CNNLESSON_NETWORK_TIMEOUT"
DEFAULT_TIMEOUT = 30.0


def checked_timeout(value, name: str = TIMEOUT_VARIABLE) -> float:
    """``value`` as a number of seconds, or ValueError naming ``name``.

    Examples
    --------
    >>> checked_timeout("0.5")
    0.5
    >>> checked_timeout("never")
    Traceback (most recent call last):
    ValueError: CNNLESSON_NETWORK_TIMEOUT must be a positive number of seconds, got 'never'
    """
    try:
        seconds = math.nan if isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"{name} must be a positive number of seconds, got {value!r}")
    return seconds


def network_timeout() -> float:
    """The seconds a network read waits: ``$CNNLESSON_NETWORK_TIMEOUT``, else 30.

    Examples
    --------
    >>> import os
    >>> os.environ.pop("CNNLESSON_NETWORK_TIMEOUT", None) and None
    >>> network_timeout()
    30.0
    """
    value = os.environ.get(TIMEOUT_VARIABLE, "").strip()
    return checked_timeout(value) if value else DEFAULT_TIMEOUT


@contextlib.contextmanager
def library_reads_time_out():
    """While the block runs, sockets opened without a timeout of their own get the setting.

    For libraries that download without one (Keras' ``get_file`` opens its connection
    with ``urlretrieve``, which takes no timeout).

    Examples
    --------
    >>> import socket
    >>> with library_reads_time_out() as seconds:
    ...     socket.getdefaulttimeout() == seconds
    True
    """
    timeout = network_timeout()
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        yield timeout
    finally:
        socket.setdefaulttimeout(previous)


def open_url(url: str, timeout: float):
    """Open ``url`` for reading; connecting and each read wait at most ``timeout`` seconds."""
    request = urllib.request.Request(url, headers={"User-Agent": "cnnlesson"})
    return urllib.request.urlopen(request, timeout=timeout)


def timed_out(error: BaseException) -> bool:
    """Whether ``error`` (from :func:`open_url` or a read) is the timeout running out."""
    return isinstance(error, TimeoutError) or isinstance(getattr(error, "reason", None),
                                                         TimeoutError)


def silence(timeout: float) -> str:
    """The words for a timeout that ran out, naming the setting that changes it.

    Examples
    --------
    >>> silence(0.5)
    'nothing arrived for 0.5 s (CNNLESSON_NETWORK_TIMEOUT sets how long to wait)'
    """
    return f"nothing arrived for {timeout:g} s ({TIMEOUT_VARIABLE} sets how long to wait)"
