"""Sharing the cache: a writable folder, one lock per entry, no leftovers, and only its
own entries ever removed (see :mod:`cnnlesson.cache`)."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import sys
import time
from pathlib import Path

from cnnlesson.cache._layout import (
    CACHE_DIR_VARIABLE,
    cache_dir,
    is_ours,
    lock_path,
    staging_key,
)

# Staging folders (".cnnlesson-staging-<key>-<pid>-<random>") live for the seconds of a write.
STALE_AFTER_SECONDS = 3600


class CacheNotWritableError(OSError):
    """The cache folder cannot be written; the message names the variable and the fix."""

    __module__ = "cnnlesson.cache"  # its public home, as tracebacks name it


def check_writable(folder: Path | None = None, *, training: bool = True) -> Path:
    """Make sure trained models can be stored in ``folder`` (the cache), before training.

    ``training=False`` leaves out of the message the advice to train without the cache
    (for an import, say).

    Returns
    -------
    pathlib.Path
        The folder, created if needed.

    Raises
    ------
    CacheNotWritableError
        When the folder cannot be created or written; the message names
        ``CNNLESSON_CACHE_DIR`` and how to go on.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> in_the_way = Path(tempfile.mkdtemp()) / "a-file"
    >>> _ = in_the_way.write_text("")
    >>> check_writable(in_the_way)
    Traceback (most recent call last):
    cnnlesson.cache.CacheNotWritableError: the training cache .../a-file cannot be written ...
    """
    folder = cache_dir() if folder is None else Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".cnnlesson-write-test-{os.getpid()}-{secrets.token_hex(4)}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        also = (", or train without the cache (cache=False; --no-cache on the command line)"
                if training else "")
        raise CacheNotWritableError(
            f"the training cache {folder} cannot be written ({error.strerror or error}). "
            f"Set {CACHE_DIR_VARIABLE} to a folder you can write{also}."
        ) from None
    return folder


def entry_lock(entry: Path):
    """The lock of one cache entry, held while its model is trained and stored.

    A :class:`filelock.FileLock` on ``.cnnlesson-lock-<key>`` beside the entry; it is
    released when the process ends, also when it is killed.  Acquiring it says so on stderr when
    another process holds it, then waits.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> entry = Path(tempfile.mkdtemp()) / "example"
    >>> with entry_lock(entry):
    ...     print(sorted(path.name for path in entry.parent.iterdir()))
    ['.cnnlesson-lock-example']
    """
    import filelock

    @contextlib.contextmanager
    def held():
        lock = filelock.FileLock(lock_path(entry))
        try:
            lock.acquire(timeout=0)
        except filelock.Timeout:
            _waiting_message(entry)
            lock.acquire()
        try:
            yield lock
        finally:
            lock.release()

    return held()


def remove_stale_staging(folder: Path | None = None) -> list:
    """Remove staging folders that killed writes left in the cache; return their paths.

    Only folders named as the package names its staging folders
    (``.cnnlesson-staging-<key>-<pid>-<random>``) are ever removed: the cache folder may
    hold other files, hidden ones too, and they stay as they are.  A staging folder is
    stale when nobody holds its entry's lock, or when it is older than an hour (a write
    takes seconds).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> folder = Path(tempfile.mkdtemp())
    >>> (folder / ".cnnlesson-staging-0123456789abcdef01234567-42-ff00ff00").mkdir()
    >>> (folder / ".git").mkdir()
    >>> [path.name for path in remove_stale_staging(folder)]
    ['.cnnlesson-staging-0123456789abcdef01234567-42-ff00ff00']
    >>> sorted(path.name for path in folder.iterdir())  # its entry's lock, probed, stays
    ['.cnnlesson-lock-0123456789abcdef01234567', '.git']
    """
    import filelock

    folder = cache_dir() if folder is None else Path(folder)
    removed = []
    if not folder.is_dir():
        return removed
    for staging, entry, age in _staging_folders(folder):
        if age < STALE_AFTER_SECONDS:
            try:
                with filelock.FileLock(lock_path(entry), timeout=0):
                    pass
            except filelock.Timeout:
                continue  # its writer is at work
            except OSError:
                continue  # a cache that cannot be written: nothing can be removed either
        shutil.rmtree(staging, ignore_errors=True)
        removed.append(staging)
    return removed


def discard_entry(entry: Path) -> bool:
    """Remove an unusable entry, if it carries the package's mark and nothing but its files.

    Anything else in the entry's place (a file, a link, a folder without the mark or
    with other files) is left as it is.

    Returns
    -------
    bool
        Whether the entry was removed.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from cnnlesson._marks import write_mark
    >>> entry = Path(tempfile.mkdtemp()) / "example"
    >>> entry.mkdir(); _ = (entry / "result.json").write_text("{")
    >>> discard_entry(entry), entry.exists()  # somebody's folder: no mark
    (False, True)
    >>> write_mark(entry)
    >>> discard_entry(entry), entry.exists()
    (True, False)
    """
    if not is_ours(entry):
        return False
    shutil.rmtree(entry, ignore_errors=True)
    return not entry.exists()


def _waiting_message(entry: Path) -> None:
    print(f"cnnlesson: another process is training the model of cache entry {entry.name}; "
          "waiting for it, then loading its result", file=sys.stderr, flush=True)


def _staging_folders(folder: Path):
    """Yield (staging folder, its entry's path, age in seconds) for every staging folder."""
    now = time.time()
    for path in folder.iterdir():
        key = staging_key(path.name)
        if key is None or path.is_symlink() or not path.is_dir():
            continue
        try:
            age = now - path.stat().st_mtime
        except OSError:
            continue
        yield path, folder / key, age
