"""The wheel builds wherever pip says it can, and a failed build stops the docs session."""

import re
from pathlib import Path

import pytest

try:
    import tomllib
except ImportError:  # Python 3.10: tomli, the library tomllib was taken from
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]


def test_the_build_backend_can_read_the_licence_expression():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    license_ = pyproject["project"]["license"]
    (setuptools,) = [r for r in pyproject["build-system"]["requires"]
                     if re.match(r"setuptools\b", r)]
    minimum = re.search(r">=\s*(\d+)", setuptools)
    assert minimum, f"{setuptools!r} names no lowest version"
    if isinstance(license_, str):  # an SPDX expression (PEP 639): setuptools 77 or newer
        assert int(minimum.group(1)) >= 77, setuptools


class FakeSession:
    """A nox session whose commands do nothing: pip writes no wheel."""

    def __init__(self):
        self.commands = []

    def run(self, *command, **kwargs):
        self.commands.append(command)
        return True  # what nox returns for a command that ran and succeeded

    def error(self, message):
        raise RuntimeError(message)


def test_a_wheel_that_pip_did_not_write_stops_the_docs_session(noxfile, tmp_path):
    session = FakeSession()
    with pytest.raises(RuntimeError, match="pip wrote 0 wheels of cnnlesson, not one; run "):
        noxfile.build_wheel(session, tmp_path / "downloads")
    assert session.commands[0][:4] == ("python", "-m", "pip", "wheel")


def test_an_earlier_wheel_is_replaced_and_nothing_else_touched(noxfile, tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "cnnlesson-0.0.1-py3-none-any.whl").write_text("old")
    (folder / "notes.txt").write_text("mine")

    class Writes(FakeSession):
        def run(self, *command, **kwargs):
            wheel_dir = Path(command[command.index("--wheel-dir") + 1])
            (wheel_dir / "cnnlesson-0.2.0-py3-none-any.whl").write_text("new")
            return True

    assert noxfile.build_wheel(Writes(), folder).name == "cnnlesson-0.2.0-py3-none-any.whl"
    assert sorted(p.name for p in folder.iterdir()) == [
        "cnnlesson-0.2.0-py3-none-any.whl", "notes.txt"]


def test_nox_install_only_builds_nothing_and_keeps_the_last_wheel(noxfile, tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "cnnlesson-0.1.0-py3-none-any.whl").write_text("last build's")

    class InstallOnly(FakeSession):
        def run(self, *command, **kwargs):
            return None  # nox --install-only skips every session.run

    assert noxfile.build_wheel(InstallOnly(), folder) is None
    assert [p.name for p in folder.iterdir()] == ["cnnlesson-0.1.0-py3-none-any.whl"]


def test_the_wheel_with_the_sites_address_carries_every_licence_file(noxfile, tmp_path):
    """With --baseurl the wheel is built from a copy of the sources: the copy holds every
    licence file setuptools puts in the ordinary wheel (its license-files default)."""
    copied = {}

    class Records(FakeSession):
        def run(self, *command, **kwargs):
            source = Path(command[-1])
            copied.update({path.name: path.read_bytes() for path in source.iterdir()
                           if path.is_file()})
            wheel_dir = Path(command[command.index("--wheel-dir") + 1])
            (wheel_dir / "cnnlesson-0.2.0-py3-none-any.whl").write_text("new")
            return True

    noxfile.build_wheel(Records(), tmp_path / "downloads", "https://example.org/cnnlesson/")
    licences = {path.name for pattern in ("LICEN[CS]E*", "COPYING*", "NOTICE*", "AUTHORS*")
                for path in ROOT.glob(pattern)}
    assert {"LICENSE", "LICENSE-docs"} <= licences
    for name in licences:
        assert copied.get(name) == (ROOT / name).read_bytes(), name
    assert {"pyproject.toml", "README.md"} <= set(copied)


def test_the_wheels_sources_name_each_licence_file_once(noxfile, tmp_path):
    for name in ("pyproject.toml", "LICENSE", "LICENCE.txt", "COPYING", "NOTICE",
                 "AUTHORS.md", "README.md", "CHANGELOG.md"):
        (tmp_path / name).write_text(name)
    (tmp_path / "LICENSES").mkdir()  # a folder: setuptools' pattern takes files only
    assert noxfile.wheel_sources(tmp_path) == [
        "pyproject.toml", "README.md", "cnnlesson",
        "AUTHORS.md", "COPYING", "LICENCE.txt", "LICENSE", "NOTICE"]


def test_the_backends_session_names_tests_that_exist(noxfile):
    # pytest stops the whole session on one path it cannot find.
    for name in noxfile.BACKEND_TESTS:
        path, _, test = name.partition("::")
        assert (noxfile.ROOT / path).exists(), f"nox -s backends names {path}, which is gone"
        if test:
            assert f"def {test}(" in (noxfile.ROOT / path).read_text(encoding="utf-8"), name
