"""The README's table "Bad input, and what the user sees", tried row by row.

Each row of the table is a case here, keyed by the row's first column; the case gives the bad input and
returns what the user sees (the error, warning or banner text). The test checks that every backticked
message of the row's second column (``...`` stands for any text) is in what the user really sees, and
that the table and the cases name the same inputs, so neither can drift from the other.
"""

import errno
import io
import pickle
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cnnviz import config, data, metrics, ops, photos, weights, widgets, xo

README = Path(__file__).resolve().parents[1] / "README.md"


def _table():
    """Return {input: message cell} of the README's bad-input table."""
    text = README.read_text()
    section = text.split("## Bad input, and what the user sees", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and not line.startswith("| input |")]
    cells = [[c.strip() for c in re.split(r"(?<!\\)\|", row)[1:-1]] for row in rows if not set(row) <= set("|- ")]
    return {c[0]: c[1] for c in cells}


def _said(call):
    """Return 'Type: message' of the exception ``call()`` raises (it must raise)."""
    try:
        call()
    except Exception as err:  # noqa: BLE001 (what the user sees, whatever its type)
        return f"{type(err).__name__}: {err}"
    raise AssertionError("no error was raised")


def _png(array):
    buf = io.BytesIO()
    Image.fromarray(np.asarray(array, dtype=np.uint8)).save(buf, format="png")
    return buf.getvalue()


def _jpeg(array, mode=None):
    buf = io.BytesIO()
    image = Image.fromarray(np.asarray(array, dtype=np.uint8))
    (image.convert(mode) if mode else image).save(buf, format="JPEG")
    return buf.getvalue()


def _pets(root, classes=("cats", "dogs"), n=6):
    """Write class folders of small photos (a different colour per class) and return the folder."""
    rng = np.random.default_rng(0)
    for k, name in enumerate(classes):
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            (root / name / f"{i}.png").write_bytes(_png(rng.integers(0, 256, (40, 48, 3)) // 2 + 100 * k))
    return root


def _cifar_batches(folder):
    """Write tiny CIFAR-10 Python batches (the original layout) into ``folder``."""
    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for name, n in [(f"data_batch_{i}", 4) for i in range(1, 6)] + [("test_batch", 3)]:
        batch = {b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8), b"labels": rng.integers(0, 10, n).tolist()}
        (folder / name).write_bytes(pickle.dumps(batch))
    return folder


class _RunsCode:
    """Pickled, names open(): plain pickle.load would create the file ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return open, (self.marker, "w")


def _no_space(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


# ------------------------------------------------------------------ the rows


def size_int(tmp, mp):
    return _said(lambda: data.load_cats_vs_dogs(image_size=160))


def size_float_or_text(tmp, mp):
    return (
        _said(lambda: data.load_cats_vs_dogs(image_size=(160.7, 160)))
        + "\n"
        + _said(lambda: data.load_cats_vs_dogs(image_size=("64", "64")))
    )


def stride_float(tmp, mp):
    return (
        _said(lambda: ops.conv2d(np.zeros((5, 5)), np.ones((3, 3)), stride=1.5))
        + "\n"
        + _said(lambda: ops.conv2d(np.zeros((5, 5)), np.ones((3, 3)), stride=True))
    )


def wrong_mode(tmp, mp):
    mp.setenv("CNNVIZ_MODE", "fast")
    return _said(config.mode)


def missing_data_dir(tmp, mp):
    mp.setenv("CNNVIZ_DATA_DIR", str(tmp / "usb-stick"))
    return _said(data.load_cats_vs_dogs)


def damaged_archive(tmp, mp):
    (tmp / "copy").mkdir()
    (tmp / "copy" / "cats-vs-dogs-train.tar.gz").write_bytes(b"the first megabyte of a download cut short")
    return _said(lambda: data.load_cats_vs_dogs(data_dir=tmp / "copy"))


def empty_folder(tmp, mp):
    (tmp / "photos").mkdir()
    return _said(lambda: data.image_folder_datasets(tmp / "photos"))


def one_class(tmp, mp):
    return _said(lambda: data.image_folder_datasets(_pets(tmp / "photos", classes=("cats",))))


def two_photos(tmp, mp):
    return _said(lambda: data.image_folder_datasets(_pets(tmp / "photos", n=2)))


def corrupt_image(tmp, mp):
    pytest.importorskip("tensorflow")
    folder = _pets(tmp / "photos")
    whole = (folder / "cats" / "0.png").read_bytes()
    (folder / "cats" / "cut.png").write_bytes(whole[: len(whole) // 2])
    (folder / "dogs" / "notes.jpg").write_text("not a photo")
    with pytest.warns(data.BadImageWarning) as caught:
        ds = data.image_folder_datasets(folder, (16, 16), val_split=0.34, test_split=0.0)
    assert sum(len(x) for x, _ in ds.train) + sum(len(x) for x, _ in ds.val) == 12  # the good photos, all read
    return f"{caught[0].category.__name__}: {caught[0].message}"


def other_files(tmp, mp):
    pytest.importorskip("tensorflow")
    folder = _pets(tmp / "photos")
    for extra in ("notes.txt", ".DS_Store", "Thumbs.db"):
        (folder / "cats" / extra).write_text("not a photo")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning either: these are not photos, and are not taken for photos
        ds = data.image_folder_datasets(folder, (16, 16), val_split=0.34, test_split=0.0)
    total = {name: ds.counts["train"][name] + ds.counts["val"][name] for name in ds.class_names}
    return f"no message: they are not read (photos per class: {total})"


def grey_or_cmyk(tmp, mp):
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(0)
    grey, cmyk = _jpeg(rng.integers(0, 256, (64, 64))), _jpeg(rng.integers(0, 256, (64, 64, 3)), "CMYK")
    seen = []
    for raw in (grey, cmyk):
        uploaded = photos.decode_photo(raw)
        trained = tf.io.decode_image(raw, channels=3, expand_animations=False).numpy()  # training's decoder
        assert uploaded.shape == trained.shape == (64, 64, 3)
        seen.append(int(np.abs(uploaded.astype(int) - trained).max()))
    assert max(seen) <= 2  # upload and training read it alike (JPEG decoders differ by a level or two)
    return "no message: it is read as RGB, three channels, like any photo"


def not_an_image(tmp, mp):
    return _said(lambda: photos.decode_photo(b"%PDF-1.4 a document, not a photo", (160, 160)))


def half_a_jpeg(tmp, mp):
    whole = _jpeg(np.zeros((64, 64, 3)))
    return _said(lambda: photos.decode_photo(whole[: len(whole) // 3], (160, 160)))


def tiny_photo(tmp, mp):
    return _said(lambda: photos.decode_photo(_png(np.zeros((10, 10, 3))), (160, 160)))


def huge_photo(tmp, mp):
    mp.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # Pillow refuses twice its limit
    return _said(lambda: photos.decode_photo(_png(np.zeros((100, 100, 3))), (160, 160)))


def full_disk(tmp, mp):
    pytest.importorskip("tensorflow")
    cache = tmp / "cache"
    source = _cifar_batches(tmp / "copy" / "cifar-10-batches-py")
    real_save = np.save

    def half_then_full(f, array, *args, **kwargs):
        real_save(f, array[: len(array) // 2])  # part of the file reaches the disk, then it is full
        _no_space()

    mp.setattr(np, "save", half_then_full)
    cifar = _said(lambda: data.load_cifar10(data_dir=source.parent))
    assert not list(cache.glob("cifar10-*")), "a partial cache file was left behind"
    mp.setattr(data, "_link", _no_space)  # the folders of links for a split of a photo folder
    views = _said(lambda: data.image_folder_datasets(_pets(tmp / "photos"), (16, 16)))
    assert not [p for p in (cache / "views").iterdir()], "a half-built folder was left behind"
    mp.undo()
    assert data.load_cifar10(data_dir=source.parent)[0][0].shape == (20, 32, 32, 3)  # with room, it works
    return cifar + "\n" + views


def full_disk_saving_a_model(tmp, mp):
    pytest.importorskip("tensorflow")
    from cnnviz import store

    keras = config.keras_quietly()
    mp.setenv("CNNVIZ_MODE", "class")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    mp.setattr(keras.Model, "save", lambda self, path, *a, **k: (Path(path).write_bytes(b"PK"), _no_space()))
    said = _said(lambda: store.save_model(model, "cifar10"))
    assert not list((tmp / "cache" / "models").iterdir()), "a partial model file was left behind"
    return said


def old_model(tmp, mp):
    pytest.importorskip("tensorflow")
    from cnnviz import store

    path = store.saved_model_path("cifar10")
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PK\x03\x04 a model file of another course, cut short")
    out = io.StringIO()
    mp.setattr("sys.stdout", out)
    assert store.load_saved("cifar10") is None
    assert path.with_name("cifar10.unreadable.keras").is_file()
    return out.getvalue()


def wrong_weights(tmp, mp):
    (tmp / "w.pth").write_bytes(pickle.dumps({"weights": [1, 2, 3]}))
    return _said(lambda: weights.read_torch_legacy(tmp / "w.pth"))


def crafted_weights(tmp, mp):
    marker = tmp / "ran.txt"
    (tmp / "w.pth").write_bytes(pickle.dumps(_RunsCode(marker)))
    said = _said(lambda: weights.read_torch_legacy(tmp / "w.pth"))
    folder = _cifar_batches(tmp / "copy" / "cifar-10-batches-py")
    (folder / "data_batch_3").write_bytes(pickle.dumps({b"data": _RunsCode(marker)}))
    said += "\n" + _said(lambda: data.load_cifar10(data_dir=folder.parent))
    assert not marker.exists(), "the crafted file ran code"
    return said


def confusion_labels(tmp, mp):
    return _said(lambda: metrics.confusion_matrix([0, -1], [0, 1], 2))


def xo_pixels(tmp, mp):
    return _said(lambda: xo.predict(np.zeros((9, 9))))


def nan_pool(tmp, mp):
    return _said(lambda: ops.pool2d(np.array([[1.0, np.nan], [2.0, 3.0]])))


def class_names(tmp, mp):
    return _said(lambda: widgets.PhotoClassifier(lambda image: np.array([0.7]), (32, 32), ["cat", "dog", "bird"]))


CASES = {
    "`data.load_cats_vs_dogs(image_size=160)`": size_int,
    '`image_size=(160.7, 160)` or `image_size=("64", "64")`': size_float_or_text,
    "`ops.conv2d(image, kernel, stride=1.5)` or `stride=True`"
    " (any count: kernel, size, padding, n_classes...)": stride_float,
    "`CNNVIZ_MODE=fast` (a mode that does not exist)": wrong_mode,
    "`CNNVIZ_DATA_DIR` naming a folder that is not there (a USB stick not plugged in)": missing_data_dir,
    "a damaged or different dataset archive in the data folder (a download cut short)": damaged_archive,
    "an empty folder given to `data.image_folder_datasets`": empty_folder,
    "a folder with one class (`photos/cats/` and nothing else)": one_class,
    "a class folder with two photos": two_photos,
    "a corrupt or truncated image, or a text file named `.jpg`, in a class folder": corrupt_image,
    "other files in a class folder (`notes.txt`, `.DS_Store`, `Thumbs.db`)": other_files,
    "a grey-scale or CMYK photo (in a class folder, or uploaded)": grey_or_cmyk,
    "a file that is not an image, uploaded (a PDF, a Word file)": not_an_image,
    "half a JPEG (an upload cut short)": half_a_jpeg,
    "a photo too small (a 10x10 icon), uploaded": tiny_photo,
    'a photo larger than Pillow\'s safety limit (a "decompression bomb"), uploaded or decoded': huge_photo,
    "a full disk while caching a dataset (CIFAR-10's arrays, a split's folder of links)": full_disk,
    "a full disk while saving a trained model (05, 06)": full_disk_saving_a_model,
    "a saved model from an older version of the course or from another course (07 loads it)": old_model,
    "a weights file that is not ours for the pretrained backbone": wrong_weights,
    "a weights file or CIFAR-10 batch crafted to run code when read": crafted_weights,
    "`metrics.confusion_matrix([0, -1], [0, 1], 2)`": confusion_labels,
    "`xo.predict(np.zeros((9, 9)))`": xo_pixels,
    "`ops.pool2d` on a map holding NaN": nan_pool,
    "`widgets.PhotoClassifier` with three class names for a one-sigmoid model": class_names,
}


def test_the_table_and_the_cases_name_the_same_inputs():
    table = _table()
    assert len(table) >= 15
    assert sorted(table) == sorted(CASES), (
        f"in the README only: {sorted(set(table) - set(CASES))}; here only: {sorted(set(CASES) - set(table))}"
    )


@pytest.mark.parametrize("row", list(CASES))
def test_each_bad_input_gives_the_message_the_readme_shows(row, tmp_path, monkeypatch):
    monkeypatch.setenv("CNNVIZ_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CNNVIZ_DATA_DIR", raising=False)
    monkeypatch.setenv("CNNVIZ_OFFLINE", "1")
    seen = CASES[row](tmp_path, monkeypatch)
    quoted = re.findall(r"`([^`]+)`", _table()[row])
    assert quoted, f"the README row {row!r} quotes no message"
    seen = " ".join(seen.split())  # line breaks and indents as spaces, as the table writes them
    for message in quoted:
        pattern = ".*".join(re.escape(part) for part in message.split("..."))
        assert re.search(pattern, seen), f"the README says\n  {message}\nthe user sees\n  {seen}"
