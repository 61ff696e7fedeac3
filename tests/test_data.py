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

from cnnviz import data

SHARED = Path("/work/shared/data")
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


def pets_folder(root, classes=("cats", "dogs"), n=6):
    """Write class folders of noisy JPEGs of varied sizes, one colour per class."""
    for k, name in enumerate(classes):
        for i in range(n):
            jpeg(root / name / f"{name[:-1]}.{i}.jpg", [(200, 60, 30), (30, 60, 200)][k % 2],
                 size=(40 + 3 * i, 30 + 2 * i), noise=10, seed=i)
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


# ------------------------------------------------------------------ CIFAR-10

def test_class_names_follow_keras_label_order():
    assert data.CIFAR10_CLASSES == ["airplane", "automobile", "bird", "cat", "deer",
                                    "dog", "frog", "horse", "ship", "truck"]


def test_cifar10_from_image_folder_matches_keras_shapes_and_labels(tmp_path):
    folder = cifar_folder(tmp_path / "copy")
    cifar = data.load_cifar10(data_dir=folder)
    (x_train, y_train), (x_test, y_test) = cifar
    assert (x_train.shape, x_train.dtype, y_train.shape, y_train.dtype) == ((30, 32, 32, 3), np.uint8, (30, 1), np.uint8)
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
        batches[name] = {b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
                         b"labels": rng.integers(0, 10, n).tolist()}
        (folder / name).write_bytes(pickle.dumps(batches[name]))
    return batches


def test_cifar10_from_original_batches_folder_and_archive(tmp_path, monkeypatch):
    batches = write_batches(tmp_path / "data" / "cifar-10-batches-py", np.random.default_rng(1))
    cifar = data.load_cifar10(data_dir=tmp_path / "data")
    (x_train, y_train), (x_test, y_test) = cifar
    assert (x_train.shape, y_train.shape, x_test.shape, y_test.dtype) == ((20, 32, 32, 3), (20, 1), (3, 32, 32, 3), np.uint8)
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
    assert (x_train.dtype, x_train.shape[1:], y_train.dtype, y_train.shape[1:]) == (np.uint8, (32, 32, 3), np.uint8, (1,))
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

    fake = ((np.zeros((5, 32, 32, 3), np.uint8), np.ones((5, 1), np.uint8)),
            (np.zeros((2, 32, 32, 3), np.uint8), np.ones((2, 1), np.uint8)))
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
    ds = data.image_folder_datasets(folder, image_size=(24, 24), batch_size=4, validation_split=0.25, seed=1)
    assert ds.class_names == ["benign", "malignant"] and ds.counts == {"benign": 8, "malignant": 9}
    assert ds.root == folder and ds.skipped == [] and not ds.offline
    x_train, y_train = all_batches(ds.train)
    x_val, y_val = all_batches(ds.val)
    assert x_train.shape[1:] == (24, 24, 3) and len(x_train) + len(x_val) == 17 and len(x_val) == 4
    assert y_train.dtype == np.int32 and set(np.concatenate([y_train, y_val])) == {0, 1}
    red_first = x_train[..., 0].mean(axis=(1, 2)) > x_train[..., 2].mean(axis=(1, 2))
    assert np.array_equal(red_first, y_train == 0), "labels must follow the class folders"
    assert data.image_folder_datasets(folder, (24, 24), 4, 0, 1).val is None


def write_bad_files(folder):
    """Add files that are not decodable images to a cats/dogs folder; return them sorted."""
    good = folder / "cats" / "cat.0.jpg"
    bad = [folder / "cats" / "truncated.jpg", folder / "dogs" / "text.jpg",
           folder / "dogs" / "empty.png", folder / "dogs" / "tiff.jpg"]
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
    assert ds.skipped == bad and ds.counts == {"cats": 6, "dogs": 6} and ds.root != folder
    assert sorted(p.name for p in (ds.root / "dogs").iterdir()) == [f"dog.{i}.jpg" for i in range(6)]
    assert len(all_batches(ds.train)[0]) + len(all_batches(ds.val)[0]) == 12  # decodes every file


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


def test_max_per_class_links_the_first_files_deterministically(tmp_path):
    folder = pets_folder(tmp_path / "pets", n=9)
    ds = data.image_folder_datasets(folder, image_size=(16, 16), batch_size=4, max_per_class=4)
    assert ds.counts == {"cats": 4, "dogs": 4} and ds.root != folder
    cats = sorted((ds.root / "cats").iterdir())
    assert [p.name for p in cats] == sorted(p.name for p in (folder / "cats").iterdir())[:4]
    assert all(p.is_symlink() and p.resolve().parent == (folder / "cats").resolve() for p in cats)
    again = data.image_folder_datasets(folder, image_size=(16, 16), batch_size=4, max_per_class=4)
    assert again.root == ds.root
    assert len(all_batches(ds.train)[0]) + len(all_batches(ds.val)[0]) == 8


# ------------------------------------------------------------------ cats vs dogs

def test_cats_vs_dogs_from_shared_layout_archive_unpacked_once(tmp_path, monkeypatch, data_env):
    pets_folder(tmp_path / "src" / "training_set")
    archive = tar_gz(tmp_path / "src", tmp_path / "data" / "cats-vs-dogs-train.tar.gz")
    pin(monkeypatch, archive)
    monkeypatch.setenv("CNNVIZ_DATA_DIR", str(tmp_path / "data"))
    ds = data.load_cats_vs_dogs(image_size=(32, 32), batch_size=4)
    assert ds.class_names == ["cats", "dogs"] and ds.counts == {"cats": 6, "dogs": 6}
    assert ds.root == data_env / "cats-vs-dogs-train" / "training_set" and "cats-vs-dogs-train.tar.gz" in ds.source
    images, labels = next(iter(ds.train))
    assert images.shape[1:] == (32, 32, 3) and labels.dtype.name == "int32"
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
    assert ds.root == root and ds.class_names == ["cats", "dogs"] and ds.counts == {"cats": 6, "dogs": 6}


def classroom_zip(tmp_path):
    """Write a small cats_and_dogs_filtered.zip (train/ and validation/) and return its path."""
    src = tmp_path / "zipsrc" / "cats_and_dogs_filtered"
    pets_folder(src / "train", n=6)
    pets_folder(src / "validation", n=3)
    archive = tmp_path / "server" / "cats_and_dogs_filtered.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(src.rglob("*.jpg")):
            z.write(path, path.relative_to(src.parent).as_posix())
    return archive


def test_cats_vs_dogs_download_uses_keras_get_file_and_its_validation_folder(tmp_path, monkeypatch):
    archive = classroom_zip(tmp_path)
    monkeypatch.setattr(data, "CATS_DOGS_URL", archive.as_uri())
    pin(monkeypatch, archive)
    keras_cache = tmp_path / "keras"
    monkeypatch.setattr(data, "download_with_checksum",
                        functools.partial(data.download_with_checksum, cache_dir=keras_cache))
    ds = data.load_cats_vs_dogs(image_size=(32, 32), batch_size=4, offline=False)
    assert (keras_cache / "datasets" / "cats_and_dogs_filtered.zip").is_file()
    assert ds.root.parts[-2:] == ("cats_and_dogs_filtered", "train") and ds.val_root.name == "validation"
    assert ds.counts == {"cats": 9, "dogs": 9} and archive.as_uri() in ds.source and not ds.offline
    assert len(all_batches(ds.val)[0]) == 6
    small = data.load_cats_vs_dogs(image_size=(32, 32), batch_size=4, offline=False, max_per_class=5)
    assert small.counts == {"cats": 5, "dogs": 5} and len(all_batches(small.val)[0]) == 2


def test_download_with_wrong_checksum_names_file_and_both_hashes(tmp_path):
    archive = classroom_zip(tmp_path)
    with pytest.raises(data.ChecksumError) as err:
        data.download_with_checksum(archive.as_uri(), "thing.zip", "0" * 64, cache_dir=tmp_path / "k")
    message = str(err.value)
    assert str(tmp_path / "k" / "datasets" / "thing.zip") in message and "0" * 64 in message
    assert data._sha256(archive) in message and archive.as_uri() in message


def test_cats_vs_dogs_failed_download_says_how_to_get_the_data(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "CATS_DOGS_URL", (tmp_path / "missing.zip").as_uri())
    monkeypatch.setattr(data, "download_with_checksum",
                        functools.partial(data.download_with_checksum, cache_dir=tmp_path / "k"))
    with pytest.raises(data.DatasetUnavailableError) as err:
        data.load_cats_vs_dogs()
    message = str(err.value)
    assert "missing.zip" in message and "CNNVIZ_DATA_DIR" in message and "CNNVIZ_OFFLINE=1" in message


def test_cats_vs_dogs_offline_stand_in_is_loud_and_real_jpeg_files(monkeypatch, capsys):
    monkeypatch.setenv("CNNVIZ_OFFLINE", "1")
    ds = data.load_cats_vs_dogs(image_size=(64, 64), batch_size=8, max_per_class=20)
    assert "NOT the real cats vs dogs" in capsys.readouterr().out
    assert ds.offline and "OFFLINE" in ds.source and ds.class_names == ["cats", "dogs"]
    assert ds.counts == {"cats": 20, "dogs": 20}
    files = sorted((ds.root / "cats").iterdir())
    assert len(files) == 20 and all(Image.open(p).format == "JPEG" for p in files)
    x, y = all_batches(ds.train)
    face = x[:, 26:38, 26:38].astype(float)  # the middle of the picture is the face
    redness = np.median(face[..., 0] - face[..., 2], axis=(1, 2))
    assert np.array_equal(redness > 135, y == 0), "orange cat faces, brown dog faces"
    assert data.load_cats_vs_dogs(image_size=(64, 64)).counts == {"cats": 100, "dogs": 100}


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


@needs_shared
def test_shared_cifar10_is_complete(shared_cifar):
    cifar, _ = shared_cifar
    (x_train, y_train), (x_test, y_test) = cifar
    assert (x_train.shape, x_train.dtype, y_train.shape, y_train.dtype) == ((50000, 32, 32, 3), np.uint8, (50000, 1), np.uint8)
    assert (x_test.shape, y_test.shape) == ((10000, 32, 32, 3), (10000, 1))
    assert np.bincount(y_train[:, 0]).tolist() == [5000] * 10 and np.bincount(y_test[:, 0]).tolist() == [1000] * 10
    assert len(set(y_train[:50, 0])) >= 8 and x_train[:1000].std() > 40  # mixed classes, real pictures
    assert not cifar.offline and "cifar10-jpeg.tar.gz" in cifar.source


@needs_shared
def test_shared_cifar10_second_load_comes_from_the_cache(shared_cifar, monkeypatch):
    cifar, cache = shared_cifar
    monkeypatch.setenv("CNNVIZ_CACHE_DIR", str(cache))
    monkeypatch.setattr(data, "_decode_rgb", fail)
    monkeypatch.setattr(data.tarfile, "open", fail)
    assert_same(cifar, data.load_cifar10(data_dir=SHARED))


@needs_shared
def test_shared_cats_vs_dogs_as_make_test_sees_it(monkeypatch):
    monkeypatch.setenv("CNNVIZ_DATA_DIR", str(SHARED))
    monkeypatch.setenv("CNNVIZ_OFFLINE", "1")
    ds = data.load_cats_vs_dogs(image_size=(64, 64), batch_size=64)
    assert not ds.offline and "cats-vs-dogs-train.tar.gz" in ds.source
    assert sum(ds.counts.values()) + len(ds.skipped) == 2000 and min(ds.counts.values()) > 900
    images, labels = next(iter(ds.train))
    assert images.shape == (64, 64, 64, 3) and set(labels.numpy()) == {0, 1}
    small = data.load_cats_vs_dogs(image_size=(64, 64), max_per_class=8)
    assert small.counts == {"cats": 8, "dogs": 8} and small.root != ds.root
