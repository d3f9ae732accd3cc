"""Where published models are read from: a built site, its models/ folder, a zip of
either, or the address of one; every file is checked against the index's SHA-256."""

from __future__ import annotations

import json
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from cnnlesson.cache import file_digest
from cnnlesson.published._publish import INDEX_FILE, INDEX_FORMAT

#: Seconds to wait for a site's index before giving up on it.
INDEX_TIMEOUT = 20


class ModelsSourceError(ValueError):
    """A source of published models cannot be read, or a file of it is not what its index says."""

    __module__ = "cnnlesson.published"  # its public home, as tracebacks name it


def _check_index(index, where):
    if not isinstance(index, dict) or index.get("format") != INDEX_FORMAT or not isinstance(
            index.get("models"), list):
        raise ModelsSourceError(f"{where} is not an index of published cnnlesson models "
                                f"(format {INDEX_FORMAT})")
    return index


def _verified(path: Path, sha256: str, size: int, name: str) -> None:
    actual = path.stat().st_size
    if actual != size:
        raise ModelsSourceError(f"{name}: {actual:,} bytes, the index says {size:,}")
    digest = file_digest(path)
    if digest != sha256:
        raise ModelsSourceError(f"{name}: its SHA-256 is {digest[:16]}…, the index says "
                                f"{sha256[:16]}…; the file was changed or damaged")


class _Folder:
    def __init__(self, root: Path):
        self.root, self.label = root, f"the folder {root}"

    def index(self):
        path = self.root / INDEX_FILE
        try:
            return _check_index(json.loads(path.read_text("utf-8")), path)
        except (OSError, ValueError) as error:
            raise ModelsSourceError(f"{path} cannot be read as an index ({error})") from None

    def fetch(self, name, sha256, size, target: Path):
        source = self.root / name
        if not source.is_file():
            raise ModelsSourceError(f"{name}: missing from {self.root}")
        shutil.copyfile(source, target)
        _verified(target, sha256, size, name)


class _Zip:
    def __init__(self, path: Path):
        self.path, self.label = path, f"the zip {path.name}"
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
        indexes = sorted((n for n in names if n == INDEX_FILE or n.endswith("/" + INDEX_FILE)),
                         key=lambda n: (not n.endswith("models/" + INDEX_FILE), len(n)))
        if not indexes:
            raise ModelsSourceError(f"{path} holds no {INDEX_FILE} of published models")
        self.prefix = indexes[0][: -len(INDEX_FILE)]

    def index(self):
        with zipfile.ZipFile(self.path) as archive:
            text = archive.read(self.prefix + INDEX_FILE).decode("utf-8")
        return _check_index(json.loads(text), f"{self.path}:{self.prefix}{INDEX_FILE}")

    def fetch(self, name, sha256, size, target: Path):
        with zipfile.ZipFile(self.path) as archive:
            try:
                member = archive.open(self.prefix + name)
            except KeyError:
                raise ModelsSourceError(f"{name}: missing from {self.path}") from None
            with member, target.open("wb") as out:
                shutil.copyfileobj(member, out)
        _verified(target, sha256, size, name)


class _Unreachable(ModelsSourceError):
    """The address did not answer (offline, say): no other address there is worth a try."""


class _Web:
    def __init__(self, base: str):
        self.base, self.label = base, base
        self._index = None

    def index(self):
        if self._index is not None:  # read once: an address is asked for it only once
            return self._index
        url = self.base + INDEX_FILE
        try:
            with urllib.request.urlopen(url, timeout=INDEX_TIMEOUT) as response:
                self._index = _check_index(json.loads(response.read().decode("utf-8")), url)
        except (urllib.error.HTTPError, ValueError) as error:  # it answered: no index there
            raise ModelsSourceError(f"{url} cannot be read ({error})") from None
        except OSError as error:  # URLError, a timeout: it did not answer
            raise _Unreachable(f"{url} cannot be read ({error})") from None
        return self._index

    def fetch(self, name, sha256, size, target: Path):
        import keras

        # keras.utils.get_file downloads with a progress bar and checks the SHA-256; a
        # download that breaks off leaves only the temporary folder, removed below.
        with tempfile.TemporaryDirectory(dir=target.parent) as downloads:
            try:
                path = keras.utils.get_file(
                    fname=Path(name).name, origin=self.base + name, file_hash=sha256,
                    hash_algorithm="sha256", cache_dir=downloads, cache_subdir="")
            except Exception as error:  # a broken connection, an HTTP error, a bad hash
                raise ModelsSourceError(f"{name}: not fetched from {self.base} "
                                        f"({error})") from None
            shutil.move(path, target)
        _verified(target, sha256, size, name)


def open_source(source):
    """The published models at ``source``: a built site, its ``models/`` folder, a zip of
    either, or an http(s) address of a site or of its ``models/`` folder.

    Raises
    ------
    ModelsSourceError
        When ``source`` holds no index of published models; the message says where it
        looked.

    Examples
    --------
    >>> import tempfile
    >>> open_source(tempfile.mkdtemp())
    Traceback (most recent call last):
    cnnlesson.published.ModelsSourceError: no index.json of published models in ...
    """
    text = str(source).strip()
    if text.startswith(("http://", "https://")):
        base = text if text.endswith("/") else text + "/"
        first = _Web(base)
        try:
            first.index()
            return first
        except _Unreachable:
            raise
        except ModelsSourceError:
            return _Web(base + "models/")  # a site's address: its models/ folder
    path = Path(text).expanduser()
    if path.is_file() and zipfile.is_zipfile(path):
        return _Zip(path)
    for folder in (path, path / "models"):
        if (folder / INDEX_FILE).is_file():
            return _Folder(folder)
    raise ModelsSourceError(
        f"no {INDEX_FILE} of published models in {path} or {path / 'models'}: name a built "
        "site, its models/ folder, a zip of either, or the site's http(s) address")
