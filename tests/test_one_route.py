"""One way to a trained model: the cache's entry, a site's model fetched under the entry's
lock, or model.fit; one table of networks; what a build publishes; each file hashed once."""

import functools
import os
import threading
from pathlib import Path

import pytest
from test_published_faults import RECIPE, models, published  # noqa: F401 - fixtures

from cnnlesson import build_lesson_model, train_design_model, train_lesson_model, train_model
from cnnlesson.cache import cache_dir, cached_results, recipe_key, record_loads
from cnnlesson.models import build_design_step, builder_for_recipe
from cnnlesson.published import import_models, record_use, used_keys
from cnnlesson.train import TRAINING_CODE_VERSION

DOCS_EXT = Path(__file__).resolve().parents[1] / "docs" / "_ext"


def no_training(*args, **kwargs):
    raise AssertionError("this model must not be trained")


def test_a_sites_model_is_fetched_under_the_entrys_lock_built_once_and_recorded(
        models, monkeypatch):  # noqa: F811
    import filelock
    import keras

    import cnnlesson.models._recipes
    import cnnlesson.published._fetch
    from cnnlesson.cache._layout import lock_path

    folder, keys = models
    monkeypatch.setenv("CNNLESSON_MODELS_FROM", str(folder))
    monkeypatch.setattr(keras.Model, "fit", no_training)
    held, built = [], []
    real_download = cnnlesson.published._fetch.download

    def download(reader, model, files):
        def try_lock():
            try:
                with filelock.FileLock(lock_path(cache_dir() / model["cache_key"]), timeout=0):
                    held.append(False)
            except filelock.Timeout:
                held.append(True)

        thread = threading.Thread(target=try_lock)
        thread.start()
        thread.join()
        return real_download(reader, model, files)

    def build(**kwargs):
        built.append(kwargs)
        return build_lesson_model(**kwargs)

    monkeypatch.setattr(cnnlesson.published._fetch, "download", download)
    monkeypatch.setattr(cnnlesson.models._recipes, "build_lesson_model", build)
    with record_loads() as loaded:
        result = train_lesson_model(**RECIPE)
    assert result.from_cache and result.cache_key == keys[0]
    assert held == [True]  # fetched while this process held the entry's lock
    assert len(built) == 1  # built once, not again after the look for the site's model
    assert loaded == {keys[0]: pytest.approx(result.train_seconds)}


def test_training_and_import_share_one_table_of_networks(tiny_cifar10):
    schedule = {"epochs": 1, "batch_size": 16, "subset": 32, "verbose": 0}
    trained = [train_lesson_model(**schedule, conv_kernel_sizes=(5,)),
               train_model(functools.partial(build_design_step, "b"), **schedule),
               train_design_model(**schedule)]
    stored = {result["cache_key"]: result for result in cached_results()}
    for result in trained:
        recipe = result.recipe
        network = builder_for_recipe(recipe)(seed=recipe["seed"])
        assert recipe_key(network, recipe, TRAINING_CODE_VERSION) == stored[
            result.cache_key]["recipe_key"], recipe["model"]


def counting_digests(monkeypatch):
    """Every file the cache hashes, by its path."""
    import cnnlesson.cache._read
    import cnnlesson.cache._store

    hashed = []
    real = cnnlesson.cache._read.digest

    def digest(path):
        hashed.append(Path(path))
        return real(path)

    monkeypatch.setattr(cnnlesson.cache._read, "digest", digest)
    monkeypatch.setattr(cnnlesson.cache._store, "digest", digest)
    return hashed


def test_each_file_is_hashed_once_on_import(models, monkeypatch):  # noqa: F811
    import cnnlesson.published._sources

    folder, keys = models
    streamed = []
    real = cnnlesson.published._sources._copy_checked

    def copy_checked(stream, target, sha256, size, name, **kwargs):
        streamed.append(Path(target).name)
        return real(stream, target, sha256, size, name, **kwargs)

    monkeypatch.setattr(cnnlesson.published._sources, "_copy_checked", copy_checked)
    hashed = counting_digests(monkeypatch)
    assert sorted(import_models(folder, report=lambda line: None)["imported"]) == sorted(keys)
    assert sorted(streamed) == ["model.weights.h5", "model.weights.h5", "result.json",
                                "result.json"]
    assert sorted(path.name for path in hashed) == ["origin.json", "origin.json"]


def test_a_model_imported_for_other_versions_is_found_without_a_scan(models, monkeypatch):  # noqa: F811
    import keras

    import cnnlesson.cache._keys

    folder, keys = models
    import_models(folder, report=lambda line: None)
    real = cnnlesson.cache.library_versions
    other = functools.wraps(real)(lambda: {**real(), "python": "3.99"})
    monkeypatch.setattr(cnnlesson.cache._keys, "library_versions", other)  # another key here
    monkeypatch.setattr(keras.Model, "fit", no_training)
    hashed = counting_digests(monkeypatch)
    loaded = train_lesson_model(**RECIPE)
    assert loaded.from_cache and loaded.cache_key == keys[0]
    # Its own files, each once; no other entry is read or hashed.
    assert sorted(path.name for path in hashed) == ["model.weights.h5", "origin.json",
                                                    "result.json"]
    assert {path.parent.name for path in hashed} == {keys[0]}


def test_a_miss_reads_no_other_entry(models, monkeypatch):  # noqa: F811
    folder, keys = models
    import_models(folder, report=lambda line: None)
    hashed = counting_digests(monkeypatch)
    trained = train_lesson_model(**{**RECIPE, "seed": 3})
    assert not trained.from_cache
    assert not {path.parent.name for path in hashed} & set(keys)


# -- a build publishes what its pages use now ---------------------------------------------

@pytest.fixture
def fresh_process(monkeypatch):
    """As if each call ran in a process of its own (a page's kernel): notes start afresh."""
    import cnnlesson.published._publish

    def new_process():
        monkeypatch.setattr(cnnlesson.published._publish, "_started", set())

    new_process()
    return new_process


def test_a_page_run_again_replaces_its_record(tmp_path, monkeypatch, fresh_process):
    record = tmp_path / "pages" / "network.txt"
    record.parent.mkdir(parents=True)
    monkeypatch.setenv("CNNLESSON_MODELS_USED", str(record))
    record_use("a" * 24)  # the page's recipe, when it last ran
    fresh_process()
    record_use("b" * 24)  # its new recipe
    record_use("b" * 24)
    (tmp_path / "examples").mkdir()
    (tmp_path / "examples" / "plot_x.txt").write_text("c" * 24 + "\n")
    assert used_keys(tmp_path) == ["c" * 24, "b" * 24]


def test_the_records_follow_the_pages_and_examples_there_are(tmp_path, monkeypatch):
    from types import SimpleNamespace

    monkeypatch.syspath_prepend(str(DOCS_EXT))
    import models_used

    records = tmp_path / "models-used"
    models_used._configure(None, SimpleNamespace(cnnlesson_models_used=str(records)))
    models_used._before_reading(None, "lessons/network", [""])
    assert os.environ["CNNLESSON_MODELS_USED"] == str(records / "pages" / "lessons" /
                                                      "network.txt")
    (records / "pages" / "gone.txt").write_text("a" * 24)
    (records / "pages" / "lessons" / "network.txt").write_text("b" * 24)
    example = records / "examples" / "plot_kept.txt"
    models_used.per_example({}, "/docs/examples/plot_kept.py", "before")
    assert os.environ["CNNLESSON_MODELS_USED"] == str(example) and not example.exists()
    example.write_text("c" * 24)
    models_used.per_example({}, "/docs/examples/plot_kept.py", "after")
    (records / "examples" / "plot_gone.txt").write_text("d" * 24)
    source = tmp_path / "docs"
    (source / "examples").mkdir(parents=True)
    (source / "examples" / "plot_kept.py").write_text("")
    app = SimpleNamespace(srcdir=str(source))
    env = SimpleNamespace(found_docs={"lessons/network", "index"})
    assert models_used._forget_removed(app, env, set(), set(), set()) == []
    assert used_keys(records) == ["c" * 24, "b" * 24]
    models_used._folder.clear()
    monkeypatch.delenv("CNNLESSON_MODELS_USED", raising=False)


def test_the_docs_build_publishes_from_the_records(noxfile):
    source = Path(noxfile.__file__).read_text()
    # One record per document, in the folder build_layout names: the build publishes them.
    assert noxfile.layout("quick").models_used.suffix == ""
    assert '"--used", str(build.models_used)' in source
    assert '"models", "import"' not in source  # --models-from fetches what the build needs
