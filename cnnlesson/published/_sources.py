"""Where published models are read from: a built site, its models/ folder, a zip of
either, or the address of one.  Every file is checked against the index's size before a
byte of it is written, then streamed with that size as its limit and its SHA-256
computed on the way."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import zipfile
from pathlib import Path

from cnnlesson._web import network_timeout, open_url, silence, timed_out
from cnnlesson.published._publish import INDEX_FILE, INDEX_FORMAT

#: An index larger than this is not one the package wrote (it is a few kB a model).
INDEX_MAX_BYTES = 16 << 20


class ModelsSourceError(ValueError):
    """A source of published models cannot be read, or a file of it is not what its index says."""

    __module__ = "cnnlesson.published"  # its public home, as tracebacks name it


class UnreachableSourceError(ModelsSourceError):
    """A source of published models did not answer, or not in time: try again later."""

    __module__ = "cnnlesson.published"


def _check_index(text: bytes, where):
    if len(text) > INDEX_MAX_BYTES:
        raise ModelsSourceError(f"{where} is larger than {INDEX_MAX_BYTES:,} bytes: not an "
                                "index of published cnnlesson models")
    try:
        index = json.loads(text.decode("utf-8"))
    except ValueError as error:  # not UTF-8, or not JSON
        raise ModelsSourceError(f"{where} is not JSON ({error})") from None
    if not isinstance(index, dict) or index.get("format") != INDEX_FORMAT or not isinstance(
            index.get("models"), list):
        raise ModelsSourceError(f"{where} is not an index of published cnnlesson models "
                                f"(format {INDEX_FORMAT})")
    return index


def _copy_checked(stream, target: Path, sha256: str, size: int, name: str, *,
                  download=False) -> str:
    """Copy ``stream`` into ``target``, never more than ``size`` bytes; check the SHA-256.

    ``name`` begins each message: the file's name, or the address it is downloaded from.
    """
    digest, written = hashlib.sha256(), 0
    with target.open("wb") as out:
        while block := stream.read(1 << 20):
            written += len(block)
            if written > size:
                raise ModelsSourceError(f"{name}: more than the {size:,} bytes the index "
                                        "gives it; the rest was not written")
            digest.update(block)
            out.write(block)
    if written != size and download:
        raise ModelsSourceError(f"{name}: the connection broke off after {written:,} of "
                                f"{size:,} bytes; try again later")
    if written != size:
        raise ModelsSourceError(f"{name}: {written:,} bytes, the index says {size:,}")
    if digest.hexdigest() != sha256:
        raise ModelsSourceError(f"{name}: its SHA-256 is {digest.hexdigest()[:16]}…, the index "
                                f"says {sha256[:16]}…; the file was changed or damaged")
    return sha256


def _claim_checked(actual: int, size: int, name: str, what: str) -> None:
    """Refuse a file whose size, as ``what`` gives it, is not the index's, before copying."""
    if actual != size:
        raise ModelsSourceError(f"{name}: {what} {actual:,} bytes, the index says {size:,}; "
                                "nothing of it was copied")


class _Folder:
    def __init__(self, root: Path):
        self.root, self.label = root, f"the folder {root}"

    def index(self):
        path = self.root / INDEX_FILE
        try:
            if path.stat().st_size > INDEX_MAX_BYTES:
                return _check_index(b" " * (INDEX_MAX_BYTES + 1), path)
            return _check_index(path.read_bytes(), path)
        except OSError as error:
            raise ModelsSourceError(f"{path} cannot be read ({error.strerror or error})") from None

    def fetch(self, name, sha256, size, target: Path):
        source = self.root / name
        if not source.is_file():
            raise ModelsSourceError(f"{name}: missing from {self.root}")
        _claim_checked(source.stat().st_size, size, name, "the file holds")
        with source.open("rb") as stream:
            return _copy_checked(stream, target, sha256, size, name)


class _Zip:
    def __init__(self, path: Path):
        self.path, self.label = path, f"the zip {path.name}"
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError) as error:
            raise ModelsSourceError(
                f"{path} is not a zip that can be read ({error}): name a built site, its "
                "models/ folder, a whole zip of either, or the site's http(s) address"
            ) from None
        indexes = sorted((n for n in names if n == INDEX_FILE or n.endswith("/" + INDEX_FILE)),
                         key=lambda n: (not n.endswith("models/" + INDEX_FILE), len(n)))
        if not indexes:
            raise ModelsSourceError(f"{path} holds no {INDEX_FILE} of published models")
        self.prefix = indexes[0][: -len(INDEX_FILE)]

    def index(self):
        where = f"{self.path}:{self.prefix}{INDEX_FILE}"
        try:
            with zipfile.ZipFile(self.path) as archive:
                info = archive.getinfo(self.prefix + INDEX_FILE)
                if info.file_size > INDEX_MAX_BYTES:
                    return _check_index(b" " * (INDEX_MAX_BYTES + 1), where)
                return _check_index(archive.read(info), where)
        except (zipfile.BadZipFile, OSError) as error:
            raise ModelsSourceError(f"{where} cannot be read ({error})") from None

    def fetch(self, name, sha256, size, target: Path):
        try:
            with zipfile.ZipFile(self.path) as archive:
                try:
                    info = archive.getinfo(self.prefix + name)
                except KeyError:
                    raise ModelsSourceError(f"{name}: missing from {self.path}") from None
                _claim_checked(info.file_size, size, name, "the zip holds")
                with archive.open(info) as member:
                    return _copy_checked(member, target, sha256, size, name)
        except (zipfile.BadZipFile, EOFError) as error:  # a damaged archive
            raise ModelsSourceError(f"{name}: cannot be unpacked from {self.path} "
                                    f"({error})") from None


class _Web:
    def __init__(self, base: str, timeout: float):
        self.base, self.label, self.timeout = base, base, timeout
        self._index = None

    def _failure(self, url, error):
        """The one line for a read that failed, naming the address and the file."""
        if timed_out(error):
            return f"{url}: {silence(self.timeout)}; try again later"
        reason = error if getattr(error, "code", None) else getattr(error, "reason", error)
        return f"{url} cannot be read ({reason})"

    def index(self):
        if self._index is not None:  # read once: an address is asked for it only once
            return self._index
        url = self.base + INDEX_FILE
        try:
            with open_url(url, self.timeout) as response:
                text = response.read(INDEX_MAX_BYTES + 1)
        except http.client.HTTPException as error:  # it answered, then broke off
            raise UnreachableSourceError(self._failure(url, error)) from None
        except OSError as error:
            if getattr(error, "code", None) is not None:  # an HTTP error: no index there
                raise ModelsSourceError(self._failure(url, error)) from None
            # URLError, a timeout: it did not answer; no other address there is worth a try
            raise UnreachableSourceError(self._failure(url, error)) from None
        self._index = _check_index(text, url)
        return self._index

    def fetch(self, name, sha256, size, target: Path):
        # Read with urllib rather than keras.utils.get_file: get_file opens its connection
        # with urlretrieve, which takes no timeout, so a server that stalls keeps it
        # waiting forever; here each read waits at most the timeout, the size is known
        # before a byte is written, and the SHA-256 is computed while the bytes arrive.
        url = self.base + name
        try:
            with open_url(url, self.timeout) as response:
                claimed = response.headers.get("Content-Length")
                if claimed is not None and claimed.isdigit():
                    _claim_checked(int(claimed), size, url, "the server announces")
                return _copy_checked(response, target, sha256, size, url, download=True)
        except (OSError, http.client.HTTPException) as error:
            raise ModelsSourceError(f"not fetched: {self._failure(url, error)}") from None


def open_source(source, *, timeout=None):
    """The published models at ``source``: a built site, its ``models/`` folder, a zip of
    either, or an http(s) address of a site or of its ``models/`` folder.

    Parameters
    ----------
    source : str or path-like
    timeout : float, optional
        Seconds an http(s) read waits for the connection and for each next piece of data;
        by default ``CNNLESSON_NETWORK_TIMEOUT``, else 30.

    Raises
    ------
    ModelsSourceError
        When ``source`` holds no index of published models; the message says where it
        looked.  :class:`UnreachableSourceError` when an address did not answer in time.
    ValueError
        When ``CNNLESSON_NETWORK_TIMEOUT`` is not a positive number of seconds.

    Examples
    --------
    >>> import tempfile
    >>> open_source(tempfile.mkdtemp())
    Traceback (most recent call last):
    cnnlesson.published.ModelsSourceError: no index.json of published models in ...
    """
    text = str(source).strip() if isinstance(source, (str, os.PathLike)) else ""
    if not text:
        raise ModelsSourceError(f"no source of published models named ({source!r}): name a "
                                "built site, its models/ folder, a zip of either, or the "
                                "site's http(s) address")
    if text.startswith(("http://", "https://")):
        timeout = network_timeout() if timeout is None else timeout
        base = text if text.endswith("/") else text + "/"
        first = _Web(base, timeout)
        try:
            first.index()
            return first
        except UnreachableSourceError:
            raise
        except ModelsSourceError:
            return _Web(base + "models/", timeout)  # a site's address: its models/ folder
    path = Path(text).expanduser()
    if path.is_file():
        return _Zip(path)
    for folder in (path, path / "models"):
        if (folder / INDEX_FILE).is_file():
            return _Folder(folder)
    raise ModelsSourceError(
        f"no {INDEX_FILE} of published models in {path} or {path / 'models'}: name a built "
        "site, its models/ folder, a zip of either, or the site's http(s) address")
