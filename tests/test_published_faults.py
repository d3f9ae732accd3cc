"""Published models under faults: servers that stall or break off, bad index entries, and
what a killed import left behind.  Every wait is a fraction of a second
(``CNNLESSON_NETWORK_TIMEOUT``), so no test waits for long."""

import http.server
import json
import shutil
import threading

import pytest

from cnnlesson import train_lesson_model
from cnnlesson.__main__ import main
from cnnlesson.cache import cache_dir
from cnnlesson.published import publish_models

RECIPE = {"epochs": 1, "batch_size": 16, "subset": 32, "verbose": 0}
#: Seconds a test waits for a command that should give up after a fraction of one.
DEADLINE = 30


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A site's models/ folder publishing two tiny trained models, made once per module."""
    from conftest import CIFAR10_DIR_VARIABLE, TINY_IMAGES_PER_BATCH, tiny_split, write_batch

    from cnnlesson.data import TEST_BATCH, TRAIN_BATCHES

    root = tmp_path_factory.mktemp("published")
    data = root / "cifar10" / "cifar-10-batches-py"
    data.mkdir(parents=True)
    for seed, name in enumerate((*TRAIN_BATCHES, TEST_BATCH)):
        write_batch(data / name, *tiny_split(seed))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CIFAR10_DIR_VARIABLE, str(data.parent))
        patch.setenv("CNNLESSON_CACHE_DIR", str(root / "site-cache"))
        patch.setattr("cnnlesson.data.IMAGES_PER_BATCH", TINY_IMAGES_PER_BATCH)
        trained = [train_lesson_model(**RECIPE),
                   train_lesson_model(**RECIPE, output_activation="softmax")]
        publish_models([result.cache_key for result in trained], root / "site" / "models")
    return root / "site" / "models", [result.cache_key for result in trained]


@pytest.fixture
def models(published, tiny_cifar10, tmp_path, monkeypatch):
    """A fresh copy of the published models/ folder, its keys, and a short network timeout."""
    folder, keys = published
    copy = tmp_path / "site" / "models"
    shutil.copytree(folder, copy)
    monkeypatch.setenv("CNNLESSON_NETWORK_TIMEOUT", "0.3")
    return copy, keys


def cache_names():
    folder = cache_dir()
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


class Server:
    """A server on 127.0.0.1 in a thread; ``stall(path, sent)`` decides, per request, how
    many bytes of a file it sends before it falls silent (None: the whole file)."""

    def __init__(self, folder, stall=lambda path, size: None):
        released = self.released = threading.Event()

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):
                path = self.translate_path(self.path)
                try:
                    with open(path, "rb") as handle:
                        data = handle.read()
                except OSError:
                    return super().do_GET()
                sent = stall(self.path, len(data))
                if sent is None:
                    return super().do_GET()
                if sent == "before headers":
                    released.wait(DEADLINE)
                    return None
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[:sent])
                self.wfile.flush()
                released.wait(DEADLINE)  # silent until the test ends
                self.close_connection = True
                return None

            def log_message(self, *args):
                pass

        handler = lambda *a, **k: Handler(*a, directory=str(folder), **k)  # noqa: E731
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


def within_deadline(function, *args):
    """Run ``function(*args)`` in a thread; fail if it has not returned within DEADLINE."""
    outcome = {}

    def run():
        try:
            outcome["value"] = function(*args)
        except BaseException as error:  # noqa: BLE001 - handed to the test below
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(DEADLINE)
    assert not thread.is_alive(), f"still waiting after {DEADLINE} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


# -- nothing waits forever -------------------------------------------------------------

@pytest.mark.parametrize("sent", [0, "half"])
def test_a_weights_file_that_stalls_is_refused_after_the_timeout(models, capsys, sent):
    folder, keys = models

    def stall(path, size):
        return (0 if sent == 0 else size // 2) if path.endswith(".h5") else None

    with Server(folder.parent, stall) as server:
        status = within_deadline(main, ["models", "import", server.url])
    out = capsys.readouterr().out.strip().splitlines()
    refused = [line for line in out if line.startswith("refused")]
    assert status == 1 and len(refused) == 2, out
    for key, line in zip(keys, refused, strict=True):
        assert f"{server.url}models/{key}/model.weights.h5" in line
        assert "0.3 s" in line and "CNNLESSON_NETWORK_TIMEOUT" in line
    assert json.loads(out[-1]) == {"imported": 0, "skipped": 0, "refused": 2}
    assert cache_names() == [] or all(name.startswith(".cnnlesson-lock-")
                                      for name in cache_names())


def test_an_index_that_stalls_is_one_line_and_exit_1(models, capsys):
    folder, _ = models
    with Server(folder, lambda path, size: "before headers") as server:
        status = within_deadline(main, ["models", "import", server.url, "--timeout", "0.2"])
    captured = capsys.readouterr()
    assert status == 1
    errors = captured.err.strip().splitlines()
    assert len(errors) == 1 and f"{server.url}index.json" in errors[0], errors
    assert "0.2 s" in errors[0] and "Traceback" not in captured.err
    summary = json.loads(captured.out.strip().splitlines()[-1])
    assert summary["imported"] == summary["refused"] == 0 and "error" in summary


def test_training_whose_published_source_stalls_trains_here_with_a_notice(models, capsys,
                                                                           monkeypatch):
    folder, _ = models
    stall = lambda path, size: 0 if path.endswith(".h5") else None  # noqa: E731
    with Server(folder.parent, stall) as server:
        monkeypatch.setenv("CNNLESSON_MODELS_FROM", server.url + "models/")
        result = within_deadline(lambda: train_lesson_model(**RECIPE))
    assert not result.from_cache
    notices = [line for line in capsys.readouterr().err.splitlines()
               if "training here instead" in line]
    assert len(notices) == 1 and "0.3 s" in notices[0], notices


def test_the_timeout_is_refused_when_it_is_not_a_number_of_seconds(models, capsys,
                                                                  monkeypatch):
    folder, _ = models
    monkeypatch.setenv("CNNLESSON_NETWORK_TIMEOUT", "soon")
    assert main(["models", "import", str(folder)]) == 2
    assert "CNNLESSON_NETWORK_TIMEOUT" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["models", "import", str(folder), "--timeout", "-1"])


def test_the_cifar10_download_times_out_too(monkeypatch, tmp_path):
    import urllib.request

    import keras

    from cnnlesson import DatasetError, load_cifar10

    monkeypatch.setenv("CNNLESSON_NETWORK_TIMEOUT", "0.2")
    (tmp_path / "archive").write_bytes(b"\0" * 1000)
    with Server(tmp_path, lambda path, size: 0) as server:
        # As Keras reads it: urllib with no timeout of its own.
        monkeypatch.setattr(keras.datasets.cifar10, "load_data",
                            lambda: urllib.request.urlopen(server.url + "archive").read())
        with pytest.raises(DatasetError, match="could not be downloaded"):
            within_deadline(load_cifar10)


@pytest.mark.parametrize("before", ["nothing", "every model"])
def test_staging_left_by_a_killed_import_is_removed_by_the_next_import(models, before):
    folder, keys = models
    if before == "every model":
        assert main(["models", "import", str(folder)]) == 0  # the next import skips all
    left = cache_dir() / f".cnnlesson-staging-{keys[0]}-99999-0000abcd"
    left.mkdir(parents=True)
    (left / "model.weights.h5").write_bytes(b"half")
    assert main(["models", "import", str(folder)]) == 0
    assert not left.exists()
    assert set(keys) <= set(cache_names())


# -- one bad entry never stops the others ----------------------------------------------

def rewrite(folder, key, name, data):
    """Replace a published file and give the index its new digest and size (a consistent
    publication of a bad file)."""
    import hashlib

    (folder / key / name).write_bytes(data)
    path = folder / "index.json"
    index = json.loads(path.read_text())
    for model in index["models"]:
        if model["cache_key"] == key:
            model["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(),
                                    "size": len(data)}
    path.write_text(json.dumps(index))


def edit_first(folder, change):
    path = folder / "index.json"
    index = json.loads(path.read_text())
    index["models"][0] = change(index["models"][0])
    path.write_text(json.dumps(index))


def with_recipe(value):
    return lambda model: {**model, "recipe": value}


BAD_ENTRIES = {
    "recipe is a list": (with_recipe([1, 2]), "the index gives no recipe"),
    "recipe is null": (with_recipe(None), "the index gives no recipe"),
    "network name not a string": (
        lambda model: {**model, "recipe": {**model["recipe"], "model": 7}},
        "the index gives no recipe naming a network"),
    "entry is a string": (lambda model: "a model", "#1 is a str, not an object"),
    "size is negative": (
        lambda model: {**model, "files": {**model["files"], "result.json": {
            **model["files"]["result.json"], "size": -5}}}, "gives no SHA-256 and size"),
}


@pytest.mark.parametrize("damage", [*BAD_ENTRIES, "result.json not JSON",
                                    "result.json binary"])
def test_each_bad_entry_is_refused_alone_and_the_others_imported(models, capsys, damage):
    folder, keys = models
    if damage in BAD_ENTRIES:
        change, expected = BAD_ENTRIES[damage]
        edit_first(folder, change)
    else:
        data = b"not JSON at all" if damage == "result.json not JSON" else bytes(range(256))
        rewrite(folder, keys[0], "result.json", data)
        expected = f"{keys[0]}/result.json is not JSON"
    assert main(["models", "import", str(folder)]) == 1
    out = capsys.readouterr().out.strip().splitlines()
    refused = [line for line in out if line.startswith("refused")]
    assert len(refused) == 1 and expected in refused[0], out
    assert [line.split()[1] for line in out if line.startswith("imported")] == [keys[1]]
    assert json.loads(out[-1]) == {"imported": 1, "skipped": 0, "refused": 1}
    assert keys[0] not in cache_names()


@pytest.mark.parametrize("failure", ["no index", "index not JSON", "not found"])
def test_a_source_that_fails_whole_still_ends_with_the_json_line(models, capsys, failure):
    folder, _ = models
    if failure == "no index":
        (folder / "index.json").unlink()
        source = str(folder)
    elif failure == "index not JSON":
        (folder / "index.json").write_text("{")
        source = str(folder)
    if failure == "not found":
        with Server(folder) as server:
            status = main(["models", "import", server.url + "nowhere/"])
    else:
        status = main(["models", "import", source])
    captured = capsys.readouterr()
    assert status == 2 and len(captured.err.strip().splitlines()) == 1, captured.err
    summary = json.loads(captured.out.strip().splitlines()[-1])
    assert summary["imported"] == 0 and summary["error"]


def test_only_with_a_key_the_index_lacks_is_exit_2_naming_it(models, capsys):
    folder, keys = models
    assert main(["models", "import", str(folder), "--only", keys[0], "f" * 24]) == 2
    captured = capsys.readouterr()
    assert "f" * 24 in captured.err and keys[0] not in captured.err
    assert keys[0] not in cache_names()
    assert main(["models", "import", str(folder), "--only", keys[1]]) == 0
    assert keys[1] in cache_names() and keys[0] not in cache_names()


def test_training_with_a_damaged_published_result_trains_here(models, capsys, monkeypatch):
    folder, keys = models
    rewrite(folder, keys[0], "result.json", b"\x00 not JSON")
    monkeypatch.setenv("CNNLESSON_MODELS_FROM", str(folder))
    assert main(["train", "--epochs", "1", "--batch-size", "16", "--subset", "32"]) == 0
    captured = capsys.readouterr()
    assert not json.loads(captured.out.strip().splitlines()[-1])["from_cache"]
    notices = [line for line in captured.err.splitlines() if "training here instead" in line]
    assert len(notices) == 1 and "result.json is not JSON" in notices[0], captured.err


# -- sizes are checked before bytes are written ----------------------------------------

def test_a_zip_member_larger_than_its_claim_is_not_unpacked(models, tmp_path, capsys):
    import zipfile

    folder, keys = models
    archive = tmp_path / "site.zip"
    big = 50 << 20  # zeros: a few kB in the zip, 50 MB unpacked
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for path in folder.rglob("*"):
            name = "models/" + path.relative_to(folder).as_posix()
            if name == f"models/{keys[0]}/model.weights.h5":
                out.writestr(name, b"\0" * big)
            elif path.is_file():
                out.write(path, name)
    assert main(["models", "import", str(archive)]) == 1
    refused = [line for line in capsys.readouterr().out.splitlines()
               if line.startswith("refused")]
    assert len(refused) == 1 and f"the zip holds {big:,} bytes" in refused[0]
    assert "nothing of it was copied" in refused[0]


def test_a_download_longer_than_its_claim_stops_at_the_claim(models, capsys):
    folder, keys = models

    class Longer(http.server.SimpleHTTPRequestHandler):
        """Sends the weights with no length announced, and a megabyte more than they are."""

        def do_GET(self):
            if not self.path.endswith(".h5"):
                return super().do_GET()
            data = open(self.translate_path(self.path), "rb").read()
            self.send_response(200)
            self.end_headers()
            self.wfile.write(data + b"\0" * (1 << 20))
            return None

        def log_message(self, *args):
            pass

    handler = lambda *a, **k: Longer(*a, directory=str(folder), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        assert within_deadline(main, ["models", "import", url, "--only", keys[0]]) == 1
    finally:
        server.shutdown()
        server.server_close()
    refused = [line for line in capsys.readouterr().out.splitlines()
               if line.startswith("refused")]
    assert len(refused) == 1 and "more than the" in refused[0], refused


def test_a_size_beyond_the_free_disk_is_the_index_claiming_it(models, capsys):
    folder, keys = models
    edit_first(folder, lambda model: {**model, "files": {**model["files"], "model.weights.h5": {
        **model["files"]["model.weights.h5"], "size": 10**18}}})
    assert main(["models", "import", str(folder)]) == 1
    refused = [line for line in capsys.readouterr().out.splitlines()
               if line.startswith("refused")]
    assert len(refused) == 1 and "the index claims" in refused[0], refused
    assert "1,000,000,000,000," in refused[0]


# -- a user's folder is never replaced or deleted, whatever its name -------------------

def look_alike(folder):
    """A user's folder named like a cache key, holding a result.json of their own."""
    folder.mkdir(parents=True)
    (folder / "result.json").write_text('{"mine": true}')
    return folder


def untouched(folder):
    return [p.name for p in folder.iterdir()] == ["result.json"] and (
        folder / "result.json").read_text() == '{"mine": true}'


def test_look_alike_folders_survive_import_training_and_publishing(models, tmp_path, capsys):
    from cnnlesson.cache import CacheWarning

    folder, keys = models
    # keys[0] is also the key that training RECIPE here gives (same data, same versions).
    in_place = look_alike(cache_dir() / keys[0])
    beside = look_alike(cache_dir() / ("e" * 24))
    assert main(["models", "import", str(folder)]) == 1
    out = capsys.readouterr().out.splitlines()
    refused = [line for line in out if line.startswith("refused")]
    assert len(refused) == 1 and keys[0] in refused[0] and "in the way" in refused[0], out
    assert untouched(in_place) and untouched(beside)

    with pytest.warns(CacheWarning, match="left as it is"):
        trained = train_lesson_model(**RECIPE)
    assert trained.cache_key == keys[0] and not trained.from_cache
    assert untouched(in_place) and untouched(beside)

    target = tmp_path / "public" / "models"
    wanted, stale = look_alike(target / keys[1]), look_alike(target / ("d" * 24))
    assert main(["models", "publish", str(target), "--used", str(used_log(tmp_path,
                                                                           keys)),
                 ]) == 1
    captured = capsys.readouterr()
    assert untouched(wanted) and untouched(stale)
    assert f"{target / keys[1]}" in captured.err and "in the way" in captured.err
    assert json.loads(captured.out.strip().splitlines()[-1])["missing"] == sorted(keys)


def used_log(tmp_path, keys):
    log = tmp_path / "used.txt"
    log.write_text("".join(key + "\n" for key in keys))
    return log


# -- every refusal is one line that names the thing and the fix ------------------------

def test_an_import_into_a_cache_that_cannot_be_written_is_one_line(models, capsys):
    folder, _ = models
    cache_dir().parent.mkdir(parents=True, exist_ok=True)
    cache_dir().write_text("a file in the cache's place")
    assert main(["models", "import", str(folder)]) == 2
    captured = capsys.readouterr()
    errors = captured.err.strip().splitlines()
    assert len(errors) == 1 and "CNNLESSON_CACHE_DIR" in errors[0], errors
    assert "--no-cache" not in errors[0]
    assert json.loads(captured.out.strip().splitlines()[-1])["imported"] == 0


def test_weights_that_do_not_fit_are_refused_in_one_line(models, tmp_path):
    from cnnlesson import build_lesson_model
    from cnnlesson.cache._weights import save_model_weights
    from cnnlesson.published import import_models

    folder, keys = models
    other = tmp_path / "other.weights.h5"
    save_model_weights(build_lesson_model(conv_kernel_sizes=(5,)), other)
    rewrite(folder, keys[0], "model.weights.h5", other.read_bytes())
    lines = []
    outcome = import_models(folder, report=lines.append)
    assert outcome["refused"] == [keys[0]]
    refused = [line for line in lines if line.startswith("refused")]
    assert len(refused) == 1 and "\n" not in refused[0]
    assert "the weights do not fit the network" in refused[0]


@pytest.mark.parametrize("kind", ["truncated", "not a zip"])
def test_a_damaged_zip_is_named_as_one(models, tmp_path, capsys, kind):
    folder, _ = models
    archive = tmp_path / "site.zip"
    shutil.make_archive(str(archive.with_suffix("")), "zip", folder.parent)
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2] if kind == "truncated" else b"hello")
    assert main(["models", "import", str(archive)]) == 2
    error = capsys.readouterr().err
    assert "is not a zip that can be read" in error and "no index.json" not in error


def test_publishing_onto_a_file_is_one_line(tmp_path, capsys):
    (tmp_path / "used.txt").write_text("")
    (tmp_path / "models").write_text("a file")
    assert main(["models", "publish", str(tmp_path / "models"), "--used",
                 str(tmp_path / "used.txt")]) == 2
    error = capsys.readouterr().err
    assert "is a file, not a folder" in error and "Errno" not in error


def test_a_binary_log_of_used_models_is_one_line(tmp_path, capsys):
    (tmp_path / "used.txt").write_bytes(bytes(range(256)))
    assert main(["models", "publish", str(tmp_path / "models"), "--used",
                 str(tmp_path / "used.txt")]) == 2
    error = capsys.readouterr().err
    assert "is not a log of used models" in error and "Traceback" not in error


# -- what a new user may type ----------------------------------------------------------

@pytest.mark.parametrize("call, message", [
    (lambda tmp: main(["models", "publish", "", "--used", str(tmp / "used.txt")]),
     "folder must name the folder"),
    (lambda tmp: main(["models", "import", ""]), "no source of published models named"),
])
def test_an_empty_name_is_not_the_current_folder(tmp_path, monkeypatch, capsys, call, message):
    (tmp_path / "used.txt").write_text("")
    monkeypatch.chdir(tmp_path)
    assert call(tmp_path) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "index.json").exists()


@pytest.mark.parametrize("call, message", [
    (lambda folder: __import__("cnnlesson.published").published.import_models(
        folder, keys="0123"), "keys must be a list"),
    (lambda folder: __import__("cnnlesson.published").published.import_models(
        folder, report=None), "report must be a function"),
    (lambda folder: publish_models(None, folder), "keys must be a list"),
    (lambda folder: __import__("cnnlesson.published").published.record_use(123),
     "cache_key must be a cache key"),
    (lambda folder: __import__("cnnlesson.published").published.use_site_models(123),
     "source must name"),
])
def test_wrong_kinds_of_arguments_are_value_errors(tmp_path, call, message):
    with pytest.raises(ValueError, match=message):
        call(tmp_path)


def test_listing_a_cache_with_entries_of_other_code_lists_them(capsys):
    import keras

    from cnnlesson.cache._store import store_entry

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    store_entry(cache_dir() / ("c" * 24), model, {"recipe": {"epochs": "many"},
                                                  "test_accuracy": "high"})
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1] == f"{'c' * 24}  (its result.json records no recipe this version reads)"
    assert json.loads(out[-1]) == {"models": 1}
