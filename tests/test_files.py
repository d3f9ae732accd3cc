"""Files and folders written whole (cnnlesson.files): the old one or the new one, never half."""

import pytest

from cnnlesson.files import PARTIAL_PREFIX, write_whole


def make_folder(files):
    def write(partial):
        partial.mkdir()
        for name, text in files.items():
            (partial / name).write_text(text)
    return write


def test_a_folder_replaces_the_earlier_one_whole(tmp_path):
    target = tmp_path / "data"
    write_whole(target, make_folder({"a.json": "1", "old.json": "0"}))
    write_whole(target, make_folder({"a.json": "2"}))
    assert sorted(p.name for p in target.iterdir()) == ["a.json"]
    assert (target / "a.json").read_text() == "2"
    assert [p.name for p in tmp_path.iterdir()] == ["data"]


def test_a_folder_that_fails_halfway_leaves_the_earlier_one(tmp_path):
    target = tmp_path / "data"
    write_whole(target, make_folder({"a.json": "1"}))

    def fails(partial):
        make_folder({"a.json": "2"})(partial)
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_whole(target, fails)
    assert (target / "a.json").read_text() == "1"
    assert not any(p.name.startswith(PARTIAL_PREFIX) for p in tmp_path.iterdir())


def test_a_file_lands_in_a_folder_made_for_it(tmp_path):
    target = tmp_path / "downloads" / "pack.zip"
    write_whole(target, lambda partial: partial.write_bytes(b"PK"))
    assert target.read_bytes() == b"PK"
