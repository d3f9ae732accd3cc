"""The package's mark on the folders it writes: only a marked folder is ever replaced or
removed.

A name is not enough to tell a folder of the package's from a user's (a folder named like
a cache key may be anybody's), so every folder the package writes (a training-cache entry,
a published model) holds :data:`MARK_FILE`.
"""

from __future__ import annotations

from pathlib import Path

MARK_FILE = ".cnnlesson-mark"
MARK_TEXT = "Written by cnnlesson, which may replace or remove this folder.\n"


def write_mark(folder: Path) -> None:
    """Mark ``folder`` as the package's own, to be replaced or removed by it (:func:`is_marked`)."""
    (Path(folder) / MARK_FILE).write_text(MARK_TEXT, "utf-8")


def is_marked(folder: Path, names) -> bool:
    """Whether ``folder`` is one the package wrote: a real folder (not a link) holding its
    mark and nothing but files named in ``names``.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "result.json").write_text("{}")
    >>> is_marked(folder, {"result.json"})  # named like the package's file, but not marked
    False
    >>> write_mark(folder)
    >>> is_marked(folder, {"result.json"})
    True
    >>> _ = (folder / "notes.txt").write_text("mine")
    >>> is_marked(folder, {"result.json"})
    False
    """
    folder = Path(folder)
    if folder.is_symlink() or not folder.is_dir():
        return False
    try:
        mark = folder / MARK_FILE
        if mark.is_symlink() or not mark.is_file() or mark.stat().st_size > 4 * len(MARK_TEXT):
            return False
        if mark.read_text("utf-8", errors="replace") != MARK_TEXT:
            return False
        return all(path.name == MARK_FILE or (path.name in names and path.is_file()
                                              and not path.is_symlink())
                   for path in folder.iterdir())
    except OSError:
        return False
