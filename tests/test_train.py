"""Training through the cache: hit, miss, corruption, and the command line."""

import json
import os

import numpy as np
import pytest

from cnnlesson import train_lesson_model
from cnnlesson.__main__ import main
from cnnlesson.cache import CacheWarning, cache_dir, cached_results

TINY_RECIPE = {"epochs": 2, "batch_size": 16, "subset": 40, "verbose": 0}


def test_miss_then_hit_gives_the_same_model_and_numbers(tiny_cifar10):
    trained = train_lesson_model(**TINY_RECIPE)
    assert not trained.from_cache
    assert len(trained.history["loss"]) == 2 and len(trained.history["val_accuracy"]) == 2
    assert 0.0 <= trained.test_accuracy <= 1.0
    assert trained.images_per_second > 0 and trained.train_seconds > 0

    loaded = train_lesson_model(**TINY_RECIPE)
    assert loaded.from_cache and loaded.cache_key == trained.cache_key
    assert loaded.history == trained.history
    assert loaded.test_accuracy == trained.test_accuracy
    for a, b in zip(trained.model.get_weights(), loaded.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert [r["cache_key"] for r in cached_results()] == [trained.cache_key]


def test_anything_that_changes_the_outcome_changes_the_key(tiny_cifar10):
    base = train_lesson_model(**TINY_RECIPE).cache_key
    keys = {
        train_lesson_model(**{**TINY_RECIPE, "epochs": 1}).cache_key,
        train_lesson_model(**{**TINY_RECIPE, "seed": 1}).cache_key,
        train_lesson_model(**TINY_RECIPE, output_activation="softmax").cache_key,
        train_lesson_model(**TINY_RECIPE, conv_kernel_sizes=(5,)).cache_key,
        train_lesson_model(**{**TINY_RECIPE, "subset": 32}).cache_key,
    }
    assert base not in keys and len(keys) == 5


def test_changed_data_is_a_miss(tiny_cifar10):
    folder, batches = tiny_cifar10
    first = train_lesson_model(**TINY_RECIPE)
    images, labels = batches["test_batch"]
    from conftest import write_batch

    write_batch(folder / "test_batch", 255 - images, labels)
    second = train_lesson_model(**TINY_RECIPE)
    assert not second.from_cache and second.cache_key != first.cache_key


def test_same_seed_gives_the_same_curves(tiny_cifar10):
    first = train_lesson_model(**TINY_RECIPE, cache=False)
    second = train_lesson_model(**TINY_RECIPE, cache=False)
    np.testing.assert_allclose(first.history["loss"], second.history["loss"], rtol=1e-5)
    assert not cache_dir().exists() or not any(cache_dir().iterdir())


@pytest.mark.parametrize("damage", ["weights", "result", "missing_weights", "not_json"])
def test_corrupt_entry_is_reported_and_retrained(tiny_cifar10, damage):
    trained = train_lesson_model(**TINY_RECIPE)
    entry = cache_dir() / trained.cache_key
    if damage == "weights":
        path = entry / "model.weights.h5"
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "result":
        (entry / "result.json").write_text('{"history": ')
    elif damage == "missing_weights":
        (entry / "model.weights.h5").unlink()
    else:
        (entry / "result.json").write_text("[]")
    with pytest.warns(CacheWarning, match="unusable"):
        again = train_lesson_model(**TINY_RECIPE)
    assert not again.from_cache
    assert train_lesson_model(**TINY_RECIPE).from_cache  # the entry was rebuilt


def test_no_entry_is_left_half_written_when_data_is_missing(tmp_path):
    with pytest.raises(Exception, match="could not be downloaded"):
        train_lesson_model(**TINY_RECIPE)
    assert not cache_dir().exists() or not list(cache_dir().iterdir())


def test_interrupted_store_leaves_no_entry(tiny_cifar10, monkeypatch):
    import keras

    def fail(self, path, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(keras.Model, "save_weights", fail)
    with pytest.raises(KeyboardInterrupt):
        train_lesson_model(**TINY_RECIPE)
    # Only the entry's lock file remains: no entry, no staging folder.
    assert [path.name for path in cache_dir().iterdir()] == [
        f".cnnlesson-lock-{train_lesson_model(**TINY_RECIPE, cache=False).cache_key}"]


@pytest.mark.parametrize(
    "kwargs, message",
    [({"epochs": 0}, "epochs must be"), ({"batch_size": -2}, "batch_size must be"),
     ({"subset": 8, "batch_size": 16}, "subset must be None or an integer of at least")],
)
def test_bad_schedule_is_a_value_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        train_lesson_model(**{**TINY_RECIPE, **kwargs})


def test_command_line_prints_json_last(tiny_cifar10, capsys):
    assert main(["train", "--epochs", "1", "--batch-size", "16", "--subset", "32"]) == 0
    last_line = capsys.readouterr().out.strip().splitlines()[-1]
    summary = json.loads(last_line)
    for key in ("test_accuracy", "train_seconds", "images_per_second", "epochs", "batch_size",
                "data_source"):
        assert key in summary
    assert summary["epochs"] == 1 and summary["batch_size"] == 16
    assert summary["data_source"].startswith(f"a local copy ({tiny_cifar10[0].name}/")


def test_command_line_reports_missing_data_without_traceback(capsys):
    assert main(["train", "--epochs", "1", "--no-cache"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: CIFAR-10 could not be downloaded")
    assert "Traceback" not in error


@pytest.mark.parametrize("argv", [["train", "--epochs", "0"], ["train", "--subset", "x"]])
def test_command_line_rejects_bad_numbers(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "expected a positive integer" in capsys.readouterr().err


def test_cache_dir_defaults_to_the_user_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("CNNLESSON_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "cnnlesson"
    assert os.fspath(cache_dir()).endswith("cnnlesson")


def test_no_cache_says_why_it_trains(tiny_cifar10, capsys):
    command = ["train", "--epochs", "1", "--batch-size", "16", "--subset", "32"]
    assert main(command) == 0
    first = capsys.readouterr().err
    assert "training conv 3×3 → 3×3, sigmoid output: 1 epoch of 32 images" in first
    assert "(not in the training cache yet; under a minute on a 2-core laptop" in first
    assert main([*command, "--no-cache"]) == 0  # the model is in the cache now
    error = capsys.readouterr().err
    assert "(the training cache is off;" in error and "not in the training cache" not in error


def _sequential(input_shape, classes, compile=True):
    import keras

    model = keras.Sequential([keras.Input(input_shape), keras.layers.Flatten(),
                              keras.layers.Dense(classes)])
    if compile:
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


BAD_BUILDS = {
    "uncompiled": (lambda seed=0: _sequential((32, 32, 3), 10, compile=False),
                   "call model.compile"),
    "not a model": (lambda seed=0: "a model", "must return a compiled keras.Model"),
    "takes no seed": (lambda: _sequential((32, 32, 3), 10), "build must accept seed="),
    "wrong input": (lambda seed=0: _sequential((28, 28, 1), 10), "32×32×3 images"),
    "wrong output": (lambda seed=0: _sequential((32, 32, 3), 5), "10 class scores"),
}


@pytest.mark.parametrize("case", sorted(BAD_BUILDS))
def test_a_build_that_cannot_train_is_refused_before_the_data_is_loaded(case, monkeypatch):
    from cnnlesson import train_model

    def no_data(*args, **kwargs):
        raise AssertionError("the data must not be loaded for a build that cannot train")

    monkeypatch.setattr("cnnlesson.train._run.load_cifar10", no_data)
    build, message = BAD_BUILDS[case]
    with pytest.raises(ValueError, match=message) as refused:
        train_model(build, epochs=1, batch_size=16, subset=32, verbose=0)
    assert "\n" not in str(refused.value)


def test_a_model_in_place_of_its_build_function_is_refused():
    from cnnlesson import build_lesson_model, train_model

    with pytest.raises(ValueError, match="without the parentheses"):
        train_model(build_lesson_model(), epochs=1)


@pytest.mark.parametrize("kwargs, message", [
    ({"seed": -1}, "seed must be an integer from 0"), ({"seed": 1.5}, "seed must be"),
    ({"seed": True}, "seed must be"), ({"cache": "no"}, "cache must be True or False"),
    ({"verbose": 5}, "verbose must be 0, 1 or 2"),
])
def test_other_bad_arguments_are_value_errors_naming_them(kwargs, message):
    with pytest.raises(ValueError, match=message):
        train_lesson_model(**{**TINY_RECIPE, **kwargs})
