"""Published models: a build publishes what it used; imports check every byte, recipe and
architecture, from a folder, a zip or a server on 127.0.0.1, and leave nothing half done."""

import functools
import http.server
import json
import shutil
import threading
import urllib.error
import urllib.request
import zipfile

import pytest

from cnnlesson import train_lesson_model
from cnnlesson.__main__ import main
from cnnlesson.backends import BACKEND_NAMES
from cnnlesson.cache import CacheWarning, cache_dir, cached_results
from cnnlesson.published import (
    ModelsSourceError,
    import_models,
    publish_models,
    record_use,
    use_site_models,
    used_keys,
)

RECIPE = {"epochs": 1, "batch_size": 16, "subset": 32, "verbose": 0}


@pytest.fixture
def site(tiny_cifar10, tmp_path, monkeypatch):
    """A built site's folder publishing two trained models; the cache is then emptied."""
    log = tmp_path / "models-used.txt"
    monkeypatch.setenv("CNNLESSON_MODELS_USED", str(log))
    trained = [train_lesson_model(**RECIPE),
               train_lesson_model(**RECIPE, output_activation="softmax")]
    train_lesson_model(**RECIPE)  # loaded: logged again, published once
    folder = tmp_path / "site"
    index = publish_models(used_keys(log), folder / "models")
    assert [m["cache_key"] for m in index["models"]] == [r.cache_key for r in trained]
    monkeypatch.delenv("CNNLESSON_MODELS_USED")
    monkeypatch.setenv("CNNLESSON_CACHE_DIR", str(tmp_path / "student-cache"))
    return folder, trained


def cache_names():
    folder = cache_dir()
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def edit_index(folder, change):
    path = folder / "models" / "index.json"
    index = json.loads(path.read_text())
    change(index["models"][0])
    path.write_text(json.dumps(index))


def test_the_site_publishes_weights_and_results_with_digests(site):
    folder, trained = site
    index = json.loads((folder / "models" / "index.json").read_text())
    first = index["models"][0]
    assert set(first) >= {"cache_key", "recipe", "recipe_key", "data_fingerprint", "versions",
                          "files"}
    assert sorted(first["files"]) == ["model.weights.h5", "result.json"]
    weights = folder / "models" / first["cache_key"] / "model.weights.h5"
    assert first["files"]["model.weights.h5"]["size"] == weights.stat().st_size
    assert sorted(p.name for p in (folder / "models").iterdir()) == sorted(
        [r.cache_key for r in trained] + ["index.json"])


@pytest.mark.parametrize("form", ["site folder", "models folder", "zip"])
def test_import_then_the_same_model_and_numbers_without_training(site, form, tmp_path,
                                                                  monkeypatch):
    folder, trained = site
    source = {"site folder": folder, "models folder": folder / "models"}.get(form)
    if form == "zip":
        source = tmp_path / "site.zip"
        with zipfile.ZipFile(source, "w") as archive:
            for path in folder.rglob("*"):
                archive.write(path, "html/" + path.relative_to(folder).as_posix())
    lines = []
    outcome = import_models(source, report=lines.append)
    assert sorted(outcome["imported"]) == sorted(r.cache_key for r in trained)
    assert json.loads(lines[-1]) == {"imported": 2, "skipped": 0, "refused": 0}

    def no_training(*args, **kwargs):
        raise AssertionError("an imported model must not be trained again")

    import keras

    monkeypatch.setattr(keras.Model, "fit", no_training)
    loaded = train_lesson_model(**RECIPE)
    assert loaded.from_cache and loaded.test_accuracy == trained[0].test_accuracy
    for a, b in zip(loaded.model.get_weights(), trained[0].model.get_weights(), strict=True):
        assert (a == b).all()
    assert {r["cache_key"]: r.get("imported_from") for r in cached_results()}[
        trained[0].cache_key]


def serve(folder, handler_class=http.server.SimpleHTTPRequestHandler):
    handler = functools.partial(handler_class, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_import_from_a_server_and_a_second_import_skips(site, capsys):
    folder, trained = site
    server = serve(folder)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        assert main(["models", "import", url]) == 0  # the site's address: models/ under it
        first = capsys.readouterr().out.strip().splitlines()
        assert main(["models", "import", url + "models/"]) == 0
        second = capsys.readouterr().out.strip().splitlines()
    finally:
        server.shutdown()
    statuses = [line.split()[0] for line in first if line.startswith(("imported", "skipped"))]
    assert statuses == ["imported", "imported"], first
    assert json.loads(first[-1]) == {"imported": 2, "skipped": 0, "refused": 0}
    assert json.loads(second[-1]) == {"imported": 0, "skipped": 2, "refused": 0}


class HalfFile(http.server.SimpleHTTPRequestHandler):
    """Sends the weights' headers and half their bytes, then hangs up."""

    def do_GET(self):
        if not self.path.endswith(".h5"):
            return super().do_GET()
        path = self.translate_path(self.path)
        with open(path, "rb") as handle:
            data = handle.read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.close_connection = True


def test_an_interrupted_download_leaves_nothing_half_imported(site):
    folder, _ = site
    server = serve(folder, HalfFile)
    try:
        lines = []
        outcome = import_models(f"http://127.0.0.1:{server.server_address[1]}/models/",
                                report=lines.append)
    finally:
        server.shutdown()
    assert outcome["imported"] == [] and len(outcome["refused"]) == 2
    assert "/model.weights.h5: the connection broke off after" in " ".join(lines)
    # No entry, no staging folder, no download left over: only the entries' locks.
    assert all(name.startswith(".cnnlesson-lock-") for name in cache_names())


@pytest.mark.parametrize("damage", ["tampered weights", "missing weights", "recipe mismatch",
                                    "another architecture"])
def test_a_damaged_model_is_refused_naming_the_file_and_leaves_no_trace(site, damage,
                                                                         capsys):
    folder, trained = site
    key = trained[0].cache_key
    model_folder = folder / "models" / key
    if damage == "tampered weights":
        weights = model_folder / "model.weights.h5"
        data = bytearray(weights.read_bytes())
        data[len(data) // 2] ^= 0xFF
        weights.write_bytes(bytes(data))
        expected = f"{key}/model.weights.h5: its SHA-256"
    elif damage == "missing weights":
        (model_folder / "model.weights.h5").unlink()
        expected = f"{key}/model.weights.h5: missing"
    elif damage == "recipe mismatch":
        edit_index(folder, lambda model: model["recipe"].update(epochs=7))
        expected = f"{key}/result.json: the network its recipe names is not the one"
    else:  # a consistent publication whose recipe names another network than it holds
        result_path = model_folder / "result.json"
        result = json.loads(result_path.read_text())
        result["recipe"]["conv_kernel_sizes"] = [5, 5]
        result_path.write_text(json.dumps(result))
        import hashlib

        def consistent(model):
            model["recipe"] = result["recipe"]
            model["files"]["result.json"] = {"sha256": hashlib.sha256(
                                                 result_path.read_bytes()).hexdigest(),
                                             "size": result_path.stat().st_size}
        edit_index(folder, consistent)
        expected = f"{key}/result.json: the network its recipe names is not the one"
    assert main(["models", "import", str(folder)]) == 1
    out = capsys.readouterr().out
    refused = [line for line in out.splitlines() if line.startswith("refused")]
    assert len(refused) == 1 and expected in refused[0], out
    assert json.loads(out.strip().splitlines()[-1]) == {"imported": 1, "skipped": 0,
                                                        "refused": 1}
    assert key not in cache_names()
    assert not [n for n in cache_names() if "staging" in n]


def test_a_model_trained_with_other_library_versions_is_used_with_a_notice(
        site, monkeypatch, capsys):
    folder, trained = site
    import_models(folder, report=lambda line: None)
    import cnnlesson.cache._keys
    import cnnlesson.train._run

    real = cnnlesson.cache.library_versions
    backend = real()["backend"]
    other = functools.wraps(real)(lambda: {**real(), backend: "9.9.9"})
    monkeypatch.setattr(cnnlesson.cache._keys, "library_versions", other)  # in the cache key
    monkeypatch.setattr(cnnlesson.train._run, "library_versions", other)  # in the notice
    loaded = train_lesson_model(**RECIPE)
    assert loaded.from_cache and loaded.cache_key == trained[0].cache_key
    assert loaded.test_accuracy == trained[0].test_accuracy
    notice = capsys.readouterr().err
    name = BACKEND_NAMES[backend]
    assert f"was trained with {name}" in notice and f"(here {name} 9.9.9" in notice


def test_use_site_models_finds_a_models_folder_beside_a_notebook(site, monkeypatch):
    folder, trained = site
    notebooks = folder / "lessons"
    notebooks.mkdir()
    monkeypatch.chdir(notebooks)
    monkeypatch.delenv("CNNLESSON_MODELS_FROM", raising=False)
    assert use_site_models() == str(folder / "models")
    # Nothing imported yet: the model is fetched from that folder when first needed.
    loaded = train_lesson_model(**RECIPE)
    assert loaded.from_cache and loaded.test_accuracy == trained[0].test_accuracy


def test_a_source_without_an_index_is_refused_with_what_to_name(tmp_path, capsys):
    assert main(["models", "import", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert "no index.json of published models" in error and "Traceback" not in error
    with pytest.raises(ModelsSourceError):
        import_models(tmp_path)


def test_the_used_log_keeps_each_key_once_in_order(tmp_path, monkeypatch):
    log = tmp_path / "used.txt"
    monkeypatch.setenv("CNNLESSON_MODELS_USED", str(log))
    for key in ("b" * 24, "a" * 24, "b" * 24):
        record_use(key)
    with pytest.raises(ValueError, match="not-a-key"):
        record_use("not-a-key")
    with log.open("a") as handle:
        handle.write("written by hand\n")
    assert used_keys(log) == ["b" * 24, "a" * 24]
    shutil.rmtree(tmp_path)
    assert used_keys(log) == []


def test_publishing_says_once_which_used_model_the_cache_lacks(tiny_cifar10, tmp_path, capsys,
                                                               monkeypatch):
    log = tmp_path / "used.txt"
    monkeypatch.setenv("CNNLESSON_MODELS_USED", str(log))
    trained = train_lesson_model(**RECIPE)
    record_use("f" * 24)  # logged by a page, then lost from the cache
    assert main(["models", "publish", str(tmp_path / "models"), "--used", str(log)]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out.strip().splitlines()[-1]) == {
        "published": 1, "bytes": pytest.approx(1, abs=10**9), "missing": ["f" * 24]}
    said = [line for line in captured.err.splitlines() if "f" * 24 in line]
    assert len(said) == 1 and "the training cache" in said[0] and "does not hold it" in said[0]
    assert "--clean" not in captured.err
    assert (tmp_path / "models" / trained.cache_key / "model.weights.h5").is_file()


def test_publishing_again_replaces_only_its_own_files(tiny_cifar10, tmp_path):
    trained = train_lesson_model(**RECIPE)
    other = train_lesson_model(**{**RECIPE, "seed": 1})
    folder = tmp_path / "models"
    publish_models([trained.cache_key, other.cache_key], folder)
    (folder / "notes.txt").write_text("mine")
    index = publish_models([trained.cache_key], folder)  # the other is no longer used
    assert [m["cache_key"] for m in index["models"]] == [trained.cache_key]
    assert sorted(p.name for p in folder.iterdir()) == [trained.cache_key, "index.json",
                                                        "notes.txt"]
    # A folder in a model's place that holds somebody's files is left out, and kept.
    (folder / trained.cache_key / "mine.txt").write_text("mine")
    with pytest.warns(CacheWarning, match="is in the way"):
        assert publish_models([trained.cache_key], folder)["models"] == []
    assert (folder / trained.cache_key / "mine.txt").read_text() == "mine"


def test_a_site_published_before_folders_were_marked_is_republished(tiny_cifar10, tmp_path):
    trained = train_lesson_model(**RECIPE)
    other = train_lesson_model(**{**RECIPE, "seed": 1})
    folder = tmp_path / "models"
    publish_models([trained.cache_key, other.cache_key], folder)
    for key in (trained.cache_key, other.cache_key):
        (folder / key / ".cnnlesson-mark").unlink()  # as cnnlesson 0.1.0 wrote them
    index = publish_models([trained.cache_key], folder)
    assert [m["cache_key"] for m in index["models"]] == [trained.cache_key]
    assert sorted(p.name for p in folder.iterdir()) == [trained.cache_key, "index.json"]


def test_an_address_that_does_not_answer_is_asked_once(monkeypatch):
    # Offline, a student waits for one timeout, not one per address tried.
    asked = []

    def no_answer(request, timeout):
        asked.append(request.full_url)
        raise urllib.error.URLError("timed out")

    monkeypatch.setattr(urllib.request, "urlopen", no_answer)
    with pytest.raises(ModelsSourceError, match="cannot be read"):
        import_models("https://example.org/cnnlesson")
    assert asked == ["https://example.org/cnnlesson/index.json"]
