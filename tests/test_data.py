"""Test cnnviz.data on real image files written here, on the shared real copy, and offline (no network)."""

import functools
import pickle
import shutil
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cnnviz import config, data

# The real copy, found as the code and the Makefile find it: CNNVIZ_DATA_DIR, else ../shared/data beside the checkout.
SHARED = config.data_dir() or Path(__file__).resolve().parents[2] / "shared" / "data"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} (real data copy) is absent")
CLASS_COLORS = [(25 * k, 250 - 25 * k, (97 * k) % 256) for k in range(10)]


@pytest.fixture(autouse=True)
def data_env(tmp_path, monkeypatch):
    """Give each test its own cache folder and no dataset settings from the caller's environment."""
    monkeypatch.delenv("CNNVIZ_DATA_DIR", raising=False)
    monkeypatch.delenv("CNNVIZ_OFFLINE", raising=False)
    monkeypatch.setenv("CNNVIZ_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


# ------------------------------------------------------------------ helpers writing real files


def jpeg(path, color, size=(32, 32), noise=0.0, seed=0):
    """Write a JPEG of one colour (plus optional noise) and return its path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = np.array(color, float) + np.random.default_rng(seed).normal(0, noise, (size[1], size[0], 3))
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(path, format="JPEG", quality=95)
    return path


def cifar_folder(root, n_train=3, n_test=2):
    """Write train/<class>/ and test/<class>/ JPEGs, one colour per class."""
    for split, n in (("train", n_train), ("test", n_test)):
        for k, name in enumerate(data.CIFAR10_CLASSES):
            for i in range(n):
                jpeg(root / split / name / f"{i:04d}.jpg", CLASS_COLORS[k])
    return root


def pets_folder(root, classes=("cats", "dogs"), n=6, first=0):
    """Write class folders of noisy JPEGs of varied sizes, one colour per class, numbered from ``first``."""
    for k, name in enumerate(classes):
        for i in range(first, first + n):
            jpeg(
                root / name / f"{name[:-1]}.{i}.jpg",
                [(200, 60, 30), (30, 60, 200)][k % 2],
                size=(40 + 3 * i, 30 + 2 * i),
                noise=10,
                seed=i,
            )
    return root


def tar_gz(src, archive):
    """Pack the children of folder src into a .tar.gz and return its path."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive, "w:gz") as tar:
        for child in sorted(src.iterdir()):
            tar.add(child, arcname=child.name)
    return archive


def pin(monkeypatch, archive):
    """Make the module trust this archive's actual sha256."""
    monkeypatch.setitem(data.KNOWN_SHA256, archive.name, data._sha256(archive))


def arrays(cifar):
    """Return the four arrays of a CifarData."""
    (x_train, y_train), (x_test, y_test) = cifar
    return x_train, y_train, x_test, y_test


def assert_same(a, b):
    """Assert two CifarData hold identical arrays."""
    assert all(np.array_equal(u, v) for u, v in zip(arrays(a), arrays(b)))


def fail(*args, **kwargs):
    """Stand in for a function that must not be called."""
    raise AssertionError("called although the result should come from the cache")


def all_batches(dataset):
    """Return all (images, labels) of a tf.data dataset as NumPy arrays."""
    pairs = [(x.numpy(), y.numpy()) for x, y in dataset]
    return np.concatenate([x for x, _ in pairs]), np.concatenate([y for _, y in pairs])


def photo_keys(dataset):
    """Return the set of photos of a dataset, each as the bytes of its pixels (the test photos all differ)."""
    images, _ = all_batches(dataset)
    return {image.tobytes() for image in images}


def split_keys(ds):
    """Return {split: photo keys} and check that no photo is in two splits."""
    keys = {split: photo_keys(getattr(ds, split)) for split in ("train", "val", "test")}
    assert (
        keys["train"].isdisjoint(keys["val"])
        and keys["train"].isdisjoint(keys["test"])
        and keys["val"].isdisjoint(keys["test"])
    ), "a photo is in two splits"
    for split, found in keys.items():
        assert len(found) == sum(ds.counts[split].values()), f"{split}: the counts say how many photos it holds"
    return keys


def totals(counts):
    """Return {class: photos in all splits} of ImageFolderData.counts ({split: {class: n}})."""
    return {name: sum(per_class[name] for per_class in counts.values()) for name in counts["train"]}


# ------------------------------------------------------------------ CIFAR-10


def test_class_names_follow_keras_label_order():
    assert data.CIFAR10_CLASSES == [
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    ]


def test_cifar10_from_image_folder_matches_keras_shapes_and_labels(tmp_path):
    folder = cifar_folder(tmp_path / "copy")
    cifar = data.load_cifar10(data_dir=folder)
    (x_train, y_train), (x_test, y_test) = cifar
    assert (x_train.shape, x_train.dtype, y_train.shape, y_train.dtype) == (
        (30, 32, 32, 3),
        np.uint8,
        (30, 1),
        np.uint8,
    )
    assert (x_test.shape, y_test.shape) == ((20, 32, 32, 3), (20, 1))
    assert np.bincount(y_train[:, 0]).tolist() == [3] * 10
    for x, y in ((x_train, y_train), (x_test, y_test)):  # each image kept its own label
        means = x.reshape(len(x), -1, 3).mean(axis=1)
        assert np.abs(means - np.array(CLASS_COLORS)[y[:, 0]]).max() < 8
    assert np.any(np.diff(y_train[:, 0].astype(int)) < 0), "training images must not stay grouped by class"
    assert not cifar.offline and str(folder) in cifar.source and cifar.class_names == data.CIFAR10_CLASSES


def test_cifar10_folder_found_through_env_var_and_cifar10_subfolder(tmp_path, monkeypatch):
    cifar_folder(tmp_path / "datasets" / "cifar10")
    monkeypatch.setenv("CNNVIZ_DATA_DIR", str(tmp_path / "datasets"))
    monkeypatch.setenv("CNNVIZ_OFFLINE", "1")  # a local copy wins over offline data
    cifar = data.load_cifar10()
    assert not cifar.offline and len(cifar[0][0]) == 30


def test_cifar10_jpeg_archive_is_decoded_once_then_cached(tmp_path, monkeypatch):
    folder = cifar_folder(tmp_path / "copy")
    archive = tar_gz(folder, tmp_path / "data" / "cifar10-jpeg.tar.gz")
    pin(monkeypatch, archive)
    first = data.load_cifar10(data_dir=tmp_path / "data")
    assert "cifar10-jpeg.tar.gz" in first.source and not first.offline
    assert_same(first, data.load_cifar10(data_dir=folder))  # same order as the unpacked folder
    monkeypatch.setattr(data, "_decode_rgb", fail)
    monkeypatch.setattr(data.tarfile, "open", fail)
    assert_same(first, data.load_cifar10(data_dir=tmp_path / "data"))


def test_cifar10_max_train_decodes_only_the_first_training_images_of_the_full_order(tmp_path, monkeypatch):
    folder = cifar_folder(tmp_path / "copy")
    archive = tar_gz(folder, tmp_path / "data" / "cifar10-jpeg.tar.gz")
    pin(monkeypatch, archive)
    full = data.load_cifar10(data_dir=tmp_path / "data")
    decoded = []
    decode = data._decode_rgb
    monkeypatch.setattr(data, "_decode_rgb", lambda source: decoded.append(source) or decode(source))
    part = data.load_cifar10(data_dir=tmp_path / "data", max_train=7)
    assert len(decoded) == 7 + 20  # 7 training images and every test image, not the 30 training images
    (x_train, y_train), test = part
    assert np.array_equal(x_train, full[0][0][:7]) and np.array_equal(y_train, full[0][1][:7])
    assert all(np.array_equal(u, v) for u, v in zip(test, full[1]))
    monkeypatch.setattr(data, "_decode_rgb", fail)
    monkeypatch.setattr(data.tarfile, "open", fail)
    assert_same(part, data.load_cifar10(data_dir=tmp_path / "data", max_train=7))  # its own cache file
    assert_same(full, data.load_cifar10(data_dir=tmp_path / "data", max_train=50_000))  # 50,000: all, as cached
    with pytest.raises(ValueError, match="max_train"):
        data.load_cifar10(data_dir=tmp_path / "data", max_train=0)


def test_cifar10_max_train_reads_only_the_batches_it_needs(tmp_path, monkeypatch):
    write_batches(tmp_path / "data" / "cifar-10-batches-py", np.random.default_rng(2))
    full = data.load_cifar10(data_dir=tmp_path / "data")
    read = []
    read_bytes = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: read.append(self.name) or read_bytes(self))
    (x_train, y_train), (x_test, _) = data.load_cifar10(data_dir=tmp_path / "data", max_train=6)
    assert read == ["data_batch_1", "data_batch_2", "test_batch"]  # batches of 4 images: two hold the first 6
    assert np.array_equal(x_train, full[0][0][:6]) and np.array_equal(y_train, full[0][1][:6])
    assert np.array_equal(x_test, full[1][0])


def test_cifar10_archive_with_wrong_checksum_is_refused(tmp_path):
    archive = tar_gz(cifar_folder(tmp_path / "copy"), tmp_path / "data" / "cifar10-jpeg.tar.gz")
    with pytest.raises(data.ChecksumError) as err:
        data.load_cifar10(data_dir=tmp_path / "data")
    message = str(err.value)
    assert "cifar10-jpeg.tar.gz" in message and data.KNOWN_SHA256["cifar10-jpeg.tar.gz"] in message
    assert data._sha256(archive) in message and "Delete" in message


def write_batches(folder, rng):
    """Write tiny CIFAR-10 Python batches (5 train of 4 images, 1 test of 3) and return their dicts."""
    folder.mkdir(parents=True)
    batches = {}
    for name, n in [(f"data_batch_{i}", 4) for i in range(1, 6)] + [("test_batch", 3)]:
        batches[name] = {
            b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
            b"labels": rng.integers(0, 10, n).tolist(),
        }
        (folder / name).write_bytes(pickle.dumps(batches[name]))
    return batches


def test_cifar10_from_original_batches_folder_and_archive(tmp_path, monkeypatch):
    batches = write_batches(tmp_path / "data" / "cifar-10-batches-py", np.random.default_rng(1))
    cifar = data.load_cifar10(data_dir=tmp_path / "data")
    (x_train, y_train), (x_test, y_test) = cifar
    assert (x_train.shape, y_train.shape, x_test.shape, y_test.dtype) == (
        (20, 32, 32, 3),
        (20, 1),
        (3, 32, 32, 3),
        np.uint8,
    )
    raw = batches["data_batch_2"][b"data"][1]  # channel planes of 32x32, row after row
    assert x_train[5, 7, 9].tolist() == [raw[c * 1024 + 7 * 32 + 9] for c in range(3)]
    assert y_train[:, 0].tolist() == sum((batches[f"data_batch_{i}"][b"labels"] for i in range(1, 6)), [])
    archive = tar_gz(tmp_path / "data", tmp_path / "download" / "cifar-10-python.tar.gz")
    pin(monkeypatch, archive)
    assert_same(cifar, data.load_cifar10(data_dir=tmp_path / "download"))


def test_cifar10_batches_folder_missing_a_batch_says_which(tmp_path):
    write_batches(tmp_path / "cifar-10-batches-py", np.random.default_rng(0))
    (tmp_path / "cifar-10-batches-py" / "test_batch").unlink()
    with pytest.raises(FileNotFoundError, match="test_batch"):
        data.load_cifar10(data_dir=tmp_path)


def test_cifar10_offline_stand_in_is_loud_and_shaped_like_cifar(monkeypatch, capsys):
    monkeypatch.setenv("CNNVIZ_OFFLINE", "1")
    cifar = data.load_cifar10()
    out = capsys.readouterr().out
    assert "OFFLINE DATA" in out and "NOT the real CIFAR-10" in out and "CNNVIZ_DATA_DIR is not set" in out
    (x_train, y_train), (x_test, y_test) = cifar
    assert cifar.offline and "OFFLINE" in cifar.source and "OFFLINE" in repr(cifar)
    assert (x_train.dtype, x_train.shape[1:], y_train.dtype, y_train.shape[1:]) == (
        np.uint8,
        (32, 32, 3),
        np.uint8,
        (1,),
    )
    assert 0 < len(x_train) < 50_000 and np.bincount(y_test[:, 0], minlength=10).min() > 0
    assert cifar.class_names == data.CIFAR10_CLASSES
    assert_same(cifar, data.load_cifar10())  # generated the same way every time
    centroids = np.stack([x_train[y_train[:, 0] == k].mean(axis=0) for k in range(10)])
    guess = np.argmin(((x_test[:, None].astype(float) - centroids) ** 2).sum(axis=(2, 3, 4)), axis=1)
    assert (guess == y_test[:, 0]).mean() > 0.5, "the classes must be learnable"


def test_cifar10_offline_when_data_dir_has_no_copy(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CNNVIZ_DATA_DIR", str(tmp_path))
    cifar = data.load_cifar10(offline=True)
    assert cifar.offline and f"CNNVIZ_DATA_DIR={tmp_path} holds no copy" in capsys.readouterr().out


def test_cifar10_downloads_through_keras_when_no_local_copy(monkeypatch):
    import keras

    fake = (
        (np.zeros((5, 32, 32, 3), np.uint8), np.ones((5, 1), np.uint8)),
        (np.zeros((2, 32, 32, 3), np.uint8), np.ones((2, 1), np.uint8)),
    )
    monkeypatch.setattr(keras.datasets.cifar10, "load_data", lambda: fake)
    cifar = data.load_cifar10()
    assert arrays(cifar)[0] is fake[0][0] and "keras.datasets.cifar10" in cifar.source and not cifar.offline


def test_cifar10_failed_download_says_how_to_get_the_data(monkeypatch):
    import keras

    def no_network():
        raise OSError("URL fetch failure: no route to host")

    monkeypatch.setattr(keras.datasets.cifar10, "load_data", no_network)
    with pytest.raises(data.DatasetUnavailableError) as err:
        data.load_cifar10()
    message = str(err.value)
    for part in ("no route to host", data.CIFAR10_URL, "CNNVIZ_DATA_DIR", "CNNVIZ_OFFLINE=1"):
        assert part in message


def test_cifar10_image_folder_errors_name_the_problem(tmp_path):
    folder = cifar_folder(tmp_path / "copy", n_train=1, n_test=1)
    shutil.rmtree(folder / "train" / "truck")
    with pytest.raises(FileNotFoundError, match=r"train/truck does not exist"):
        data.load_cifar10(data_dir=folder)
    (folder / "train" / "truck").mkdir()
    with pytest.raises(ValueError, match=r"train/truck holds no images"):
        data.load_cifar10(data_dir=folder)
    jpeg(folder / "train" / "truck" / "big.jpg", (1, 2, 3), size=(64, 48))
    with pytest.raises(ValueError, match=r"big.jpg is 64x48 pixels; CIFAR-10 images are 32x32"):
        data.load_cifar10(data_dir=folder)


def test_cifar10_skips_a_truncated_jpeg_with_a_warning(tmp_path):
    folder = cifar_folder(tmp_path / "copy")
    bad = folder / "train" / "cat" / "0001.jpg"
    bad.write_bytes(bad.read_bytes()[:200])
    with pytest.warns(data.BadImageWarning, match="0001.jpg"):
        cifar = data.load_cifar10(data_dir=folder)
    assert len(cifar[0][0]) == 29 and np.bincount(cifar[0][1][:, 0])[3] == 2


def test_cifar10_max_train_skips_a_file_that_does_not_decode_and_takes_the_next_in_order(tmp_path):
    folder = cifar_folder(tmp_path / "copy")
    for seed, path in enumerate(sorted((folder / "train").glob("*/*.jpg"))):  # every training image different
        jpeg(path, (128, 128, 128), noise=40, seed=seed)
    (x_full, y_full), _ = data.load_cifar10(data_dir=folder)
    bad = folder / "train" / "cat" / "0001.jpg"
    row = int(np.flatnonzero((x_full == data._decode_rgb(bad)).all(axis=(1, 2, 3)))[0])  # its place in the order
    bad.write_bytes(bad.read_bytes()[:200])
    shutil.rmtree(tmp_path / "cache")  # the folder's own date does not change when a file inside is rewritten
    with pytest.warns(data.BadImageWarning, match="0001.jpg"):
        (x_train, y_train), _ = data.load_cifar10(data_dir=folder, max_train=row + 3)
    assert np.array_equal(x_train, np.delete(x_full[: row + 4], row, axis=0))  # the next image fills its place
    assert np.array_equal(y_train, np.delete(y_full[: row + 4], row, axis=0))


# ------------------------------------------------------------------ errors shared by the loaders


@pytest.mark.parametrize("load", [data.load_cifar10, data.load_cats_vs_dogs])
def test_missing_or_empty_data_dir(load, tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match=r"data_dir=.*nowhere is not an existing folder"):
        load(data_dir=tmp_path / "nowhere")
    with pytest.raises(ValueError, match="holds no"):
        load(data_dir=tmp_path)
    monkeypatch.setenv("CNNVIZ_DATA_DIR", str(tmp_path / "nowhere"))
    with pytest.raises(FileNotFoundError, match="CNNVIZ_DATA_DIR="):
        load()


# ------------------------------------------------------------------ folders of class subfolders


def test_image_folder_datasets_on_any_class_folders(tmp_path):
    folder = pets_folder(tmp_path / "skin", classes=("benign", "malignant"), n=8)
    (folder / "benign" / "notes.txt").write_text("not an image, ignored")
    (folder / ".ipynb_checkpoints").mkdir()  # hidden folders are not classes
    jpeg(folder / "malignant" / "extra" / "deep.JPG", (30, 60, 200))  # nested, upper-case suffix
    ds = data.image_folder_datasets(folder, image_size=(24, 24), batch_size=4, val_split=0.25, test_split=0.25, seed=1)
    assert ds.class_names == ["benign", "malignant"] and ds.root == folder and ds.skipped == [] and not ds.offline
    # each class is cut on its own: 8 -> 2 test, 2 validation, 4 training; 9 -> round(2.25) = 2, 2, 5
    assert ds.counts == {
        "train": {"benign": 4, "malignant": 5},
        "val": {"benign": 2, "malignant": 2},
        "test": {"benign": 2, "malignant": 2},
    }
    keys = split_keys(ds)
    assert sum(len(k) for k in keys.values()) == 17  # every photo in exactly one split
    for split in ("train", "val", "test"):
        x, y = all_batches(getattr(ds, split))
        assert x.shape[1:] == (24, 24, 3) and x.dtype == np.uint8 and y.dtype == np.int32
        red_first = x[..., 0].mean(axis=(1, 2)) > x[..., 2].mean(axis=(1, 2))
        assert np.array_equal(red_first, y == 0), f"{split}: labels must follow the class folders"


def test_the_same_seed_gives_the_same_split_and_another_seed_another(tmp_path):
    folder = pets_folder(tmp_path / "pets", n=8)
    first, again = (split_keys(data.image_folder_datasets(folder, (16, 16), 4, seed=1)) for _ in range(2))
    assert first == again
    other = split_keys(data.image_folder_datasets(folder, (16, 16), 4, seed=2))
    assert other["test"] != first["test"] and set().union(*other.values()) == set().union(*first.values())


def test_training_batches_are_reshuffled_each_epoch_validation_and_test_keep_their_order(tmp_path):
    ds = data.image_folder_datasets(pets_folder(tmp_path / "pets", n=10), (16, 16), 4, seed=1)
    orders = [[x.tobytes() for x in all_batches(ds.train)[0]] for _ in range(3)]
    assert sorted(orders[0]) == sorted(orders[1]) and len({tuple(o) for o in orders}) > 1
    for split in (ds.val, ds.test):
        np.testing.assert_array_equal(all_batches(split)[0], all_batches(split)[0])


def test_split_folders_hold_exactly_each_splits_photos_for_image_dataset_from_directory(tmp_path):
    """Notebook 05 reads ``.folders`` with keras.utils.image_dataset_from_directory: the same photos, labels, counts."""
    import keras

    ds = data.image_folder_datasets(pets_folder(tmp_path / "pets", n=8), (16, 16), 4, seed=1)
    assert sorted(ds.folders) == ["test", "train", "val"]
    for split, folder in ds.folders.items():
        assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == ds.class_names
        assert {name: len(list((folder / name).iterdir())) for name in ds.class_names} == ds.counts[split]
        ours = keras.utils.image_dataset_from_directory(
            folder, image_size=(16, 16), batch_size=4, shuffle=False, verbose=False
        )
        assert ours.class_names == ds.class_names
        x, y = all_batches(ours)
        x_ref, y_ref = all_batches(getattr(ds, split))
        assert sorted(np.round(image).astype(np.uint8).tobytes() for image in x) == sorted(
            image.tobytes() for image in x_ref
        )
        assert sorted(y.tolist()) == sorted(y_ref.tolist())
    shares = data.image_folder_datasets(pets_folder(tmp_path / "more", n=6), (16, 16), 4, val_split=0, seed=1)
    assert "val" not in shares.folders and shares.val is None


def test_a_zero_share_gives_no_dataset_for_that_split(tmp_path):
    folder = pets_folder(tmp_path / "pets", n=6)
    ds = data.image_folder_datasets(folder, (16, 16), 4, val_split=0, test_split=0.25, seed=1)
    assert ds.val is None and ds.counts["val"] == {"cats": 0, "dogs": 0}
    assert totals(ds.counts) == {"cats": 6, "dogs": 6}
    assert data.image_folder_datasets(folder, (16, 16), 4, val_split=0.25, test_split=0).test is None


def test_bad_shares_and_sizes_name_the_problem(tmp_path):
    folder = pets_folder(tmp_path / "pets", n=6)
    with pytest.raises(ValueError, match="leave no training photos"):
        data.image_folder_datasets(folder, (16, 16), val_split=0.6, test_split=0.5)
    with pytest.raises(ValueError, match="val_split is a share of the photos, from 0 to below 1; got 1.2"):
        data.image_folder_datasets(folder, (16, 16), val_split=1.2)
    with pytest.raises(ValueError, match="class 'cats' has only 2 usable photos: too few to split"):
        data.image_folder_datasets(folder, (16, 16), max_per_class=2)
    with pytest.raises(ValueError, match=r"image_size must be \(height, width\), two whole numbers; got 16"):
        data.image_folder_datasets(folder, 16)


def test_load_cats_vs_dogs_with_an_int_image_size_says_what_to_pass(tmp_path):
    pets_folder(tmp_path / "copy")
    with pytest.raises(ValueError, match=r"image_size must be \(height, width\), two whole numbers; got 160"):
        data.load_cats_vs_dogs(image_size=160, data_dir=tmp_path / "copy")


def write_bad_files(folder):
    """Add files that are not decodable images to a cats/dogs folder; return them sorted."""
    good = folder / "cats" / "cat.0.jpg"
    bad = [
        folder / "cats" / "truncated.jpg",
        folder / "dogs" / "text.jpg",
        folder / "dogs" / "empty.png",
        folder / "dogs" / "tiff.jpg",
    ]
    bad[0].write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    bad[1].write_text("this is not a JPEG")
    bad[2].write_bytes(b"")
    Image.open(good).save(bad[3], format="TIFF")  # Pillow reads TIFF, TensorFlow does not
    return sorted(bad)


def test_find_bad_images_names_exactly_the_undecodable_files(tmp_path):
    folder = pets_folder(tmp_path / "pets")
    bad = write_bad_files(folder)
    Image.open(folder / "dogs" / "dog.0.jpg").save(folder / "dogs" / "fine.png")
    assert data.find_bad_images(folder) == bad
    with pytest.raises(FileNotFoundError, match="does not exist"):
        data.find_bad_images(tmp_path / "nowhere")


def test_find_bad_images_rechecks_only_new_changed_or_bad_files(tmp_path, monkeypatch):
    folder = pets_folder(tmp_path / "pets")
    bad = write_bad_files(folder)
    assert data.find_bad_images(folder) == bad
    checked = []
    real = data._decodes
    monkeypatch.setattr(data, "_decodes", lambda path: checked.append(path) or real(path))
    assert data.find_bad_images(folder) == bad and sorted(checked) == bad
    changed = jpeg(folder / "cats" / "cat.1.jpg", (0, 0, 0), size=(20, 20))
    checked.clear()
    assert data.find_bad_images(folder) == bad and sorted(checked) == sorted(bad + [changed])


def test_bad_images_are_skipped_with_a_warning_and_never_reach_fit(tmp_path):
    folder = pets_folder(tmp_path / "pets")
    bad = write_bad_files(folder)
    with pytest.warns(data.BadImageWarning) as caught:
        ds = data.image_folder_datasets(folder, image_size=(16, 16), batch_size=5)
    message = str(caught[0].message)
    assert all(str(path) in message for path in bad) and "Skipping 4 file(s)" in message
    assert ds.skipped == bad and totals(ds.counts) == {"cats": 6, "dogs": 6}
    assert sum(len(k) for k in split_keys(ds).values()) == 12  # every good photo decodes, no bad one is read


def test_folder_errors_name_the_problem(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere does not exist"):
        data.image_folder_datasets(tmp_path / "nowhere")
    flat = tmp_path / "flat"
    jpeg(flat / "cat.0.jpg", (1, 2, 3))
    with pytest.raises(ValueError, match="has no class subfolders"):
        data.image_folder_datasets(flat)
    folder = pets_folder(tmp_path / "pets", n=2)
    (folder / "birds").mkdir()
    (folder / "birds" / "readme.txt").write_text("no images here")
    with pytest.raises(ValueError, match=r"Class folder .*birds holds no images"):
        data.image_folder_datasets(folder)
    shutil.rmtree(folder / "birds")
    for path in (folder / "dogs").iterdir():
        path.write_text("broken")
    with pytest.raises(ValueError, match=r"dogs holds no decodable images"):
        data.image_folder_datasets(folder)
    with pytest.raises(ValueError, match="max_per_class"):
        data.image_folder_datasets(tmp_path / "pets", max_per_class=0)


def test_max_per_class_takes_the_first_files_deterministically(tmp_path):
    folder = pets_folder(tmp_path / "pets", n=9)
    ds = data.image_folder_datasets(folder, image_size=(16, 16), batch_size=4, max_per_class=7)
    assert totals(ds.counts) == {"cats": 7, "dogs": 7}
    first_seven = tmp_path / "first"
    for name in ("cats", "dogs"):
        (first_seven / name).mkdir(parents=True)
        for path in sorted((folder / name).iterdir())[:7]:  # the first seven names, in sorted order
            shutil.copy(path, first_seven / name / path.name)
    assert split_keys(ds) == split_keys(data.image_folder_datasets(first_seven, (16, 16), 4))


# ------------------------------------------------------------------ cats vs dogs


def test_cats_vs_dogs_from_shared_layout_archive_unpacked_once(tmp_path, monkeypatch, data_env):
    pets_folder(tmp_path / "src" / "training_set")
    archive = tar_gz(tmp_path / "src", tmp_path / "data" / "cats-vs-dogs-train.tar.gz")
    pin(monkeypatch, archive)
    monkeypatch.setenv("CNNVIZ_DATA_DIR", str(tmp_path / "data"))
    ds = data.load_cats_vs_dogs(image_size=(32, 32), batch_size=4)
    assert ds.class_names == ["cats", "dogs"] and totals(ds.counts) == {"cats": 6, "dogs": 6}
    assert ds.counts["test"] == {"cats": 1, "dogs": 1}  # training photos only: the test split is held out of them
    assert ds.root == data_env / "cats-vs-dogs-train" / "training_set" and "cats-vs-dogs-train.tar.gz" in ds.source
    images, labels = next(iter(ds.train))
    assert images.shape[1:] == (32, 32, 3) and images.dtype.name == "uint8" and labels.dtype.name == "int32"
    monkeypatch.setattr(shutil, "unpack_archive", fail)
    assert data.load_cats_vs_dogs(image_size=(32, 32)).root == ds.root


def test_cats_vs_dogs_damaged_archive_says_what_to_do(tmp_path, monkeypatch):
    pets_folder(tmp_path / "src" / "training_set")
    archive = tar_gz(tmp_path / "src", tmp_path / "data" / "cats-vs-dogs-train.tar.gz")
    archive.write_bytes(archive.read_bytes()[:2000])
    pin(monkeypatch, archive)
    with pytest.raises(ValueError, match=r"Cannot unpack .*cats-vs-dogs-train.tar.gz.*get a fresh copy"):
        data.load_cats_vs_dogs(data_dir=tmp_path / "data")


def test_cats_vs_dogs_archive_of_something_else_is_refused(tmp_path, monkeypatch):
    pets_folder(tmp_path / "src" / "birds", classes=("owls", "gulls"))
    archive = tar_gz(tmp_path / "src", tmp_path / "data" / "cats-vs-dogs-train.tar.gz")
    pin(monkeypatch, archive)
    with pytest.raises(ValueError, match="holds no cats/ and dogs/ folders"):
        data.load_cats_vs_dogs(data_dir=tmp_path / "data")


@pytest.mark.parametrize("sub", ["", "training_set"])
def test_cats_vs_dogs_from_unpacked_folder(tmp_path, sub):
    root = pets_folder(tmp_path / "copy" / sub)
    (root / "README").mkdir()  # an extra folder is not a class
    ds = data.load_cats_vs_dogs(image_size=(32, 32), batch_size=4, data_dir=tmp_path / "copy")
    assert ds.root == root and ds.class_names == ["cats", "dogs"] and totals(ds.counts) == {"cats": 6, "dogs": 6}
    split_keys(ds)


def classroom_zip(tmp_path):
    """Write a small cats_and_dogs_filtered.zip (train/ and validation/) and return its path."""
    src = tmp_path / "zipsrc" / "cats_and_dogs_filtered"
    pets_folder(src / "train", n=6)
    pets_folder(src / "validation", n=3, first=6)
    archive = tmp_path / "server" / "cats_and_dogs_filtered.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(src.rglob("*.jpg")):
            z.write(path, path.relative_to(src.parent).as_posix())
    return archive


def test_cats_vs_dogs_download_uses_keras_get_file_and_its_validation_folder_as_test_split(tmp_path, monkeypatch):
    archive = classroom_zip(tmp_path)
    monkeypatch.setattr(data, "CATS_DOGS_URL", archive.as_uri())
    pin(monkeypatch, archive)
    keras_cache = tmp_path / "keras"
    monkeypatch.setattr(
        data, "download_with_checksum", functools.partial(data.download_with_checksum, cache_dir=keras_cache)
    )
    ds = data.load_cats_vs_dogs(image_size=(32, 32), batch_size=4, offline=False)
    assert (keras_cache / "datasets" / "cats_and_dogs_filtered.zip").is_file()
    assert (
        ds.root.parts[-2:] == ("cats_and_dogs_filtered", "train") and archive.as_uri() in ds.source and not ds.offline
    )
    # the archive's validation/ folder (3 photos per class) is the test split; validation comes out of train/ (6)
    assert ds.counts == {"train": {"cats": 5, "dogs": 5}, "val": {"cats": 1, "dogs": 1}, "test": {"cats": 3, "dogs": 3}}
    keys = split_keys(ds)  # the 12 photos of train/ are all in train or val, so the 6 test photos come from validation/
    assert len(keys["train"] | keys["val"]) == 12 and len(keys["test"]) == 6


def test_max_per_class_caps_all_three_splits_of_the_archive_layout(tmp_path, monkeypatch):
    """As documented ("at most this many photos per class"), the test photos from validation/ count too."""
    archive = classroom_zip(tmp_path)
    monkeypatch.setattr(data, "CATS_DOGS_URL", archive.as_uri())
    pin(monkeypatch, archive)
    monkeypatch.setattr(
        data, "download_with_checksum", functools.partial(data.download_with_checksum, cache_dir=tmp_path / "keras")
    )
    small = data.load_cats_vs_dogs(image_size=(32, 32), batch_size=4, offline=False, max_per_class=5)
    assert all(n <= 5 for n in totals(small.counts).values()), f"max_per_class=5 gives {small.counts}"
    assert all(small.counts[split]["cats"] >= 1 for split in ("train", "val", "test"))
    split_keys(small)


def test_download_with_wrong_checksum_names_file_and_both_hashes(tmp_path):
    archive = classroom_zip(tmp_path)
    with pytest.raises(data.ChecksumError) as err:
        data.download_with_checksum(archive.as_uri(), "thing.zip", "0" * 64, cache_dir=tmp_path / "k")
    message = str(err.value)
    assert str(tmp_path / "k" / "datasets" / "thing.zip") in message and "0" * 64 in message
    assert data._sha256(archive) in message and archive.as_uri() in message


def test_cats_vs_dogs_failed_download_says_how_to_get_the_data(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "CATS_DOGS_URL", (tmp_path / "missing.zip").as_uri())
    monkeypatch.setattr(
        data, "download_with_checksum", functools.partial(data.download_with_checksum, cache_dir=tmp_path / "k")
    )
    with pytest.raises(data.DatasetUnavailableError) as err:
        data.load_cats_vs_dogs()
    message = str(err.value)
    assert "missing.zip" in message and "CNNVIZ_DATA_DIR" in message and "CNNVIZ_OFFLINE=1" in message


def test_cats_vs_dogs_offline_stand_in_is_loud_and_real_jpeg_files(monkeypatch, capsys):
    monkeypatch.setenv("CNNVIZ_OFFLINE", "1")
    ds = data.load_cats_vs_dogs(image_size=(64, 64), batch_size=8, max_per_class=20)
    assert "NOT the real cats vs dogs" in capsys.readouterr().out
    assert ds.offline and "OFFLINE" in ds.source and ds.class_names == ["cats", "dogs"]
    assert totals(ds.counts) == {"cats": 20, "dogs": 20} and ds.counts["test"] == {"cats": 3, "dogs": 3}
    files = sorted((ds.root / "cats").iterdir())
    formats = set()
    for path in files:
        with Image.open(path) as image:
            formats.add(image.format)
    assert len(files) == 100 and formats == {"JPEG"}
    x, y = all_batches(ds.train)
    face = x[:, 26:38, 26:38].astype(float)  # the middle of the picture is the face
    redness = np.median(face[..., 0] - face[..., 2], axis=(1, 2))
    assert np.array_equal(redness > 135, y == 0), "orange cat faces, brown dog faces"
    assert totals(data.load_cats_vs_dogs(image_size=(64, 64)).counts) == {"cats": 100, "dogs": 100}


# ------------------------------------------------------------------ the real shared copy


@pytest.fixture(scope="session")
def shared_cifar(tmp_path_factory):
    """Load CIFAR-10 from the shared copy as `make test` does, into a fresh cache, once per session."""
    cache = tmp_path_factory.mktemp("shared-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CNNVIZ_CACHE_DIR", str(cache))
        mp.setenv("CNNVIZ_DATA_DIR", str(SHARED))
        mp.setenv("CNNVIZ_OFFLINE", "1")
        return data.load_cifar10(), cache


@pytest.mark.slow  # decodes all 60,000 images once
@needs_shared
def test_shared_cifar10_is_complete(shared_cifar):
    cifar, _ = shared_cifar
    (x_train, y_train), (x_test, y_test) = cifar
    assert (x_train.shape, x_train.dtype, y_train.shape, y_train.dtype) == (
        (50000, 32, 32, 3),
        np.uint8,
        (50000, 1),
        np.uint8,
    )
    assert (x_test.shape, y_test.shape) == ((10000, 32, 32, 3), (10000, 1))
    assert np.bincount(y_train[:, 0]).tolist() == [5000] * 10 and np.bincount(y_test[:, 0]).tolist() == [1000] * 10
    assert len(set(y_train[:50, 0])) >= 8 and x_train[:1000].std() > 40  # mixed classes, real pictures
    assert not cifar.offline and "cifar10-jpeg.tar.gz" in cifar.source


@pytest.mark.slow  # needs the decoded copy of the test above
@needs_shared
def test_shared_cifar10_second_load_comes_from_the_cache(shared_cifar, monkeypatch):
    cifar, cache = shared_cifar
    monkeypatch.setenv("CNNVIZ_CACHE_DIR", str(cache))
    monkeypatch.setattr(data, "_decode_rgb", fail)
    monkeypatch.setattr(data.tarfile, "open", fail)
    assert_same(cifar, data.load_cifar10(data_dir=SHARED))


@pytest.mark.slow  # reads all 2,000 photos
@needs_shared
def test_shared_cats_vs_dogs_as_make_test_sees_it(monkeypatch):
    monkeypatch.setenv("CNNVIZ_DATA_DIR", str(SHARED))
    monkeypatch.setenv("CNNVIZ_OFFLINE", "1")
    ds = data.load_cats_vs_dogs(image_size=(64, 64), batch_size=64)
    assert not ds.offline and "cats-vs-dogs-train.tar.gz" in ds.source
    assert sum(totals(ds.counts).values()) + len(ds.skipped) == 2000 and min(totals(ds.counts).values()) > 900
    assert min(ds.counts["test"].values()) > 130 and min(ds.counts["val"].values()) > 130  # 15% of about 1,000 each
    images, labels = next(iter(ds.train))
    assert images.shape == (64, 64, 64, 3) and set(labels.numpy()) == {0, 1}
    small = data.load_cats_vs_dogs(image_size=(64, 64), max_per_class=8)
    assert totals(small.counts) == {"cats": 8, "dogs": 8}


def test_stale_dataset_views_are_removed_the_current_and_recent_ones_kept(tmp_path, data_env):
    """Every seed or split makes new folders of links ("views"); those unused for two days go, nothing else."""
    import os
    import time

    folder = pets_folder(tmp_path / "pets", n=6)
    photos_before = sorted(folder.rglob("*.jpg"))
    old = data.image_folder_datasets(folder, (16, 16), seed=1).folders
    recent = data.image_folder_datasets(folder, (16, 16), seed=2).folders
    views = data_env / "views"
    stray, half_built = views / "my notes", views / ".0123456789abcdef-k2j4"  # not ours; an interrupted build
    stray.mkdir()
    half_built.mkdir()
    now = time.time()
    for path, age in [
        *[(v / ".complete", 3 * 86400) for v in old.values()],
        (stray, 3 * 86400),
        (half_built, 3 * 86400),
        *[(v / ".complete", 3600) for v in recent.values()],
    ]:
        os.utime(path, (now - age, now - age))
    current = data.image_folder_datasets(folder, (16, 16), seed=3).folders
    left = {p.name for p in views.iterdir()}
    assert left == {v.name for v in (*current.values(), *recent.values())} | {"my notes"}
    assert sorted(folder.rglob("*.jpg")) == photos_before  # links removed, never the photos
    assert data._clean_views(current.values(), now=now + 3 * 86400) == sorted(recent.values())  # recent, once stale
    assert {p.name for p in views.iterdir()} == {v.name for v in current.values()} | {"my notes"}
