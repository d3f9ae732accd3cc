"""Files and folders written whole: a reader sees the old one or the new one, never half.

Everything cnnlesson writes for others to read (the published models' index, the explorer's
data, the course pack, the examples' downloads) goes through :func:`write_whole`: it is
written beside its place under a temporary name, then renamed into place, so an
interrupted run leaves the earlier file (or nothing), not a truncated one.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

#: The temporary names' prefix, so that a leftover from a killed run is recognisable.
PARTIAL_PREFIX = ".cnnlesson-partial-"


def write_whole(path, write: Callable[[Path], object], staging=None) -> Path:
    """Have ``write`` make a file or a folder under a temporary name, then put it at ``path``.

    ``write(partial)`` writes the file (or makes the folder) ``partial``, beside ``path``
    in the same folder, so that the rename is atomic.  A file replaces the earlier file
    at ``path`` in one step; a folder replaces the earlier folder, which is moved aside
    first and put back if the new one cannot take its place.  If ``write`` raises, nothing
    at ``path`` changes and the partial file or folder is removed.

    Parameters
    ----------
    path : str or path-like
        Where the file or folder goes; its parent folder is created if needed.
    write : callable
        Called with the temporary path to write.
    staging : str or path-like, optional
        The folder for the temporary name, on the same disk as ``path``; by default the
        folder of ``path``.

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "index.json"
    >>> write_whole(target, lambda partial: partial.write_text("{}")).read_text()
    '{}'
    >>> def fails(partial):
    ...     partial.write_text("half")
    ...     raise OSError("disk full")
    >>> write_whole(target, fails)
    Traceback (most recent call last):
    OSError: disk full
    >>> target.read_text(), sorted(p.name for p in target.parent.iterdir())
    ('{}', ['index.json'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    token = f"{os.getpid()}-{secrets.token_hex(4)}"
    staging = Path(staging) if staging is not None else path.parent
    partial = staging / f"{PARTIAL_PREFIX}{token}-{path.name}"
    earlier = staging / f"{PARTIAL_PREFIX}{token}-earlier-{path.name}"
    try:
        write(partial)
        if not partial.is_dir():
            os.replace(partial, path)
            return path
        if path.is_dir() and not path.is_symlink():
            path.rename(earlier)
        try:
            partial.rename(path)
        except OSError:
            if earlier.is_dir():
                earlier.rename(path)  # the earlier folder back in its place
            raise
        return path
    finally:
        for leftover in (partial, earlier):  # both named by this call
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
