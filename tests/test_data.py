"""The CIFAR-10 loader: local copies, the download path, and every error it reports."""

import pickle

import numpy as np
import pytest
from conftest import REAL_CIFAR10_DIR, TINY_IMAGES_PER_BATCH, write_batch

import cnnlesson
from cnnlesson.data import (
    CIFAR10_DIR_VARIABLE,
    DatasetError,
    cifar10_source,
    fingerprint,
    load_cifar10,
    local_cifar10_dir,
    scale_images,
)


def test_local_copy_is_read_in_keras_shapes_and_order(tiny_cifar10):
    folder, batches = tiny_cifar10
    (x_train, y_train), (x_test, y_test) = load_cifar10()
    assert x_train.shape == (5 * TINY_IMAGES_PER_BATCH, 32, 32, 3)
    assert y_train.shape == (5 * TINY_IMAGES_PER_BATCH, 1)
    assert x_test.shape == (TINY_IMAGES_PER_BATCH, 32, 32, 3)
    assert x_train.dtype == y_train.dtype == np.uint8
    # Rows are stored channel-first; the loader must give back the very same pixels.
    np.testing.assert_array_equal(x_train[:TINY_IMAGES_PER_BATCH], batches["data_batch_1"][0])
    np.testing.assert_array_equal(x_train[-TINY_IMAGES_PER_BATCH:], batches["data_batch_5"][0])
    np.testing.assert_array_equal(x_test, batches["test_batch"][0])
    np.testing.assert_array_equal(y_test[:, 0], batches["test_batch"][1])
    assert cifar10_source() == f"a local copy ({folder.name}/, from {CIFAR10_DIR_VARIABLE})"
    assert str(folder.parent) not in cifar10_source()  # no build-machine path on the pages


def test_variable_may_name_the_batches_folder_itself(tiny_cifar10, monkeypatch):
    folder, _ = tiny_cifar10
    monkeypatch.setenv(CIFAR10_DIR_VARIABLE, str(folder))
    assert local_cifar10_dir() == folder
    assert load_cifar10()[0][0].shape[0] == 5 * TINY_IMAGES_PER_BATCH


def test_protocol_3_files_are_read_too(tiny_cifar10):
    folder, batches = tiny_cifar10
    images, labels = batches["test_batch"]
    write_batch(folder / "test_batch", images, labels, protocol=3)
    np.testing.assert_array_equal(load_cifar10()[1][0], images)


def test_subset_keeps_the_first_images_of_each_split(tiny_cifar10):
    _, batches = tiny_cifar10
    (x_train, y_train), (x_test, y_test) = load_cifar10(subset=7)
    assert len(x_train) == len(y_train) == len(x_test) == len(y_test) == 7
    np.testing.assert_array_equal(x_test, batches["test_batch"][0][:7])


@pytest.mark.parametrize("subset", [0, -3, 2.5, True, "10"])
def test_bad_subset_is_a_value_error(subset):
    with pytest.raises(ValueError, match="subset must be a positive integer"):
        load_cifar10(subset=subset)


def test_missing_folder_names_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(CIFAR10_DIR_VARIABLE, str(tmp_path / "nowhere"))
    with pytest.raises(DatasetError, match="CNNLESSON_CIFAR10_DIR=.*nowhere.*does not name"):
        load_cifar10()


def test_missing_batch_names_the_file(tiny_cifar10):
    folder, _ = tiny_cifar10
    (folder / "data_batch_3").unlink()
    with pytest.raises(DatasetError, match="data_batch_3 is missing"):
        load_cifar10()


def test_truncated_batch_names_the_file(tiny_cifar10):
    folder, _ = tiny_cifar10
    path = folder / "data_batch_2"
    path.write_bytes(path.read_bytes()[:5000])
    with pytest.raises(DatasetError, match="data_batch_2 is truncated or corrupt"):
        load_cifar10()


def test_batch_with_wrong_content_names_the_file(tiny_cifar10):
    folder, _ = tiny_cifar10
    with open(folder / "test_batch", "wb") as handle:
        pickle.dump({b"data": np.zeros((3, 100), np.uint8), b"labels": [0, 1, 2]}, handle)
    with pytest.raises(DatasetError, match=r"test_batch is corrupt: its data has shape \(3, 100\)"):
        load_cifar10()


def _write_raw(path, data, labels):
    with open(path, "wb") as handle:
        pickle.dump({b"data": data, b"labels": labels}, handle, protocol=2)


def _rows(images):
    return np.ascontiguousarray(images.transpose(0, 3, 1, 2).reshape(len(images), 3072))


@pytest.mark.parametrize("make_data, message", [
    (lambda rows: rows / 255.0, "pixels are float64, expected uint8"),
    (lambda rows: rows.astype(np.int16) + 600, "pixels .int16. range from 600 to 855"),
    (lambda rows: np.where(rows > 128, np.nan, rows / 1.0), "pixels .float64. contain NaN"),
])
def test_pixels_of_the_wrong_type_or_range_are_refused_not_cast(tiny_cifar10, make_data,
                                                                 message):
    folder, batches = tiny_cifar10
    images, labels = batches["data_batch_2"]
    _write_raw(folder / "data_batch_2", make_data(_rows(images)), [int(v) for v in labels])
    with pytest.raises(DatasetError, match=f"data_batch_2 is corrupt: its {message}"):
        load_cifar10()


@pytest.mark.parametrize("bad_label, shown", [(300, "int.* 0 to 300"), (-1, "int.* -1 to 9"),
                                              (3.7, "float64")])
def test_labels_outside_0_to_9_are_refused(tiny_cifar10, bad_label, shown):
    folder, batches = tiny_cifar10
    images, labels = batches["test_batch"]
    labels = [*[int(v) for v in labels[:-1]], bad_label]
    _write_raw(folder / "test_batch", _rows(images), labels)
    with pytest.raises(DatasetError, match=f"test_batch is corrupt: labels must be integers "
                                           f"0-9, got {shown}"):
        load_cifar10()


def test_labels_of_two_columns_are_refused(tiny_cifar10):
    folder, batches = tiny_cifar10
    images, labels = batches["data_batch_5"]
    _write_raw(folder / "data_batch_5", _rows(images), np.stack([labels, labels], axis=1))
    with pytest.raises(DatasetError, match=r"data_batch_5 is corrupt: its labels have shape "
                                           r"\(40, 2\)"):
        load_cifar10()


def test_a_batch_one_image_short_is_refused(tiny_cifar10):
    folder, batches = tiny_cifar10
    images, labels = batches["data_batch_3"]
    write_batch(folder / "data_batch_3", images[:-1], labels[:-1])
    with pytest.raises(DatasetError, match="data_batch_3 is corrupt: it holds 39 images, "
                                           "expected 40"):
        load_cifar10()


def test_a_full_batch_must_hold_ten_thousand_images(tiny_cifar10, monkeypatch):
    monkeypatch.setattr("cnnlesson.data.IMAGES_PER_BATCH", 10_000)
    with pytest.raises(DatasetError, match="data_batch_1 is corrupt: it holds 40 images, "
                                           "expected 10,000"):
        load_cifar10()


def test_a_download_of_the_wrong_size_is_refused(monkeypatch):
    import keras

    def short_download():
        images = np.zeros((10, 32, 32, 3), np.uint8)
        return (images, np.zeros((10, 1), np.uint8)), (images, np.zeros((10, 1), np.uint8))

    monkeypatch.setattr(keras.datasets.cifar10, "load_data", short_download)
    with pytest.raises(DatasetError, match=r"download \(training\) is corrupt: it holds 10 "
                                           r"images, expected 50,000"):
        load_cifar10()


def test_an_unreadable_batch_cannot_be_read(tiny_cifar10):
    folder, _ = tiny_cifar10
    (folder / "data_batch_2").unlink()
    (folder / "data_batch_2").mkdir()  # is_file() fails: reported as missing
    with pytest.raises(DatasetError, match="data_batch_2 is missing"):
        load_cifar10()


def test_a_batch_the_system_refuses_to_open_cannot_be_read(tiny_cifar10, monkeypatch):
    # Permissions do not stop root (CI runs as root), so the refusal is simulated.
    from pathlib import Path

    folder, _ = tiny_cifar10
    real_open = Path.open

    def refuse(self, *args, **kwargs):
        if self.name == "data_batch_4":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(DatasetError) as raised:
        load_cifar10()
    message = str(raised.value)
    assert "data_batch_4 cannot be read (Permission denied)" in message
    assert "Make it readable" in message and "truncated" not in message


def test_a_subset_larger_than_the_data_is_refused(tiny_cifar10):
    with pytest.raises(ValueError, match="subset=201 is more than the 200 training images"):
        load_cifar10(subset=201)
    assert len(load_cifar10(subset=200)[0][0]) == 200


def test_labels_and_images_must_agree(tiny_cifar10):
    folder, batches = tiny_cifar10
    images, labels = batches["data_batch_4"]
    write_batch(folder / "data_batch_4", images, labels[:-1])
    with pytest.raises(DatasetError, match="data_batch_4 is corrupt: 40 images but 39 labels"):
        load_cifar10()


class _Exploit:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_reader_refuses_pickles_that_would_run_code(tiny_cifar10, capsys):
    folder, _ = tiny_cifar10
    with open(folder / "data_batch_1", "wb") as handle:
        pickle.dump({b"data": _Exploit(), b"labels": []}, handle)
    with pytest.raises(DatasetError, match="data_batch_1 holds more than arrays .refusing to "
                                           "load builtins.print"):
        load_cifar10()
    assert "must never run" not in capsys.readouterr().out


def test_no_network_and_no_copy_is_one_clear_error(tmp_path):
    with pytest.raises(DatasetError) as raised:
        load_cifar10()
    message = str(raised.value)
    assert "could not be downloaded" in message
    assert CIFAR10_DIR_VARIABLE in message
    # Keras must not have left a partial archive behind in its cache.
    datasets = tmp_path / "keras-home" / "datasets"
    leftovers = [p.name for p in datasets.iterdir()] if datasets.exists() else []
    assert leftovers == []


def test_source_without_variable_is_the_official_download():
    assert cifar10_source() == "official download (keras.datasets.cifar10)"


def test_scale_images_maps_to_unit_interval():
    scaled = scale_images(np.array([[0, 255], [51, 102]], dtype=np.uint8))
    assert scaled.dtype == np.float32
    np.testing.assert_allclose(scaled, [[0.0, 1.0], [0.2, 0.4]], rtol=1e-6)


def test_scale_images_equals_the_tutorials_division_in_float32():
    every_pixel = np.arange(256, dtype=np.uint8)
    expected = (every_pixel / 255.0).astype(np.float32)
    np.testing.assert_array_equal(scale_images(every_pixel), expected)


def test_scale_images_leaves_float32_input_alone():
    images = np.full((2, 2), 255.0, dtype=np.float32)
    scaled = scale_images(images)
    assert scaled is not images
    np.testing.assert_array_equal(images, 255.0)


def test_fingerprint_sees_shape_and_content():
    base = np.zeros((2, 3), np.uint8)
    assert fingerprint(base) == fingerprint(base.copy())
    assert fingerprint(base) != fingerprint(base.reshape(3, 2))
    changed = base.copy()
    changed[1, 2] = 1
    assert fingerprint(base) != fingerprint(changed)


@pytest.mark.integration
def test_real_copy_shapes_balance_and_the_horse(monkeypatch):
    # The local copy when one is named (CI names the offline one), else Keras' download.
    if REAL_CIFAR10_DIR:
        monkeypatch.setenv(CIFAR10_DIR_VARIABLE, REAL_CIFAR10_DIR)
    (x_train, y_train), (x_test, y_test) = cnnlesson.load_cifar10()
    assert x_train.shape == (50_000, 32, 32, 3) and y_train.shape == (50_000, 1)
    assert x_test.shape == (10_000, 32, 32, 3) and y_test.shape == (10_000, 1)
    assert np.bincount(y_train[:, 0]).tolist() == [5_000] * 10
    assert np.bincount(y_test[:, 0]).tolist() == [1_000] * 10
    assert int(y_train[7, 0]) == 7
    assert cnnlesson.CIFAR10_CLASSES[7] == "horse"
