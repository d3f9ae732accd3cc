"""The cache of trained models under faults: damage, other recipes, write errors, races."""

import errno
import json
import os
import shutil
import threading
import time
from pathlib import Path

import keras
import numpy as np
import pytest

from cnnlesson import train_lesson_model
from cnnlesson.__main__ import main
from cnnlesson.cache import (
    CacheNotWritableError,
    CacheWarning,
    cache_dir,
    cached_results,
    load_or_train,
    record_loads,
)
from cnnlesson.cache._read import verify_entry
from cnnlesson.cache._sharing import check_writable, entry_lock, remove_stale_staging
from cnnlesson.cache._store import store_entry

TINY_RECIPE = {"epochs": 1, "batch_size": 16, "subset": 32, "verbose": 0}


def small_model(seed=0):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(
        2, kernel_initializer=keras.initializers.GlorotUniform(seed))])
    model.compile(optimizer="adam", loss="mse")
    return model


def no_training(*args, **kwargs):
    raise AssertionError("this test must not train")


def replace_training(monkeypatch, replacement):
    """Replace the training step: every model trains through ``keras.Model.fit``."""
    monkeypatch.setattr(keras.Model, "fit", replacement)


def entries():
    return sorted(p.name for p in cache_dir().iterdir() if not p.name.startswith("."))


# -- what is read is verified ------------------------------------------------------------

def test_one_flipped_bit_in_result_json_is_caught_and_retrained(tiny_cifar10):
    trained = train_lesson_model(**TINY_RECIPE)
    path = cache_dir() / trained.cache_key / "result.json"
    data = bytearray(path.read_bytes())
    at = data.index(b'"test_accuracy": 0.') + len(b'"test_accuracy": 0.')
    data[at] ^= 0x01  # one digit of the accuracy changes, the JSON stays valid
    path.write_bytes(bytes(data))
    with pytest.warns(CacheWarning, match="result.json does not match its recorded checksum"):
        again = train_lesson_model(**TINY_RECIPE)
    assert not again.from_cache and again.test_accuracy == trained.test_accuracy
    assert train_lesson_model(**TINY_RECIPE).from_cache


def test_an_entry_of_another_recipe_under_the_key_is_refused(tiny_cifar10):
    wanted = train_lesson_model(**TINY_RECIPE)
    other = train_lesson_model(**{**TINY_RECIPE, "seed": 1})
    shutil.rmtree(cache_dir() / wanted.cache_key)
    shutil.copytree(cache_dir() / other.cache_key, cache_dir() / wanted.cache_key)
    with pytest.warns(CacheWarning, match="another recipe: seed 1, not 0"):
        again = train_lesson_model(**TINY_RECIPE)
    assert not again.from_cache and again.recipe["seed"] == 0


def test_an_entry_without_manifest_is_refused(tmp_path):
    entry = tmp_path / "entry"
    store_entry(entry, small_model(), {"recipe": {}})
    (entry / "manifest.json").unlink()
    with pytest.raises(FileNotFoundError):
        verify_entry(entry)


@pytest.mark.parametrize("in_the_way", ["file", "folder of other files", "link"])
def test_something_else_in_the_place_of_an_entry_is_left_alone(tiny_cifar10, tmp_path,
                                                               in_the_way):
    key = train_lesson_model(**TINY_RECIPE).cache_key
    entry = cache_dir() / key
    shutil.rmtree(entry)
    if in_the_way == "file":
        entry.write_text("in the way")
    elif in_the_way == "folder of other files":
        entry.mkdir()
        (entry / "notes.txt").write_text("mine")
    else:
        (tmp_path / "elsewhere").mkdir()
        entry.symlink_to(tmp_path / "elsewhere")
    with pytest.warns(CacheWarning) as warned:
        again = train_lesson_model(**TINY_RECIPE)
    assert not again.from_cache and 0.0 <= again.test_accuracy <= 1.0
    messages = " ".join(str(w.message) for w in warned)
    assert "left as it is" in messages and "not cached" in messages
    if in_the_way == "file":
        assert entry.read_text() == "in the way"
    elif in_the_way == "folder of other files":
        assert [p.name for p in entry.iterdir()] == ["notes.txt"]
    else:
        assert entry.is_symlink() and list((tmp_path / "elsewhere").iterdir()) == []


def test_a_cache_folder_shared_with_other_files_keeps_them_untouched(tiny_cifar10):
    """The cache may be pointed at a home folder or a clone: only its own names change."""
    folder = cache_dir()
    others = {
        ".git/objects/ab/cdef0123": b"git object",
        ".git/HEAD": b"ref: refs/heads/main\n",
        ".ssh/id_ed25519": b"-----BEGIN OPENSSH PRIVATE KEY-----",
        ".hidden": b"a hidden file",
        "projects/notes.txt": b"an unrelated folder",
        ".cnnlesson-not-staging/keep": b"a name near the package's own",
    }
    for name, data in others.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    old = time.time() - 7200  # older than any staging folder may live
    for path in folder.rglob("*"):
        os.utime(path, (old, old))
    before = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))

    trained = train_lesson_model(**TINY_RECIPE)
    remove_stale_staging(folder)
    assert train_lesson_model(**TINY_RECIPE).from_cache

    for name, data in others.items():
        assert (folder / name).read_bytes() == data, name
    after = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))
    new = sorted(set(after) - set(before))
    assert set(before) <= set(after)
    assert {name.split("/")[0] for name in new} == {
        trained.cache_key, f".cnnlesson-lock-{trained.cache_key}"}


# -- a cache that cannot be written ----------------------------------------------------

def test_a_cache_path_that_is_a_file_is_refused_before_training(tiny_cifar10, monkeypatch):
    cache_dir().parent.mkdir(parents=True, exist_ok=True)
    cache_dir().write_text("not a folder")
    replace_training(monkeypatch, no_training)
    with pytest.raises(CacheNotWritableError, match="CNNLESSON_CACHE_DIR to a folder you can"):
        train_lesson_model(**TINY_RECIPE)


def test_a_read_only_cache_is_refused_before_training(tiny_cifar10, monkeypatch):
    # Permissions do not stop root (CI runs as root), so the refusal is simulated.
    real = Path.write_bytes

    def read_only(self, data):
        if self.parent == cache_dir():
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", read_only)
    replace_training(monkeypatch, no_training)
    with pytest.raises(CacheNotWritableError, match="cannot be written .Permission denied."):
        train_lesson_model(**TINY_RECIPE)


def test_command_line_names_the_variable_when_the_cache_cannot_be_written(tiny_cifar10,
                                                                         capsys):
    cache_dir().parent.mkdir(parents=True, exist_ok=True)
    cache_dir().write_text("not a folder")
    assert main(["train", "--epochs", "1", "--batch-size", "16", "--subset", "32"]) == 2
    error = capsys.readouterr().err
    assert "error: the training cache" in error and "CNNLESSON_CACHE_DIR" in error
    assert "--no-cache" in error and "Traceback" not in error


@pytest.mark.parametrize("failure", ["disk full while writing", "too little free space"])
def test_a_failed_store_keeps_the_finished_training(tiny_cifar10, monkeypatch, capsys,
                                                    failure):
    if failure == "disk full while writing":
        def full(self, path, *args, **kwargs):
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(keras.Model, "save_weights", full)
        expected = "No space left on device"
    else:
        usage = shutil.disk_usage("/")
        monkeypatch.setattr(shutil, "disk_usage", lambda path: usage._replace(free=1000))
        expected = "1,000 bytes free"
    with pytest.warns(CacheWarning, match=f"could not be stored.*{expected}.*not cached"):
        assert main(["train", "--epochs", "1", "--batch-size", "16", "--subset", "32"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert 0.0 <= summary["test_accuracy"] <= 1.0 and not summary["from_cache"]
    assert entries() == []
    assert not [p for p in cache_dir().iterdir() if p.is_dir()]  # no staging left either


def test_an_interrupted_store_leaves_no_entry_and_no_staging(tiny_cifar10, monkeypatch):
    def killed(self, path, *args, **kwargs):
        Path(path).write_bytes(b"half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(keras.Model, "save_weights", killed)
    with pytest.raises(KeyboardInterrupt):
        train_lesson_model(**TINY_RECIPE)
    assert not [p for p in cache_dir().iterdir() if p.is_dir()]


# -- sharing: modes, leftovers, listing, locks -----------------------------------------

def test_entries_are_created_with_the_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        store_entry(tmp_path / "entry", small_model(), {"recipe": {}})
    finally:
        os.umask(previous)
    assert (tmp_path / "entry").stat().st_mode & 0o777 == 0o755
    assert (tmp_path / "entry" / "result.json").stat().st_mode & 0o777 == 0o644


def test_stale_staging_is_removed_and_live_staging_kept(tmp_path):
    keys = {name: name * 24 for name in "abc"}
    stale, live, old = (tmp_path / f".cnnlesson-staging-{keys[name]}-99-0000abcd"
                        for name in "abc")
    for folder in (stale, live, old):
        folder.mkdir()
        (folder / "model.weights.h5").write_bytes(b"\0" * 1000)
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    with entry_lock(tmp_path / keys["b"]), entry_lock(tmp_path / keys["c"]):
        removed = remove_stale_staging(tmp_path)
    assert sorted(removed) == [stale, old]
    assert live.is_dir() and not stale.exists() and not old.exists()


def test_cached_results_lists_only_complete_verified_entries(tiny_cifar10):
    good = train_lesson_model(**TINY_RECIPE).cache_key
    damaged = train_lesson_model(**{**TINY_RECIPE, "seed": 1}).cache_key
    (cache_dir() / damaged / "result.json").write_text('{"test_accuracy": 1.0}')
    # A write killed between writing the files and renaming the folder into place:
    shutil.copytree(cache_dir() / good, cache_dir() / f".cnnlesson-staging-{good}-99-0000abcd")
    (cache_dir() / "stray-file").write_text("")
    assert [result["cache_key"] for result in cached_results()] == [good]


def test_two_identical_trainings_started_together_train_once(tmp_path):
    entry, calls, results = tmp_path / "entry", [], {}

    def slow_train(model):
        calls.append(threading.get_ident())
        time.sleep(1.0)
        model.fit(np.zeros((4, 4)), np.zeros((4, 2)), verbose=0)
        return {"recipe": {"seed": 0}, "test_accuracy": 0.25}

    def run(name):
        model, result, how, _ = load_or_train(
            entry, small_model(), slow_train, recipe={"seed": 0}, rebuild=small_model)
        results[name] = (how != "trained", result["test_accuracy"], model.get_weights())

    threads = [threading.Thread(target=run, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1
    assert sorted(from_cache for from_cache, _, _ in results.values()) == [False, True]
    (_, accuracy_a, weights_a), (_, accuracy_b, weights_b) = results.values()
    assert accuracy_a == accuracy_b == 0.25
    for a, b in zip(weights_a, weights_b, strict=True):
        np.testing.assert_array_equal(a, b)


def test_check_writable_creates_the_folder(tmp_path):
    assert check_writable(tmp_path / "new" / "cache").is_dir()


# -- the command line ------------------------------------------------------------------

def test_ctrl_c_during_training_is_one_line_and_exit_130(tiny_cifar10, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    replace_training(monkeypatch, interrupted)
    assert main(["train", "--epochs", "1", "--batch-size", "16", "--subset", "32"]) == 130
    assert capsys.readouterr().err.strip().splitlines()[-1] == "interrupted; nothing was cached"
    assert entries() == []


@pytest.mark.parametrize("seed", ["-1", str(2**32), str(2**40), "1.5"])
def test_command_line_checks_the_seed(seed, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--seed", seed])
    assert exit_info.value.code == 2
    assert "argument --seed: --seed must be an integer from 0 to 4294967295" in (
        capsys.readouterr().err)


def test_command_line_refuses_a_subset_larger_than_the_data(tiny_cifar10, capsys):
    assert main(["train", "--epochs", "1", "--subset", "60000"]) == 2
    error = capsys.readouterr().err
    assert "subset=60,000 is more than the 200 training images" in error
    assert not cache_dir().exists() or entries() == []


def test_record_loads_reports_training_time_of_loaded_entries_only(tiny_cifar10):
    with record_loads() as while_training:
        trained = train_lesson_model(**TINY_RECIPE)
    assert while_training == {}  # trained here, not loaded
    with record_loads() as outer:
        with record_loads() as inner:
            loaded = train_lesson_model(**TINY_RECIPE)
    assert loaded.from_cache
    assert inner == outer == {trained.cache_key: pytest.approx(trained.train_seconds)}
    train_lesson_model(**TINY_RECIPE)  # after the block: nothing more is recorded
    assert len(outer) == 1
