"""Load the course's datasets: a local copy first, then a checked download, else small offline data.

- ``load_cifar10()`` returns ``(x_train, y_train), (x_test, y_test)`` exactly shaped as
  ``keras.datasets.cifar10.load_data()`` does, plus ``.class_names``, ``.source``, ``.offline``.
- ``load_cats_vs_dogs()`` and ``image_folder_datasets()`` return ``tf.data`` datasets built by
  ``keras.utils.image_dataset_from_directory`` with ``label_mode="int"``: labels are int32 class
  indices of shape (batch,), which suit both ``Dense(1, "sigmoid")`` + ``binary_crossentropy``
  and ``Dense(k, "softmax")`` + ``sparse_categorical_crossentropy``.

Where data comes from, in order: the ``data_dir`` argument or CNNVIZ_DATA_DIR (archives there are
checked and unpacked once into CNNVIZ_CACHE_DIR), then a download (skipped when CNNVIZ_OFFLINE=1),
then generated stand-in data, announced by a banner and ``.offline = True``. Decoded CIFAR-10
arrays are cached as .npy files. Keras is imported only where it is needed, so loading cached
CIFAR-10 arrays does not start TensorFlow.
"""

import codecs
import dataclasses
import errno
import hashlib
import io
import json
import os
import pickle
import re
import shutil
import tarfile
import tempfile
import time
import warnings
import zipfile
from pathlib import Path, PurePosixPath

import numpy as np
from PIL import Image, ImageDraw

from cnnviz import arguments, config, photos, weights

CIFAR10_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
CIFAR10_TRAIN = 50_000  # training images in CIFAR-10
CATS_DOGS_CLASSES = ["cats", "dogs"]
CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CATS_DOGS_URL = "https://storage.googleapis.com/mledu-datasets/cats_and_dogs_filtered.zip"
# sha256 of the archives this module reads. None: not pinned yet (zip CRCs still catch damage).
KNOWN_SHA256 = {
    "cifar10-jpeg.tar.gz": "d34c68f61cca57aa9144c8f25bda427abb9921bd642d5857a2fc1a6b4416f965",
    "cats-vs-dogs-train.tar.gz": "0887ddf3f6730a0d61805ff2bedb1e46a38fcd12ae9ac7e8794d2662a7b5b4f5",
    # the file keras.datasets.cifar10 downloads; Keras pins the same hash
    "cifar-10-python.tar.gz": "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
    "cats_and_dogs_filtered.zip": None,
}
IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")  # what image_dataset_from_directory lists
_TF_FORMATS = {"JPEG", "PNG", "GIF", "BMP", "WEBP"}  # what tf.io.decode_image decodes
_CACHE_VERSION = "cnnviz-data-1"
_SAFE_TAR = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}


class ChecksumError(ValueError):
    """Signal that a file's sha256 is not the expected one."""


class DatasetUnavailableError(RuntimeError):
    """Signal that no local copy was found and the download failed."""


class BadImageWarning(UserWarning):
    """Warn that some files are not decodable images and are left out."""


class CifarData(tuple):
    """Hold ``((x_train, y_train), (x_test, y_test))`` plus ``class_names``, ``source``, ``offline``."""

    def __new__(cls, x_train, y_train, x_test, y_test, source, offline=False):
        data = super().__new__(cls, ((x_train, y_train), (x_test, y_test)))
        data.class_names, data.source, data.offline = list(CIFAR10_CLASSES), source, offline
        return data

    def __reduce__(self):
        return CifarData, (*self[0], *self[1], self.source, self.offline)

    def __repr__(self):
        (x_train, _), (x_test, _) = self
        kind = "OFFLINE stand-in for CIFAR-10" if self.offline else "CIFAR-10"
        return (
            f"<{kind}: {len(x_train):,} train / {len(x_test):,} test images of shape "
            f"{x_train.shape[1:]} from {self.source}>"
        )


@dataclasses.dataclass
class ImageFolderData:
    """Training, validation and test ``tf.data`` datasets of a folder of class subfolders, and where they came from."""

    train: object
    val: object
    test: object
    class_names: list
    root: Path
    source: str
    offline: bool = False
    counts: dict = dataclasses.field(default_factory=dict)  # {split: {class: photos}}
    skipped: list = dataclasses.field(default_factory=list)
    folders: dict = dataclasses.field(default_factory=dict)  # {split: a folder of class subfolders holding its photos}


# ------------------------------------------------------------------ files, hashes, caches


def _fingerprint(paths):
    """Return a short key that changes when any of these files or folders changes."""
    digest = hashlib.sha1(_CACHE_VERSION.encode())
    for path in paths:
        stat = Path(path).stat()
        digest.update(f"{Path(path).resolve()}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:16]


def _sha256(path):
    """Return the sha256 hex digest of a file."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_checksum(path, sha256, url=None):
    """Raise ChecksumError unless the file's sha256 is ``sha256`` (None skips the check)."""
    if sha256 is None:
        return
    actual = _sha256(path)
    if actual != sha256.lower():
        again = f"download it again from {url}" if url else "get a fresh copy"
        raise ChecksumError(
            f"Checksum mismatch for {Path(path).name}: the file is incomplete, damaged or a "
            f"different version.\n  file:     {path}\n  expected: sha256 {sha256}\n"
            f"  actual:   sha256 {actual}\nDelete the file and {again}; check a copy fetched by "
            f"hand with `sha256sum {Path(path).name}` before putting it in CNNVIZ_DATA_DIR."
        )


def _stem(name):
    """Return an archive's name without its archive suffix."""
    for suffix in (".tar.gz", ".tgz", ".tar", ".zip"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def raise_if_disk_full(err, what):
    """Raise a clear OSError when ``err`` is a full disk (or quota) while writing ``what``; else return.

    Args:
        err: the OSError a write raised.
        what: what was being written (a path), for the message.

    Raises:
        OSError: with the same errno, saying what to do, when the disk is full.
    """
    if getattr(err, "errno", None) in (errno.ENOSPC, errno.EDQUOT):
        raise OSError(
            err.errno,
            f"the disk is full: could not write {what} ({err.strerror or err}). Nothing "
            "half-written was kept. Free some space, or set CNNVIZ_CACHE_DIR to a folder on a disk with "
            f"room (the cache is now {config.cache_dir()}), then run the cell again.",
        ) from err


def _build_once(target, stamp, fill):
    """Return folder ``target``, first building it with ``fill(tmp)`` unless built with this stamp."""
    done = target / ".complete"
    if done.is_file() and done.read_text() == stamp:
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        fill(tmp)
        (tmp / ".complete").write_text(stamp)  # written last: a folder without it is never used
        shutil.rmtree(target, ignore_errors=True)
        try:
            os.replace(tmp, target)
        except OSError:  # another process finished the same folder first
            if not (done.is_file() and done.read_text() == stamp):
                raise
    except OSError as err:
        raise_if_disk_full(err, target)
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def unpack_once(archive, target=None):
    """Check an archive's known sha256 and unpack it into ``target`` once; return ``target``."""
    archive = Path(archive)
    target = Path(target) if target else config.cache_dir() / _stem(archive.name)

    def fill(tmp):
        verify_checksum(archive, KNOWN_SHA256.get(archive.name))
        try:
            shutil.unpack_archive(archive, tmp, **({} if archive.suffix == ".zip" else _SAFE_TAR))
        except (tarfile.TarError, zipfile.BadZipFile, EOFError, ValueError) as err:
            raise ValueError(
                f"Cannot unpack {archive}: {err}. The file is damaged or incomplete: delete it and get a fresh copy."
            ) from err

    return _build_once(target, _fingerprint([archive]), fill)


def download_with_checksum(url, fname, sha256=None, extract=False, cache_dir=None):
    """Download ``url`` once into the Keras cache (progress bar), check its sha256, maybe unpack it."""
    # cache_dir defaults to Keras' own (~/.keras, or KERAS_HOME); files land in its datasets/.
    keras = config.keras_quietly()

    if cache_dir is not None:  # get_file falls back to /tmp/.keras for a folder it cannot write
        Path(cache_dir).mkdir(parents=True, exist_ok=True)
    try:
        path = Path(keras.utils.get_file(fname, origin=url, cache_dir=cache_dir))
    except Exception as err:  # no network, HTTP error, interrupted transfer, ...
        raise DatasetUnavailableError(f"Could not download {url}: {err}") from err
    verify_checksum(path, sha256, url)
    return unpack_once(path, path.parent / _stem(fname)) if extract else path


def _data_dir(data_dir):
    """Return (folder to search or None, whether the caller named it) after checking it exists."""
    named = data_dir is not None
    folder = Path(data_dir).expanduser() if named else config.data_dir()
    if folder is not None and not folder.is_dir():
        what = "data_dir" if named else "CNNVIZ_DATA_DIR"
        raise FileNotFoundError(
            f"{what}={folder} is not an existing folder: point it at the folder "
            "that holds the dataset copy, or unset it."
        )
    return folder, named


def _banner(name, reason, what):
    """Print a loud notice that generated stand-in data replaces the real dataset."""
    line = "=" * 78
    print(
        f"{line}\nOFFLINE DATA - this is NOT the real {name}.\n{what}\nWhy: {reason}\n"
        "For the real data: set CNNVIZ_DATA_DIR to a folder holding a copy, or unset "
        f"CNNVIZ_OFFLINE to download it.\n{line}"
    )


def _why_offline(folder):
    """Return why a loader falls back to offline data."""
    where = f"CNNVIZ_DATA_DIR={folder} holds no copy" if folder else "CNNVIZ_DATA_DIR is not set"
    return f"offline mode (CNNVIZ_OFFLINE=1 or offline=True) and {where}."


def _by_hand(name, url, err, layout):
    """Return the message telling how to put a dataset on this machine without a download."""
    return (
        f"Could not download {name}: {err}\nTo put it on this machine by hand: on a computer "
        f"with internet, download\n  {url}\ncopy it into a folder here ({layout}), then set "
        "CNNVIZ_DATA_DIR to that folder (or pass data_dir=...).\nTo work without the real "
        "data, set CNNVIZ_OFFLINE=1: the loaders then return small generated stand-in data."
    )


# ------------------------------------------------------------------ image files


def _image_files(folder):
    """Return the sorted files under a folder whose suffix marks an image."""
    return sorted(p for p in Path(folder).rglob("*") if p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file())


def _images_in(class_dir):
    """Return the sorted image files under a class folder; raise when there are none."""
    if not class_dir.is_dir():
        raise FileNotFoundError(f"Class folder {class_dir} does not exist.")
    files = _image_files(class_dir)
    if not files:
        raise ValueError(
            f"Class folder {class_dir} holds no images ({' '.join(IMAGE_EXTENSIONS)}): add images or remove the folder."
        )
    return files


def _class_images(folder, class_names=None):
    """Return {class: sorted image files} for a folder of class subfolders."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"Dataset folder {folder} does not exist.")
    names = class_names or sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not names:
        raise ValueError(
            f"{folder} has no class subfolders: put the images in one subfolder per "
            f"class, e.g. {folder}/cats/*.jpg and {folder}/dogs/*.jpg."
        )
    return {name: _images_in(folder / name) for name in names}


def _decodes(path):
    """Return True when Pillow verifies and decodes the file and TensorFlow reads its format."""
    try:
        with Image.open(path) as image:
            image.verify()  # structure and PNG chunk CRCs
        with Image.open(path) as image:
            if image.format not in _TF_FORMATS or (image.format == "BMP" and image.mode == "1"):
                return False
            image.draft("RGB", (1, 1))  # JPEG: decode at 1/8 scale, still reading every byte
            image.load()
        return True
    except Exception:  # unidentified, truncated, corrupt, decompression bomb, ...
        return False


class _DecodeMemo:
    """Remember which files decoded, by size and mtime, in the cache folder between runs."""

    def __init__(self):
        self.path = config.cache_dir() / "decodable-images.json"
        try:
            self.known = json.loads(self.path.read_text())
        except (OSError, ValueError):
            self.known = {}
        self.changed = False

    def ok(self, path):
        """Return True when the file decodes, trusting earlier results for unchanged files."""
        stat = path.stat()
        key, stamp = str(path.absolute()), f"{stat.st_size}:{stat.st_mtime_ns}"
        if self.known.get(key) == stamp:
            return True
        good = _decodes(path)
        if good:
            self.known[key], self.changed = stamp, True
        return good

    def save(self):
        """Write the memo back if it changed."""
        if self.changed:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            try:
                tmp.write_text(json.dumps(self.known))
                os.replace(tmp, self.path)
            except OSError:  # a full disk: the memo only saves time, the next run checks the files again
                tmp.unlink(missing_ok=True)


def find_bad_images(folder):
    """Return the image files (by extension) under ``folder`` that would not decode in training."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"Dataset folder {folder} does not exist.")
    memo = _DecodeMemo()
    bad = [p for p in _image_files(folder) if not memo.ok(p)]
    memo.save()
    return bad


def _warn_bad(bad):
    """Warn, naming them, about files left out because they do not decode."""
    if bad:
        names = "\n  ".join([str(p) for p in bad[:20]] + ([f"... and {len(bad) - 20} more"] if len(bad) > 20 else []))
        warnings.warn(
            f"Skipping {len(bad)} file(s) that are not decodable images (truncated, empty, "
            f"or not an image):\n  {names}\nDelete or replace them to silence this warning.",
            BadImageWarning,
            stacklevel=3,
        )


def _usable_images(folder, cap=None, class_names=None):
    """Return ({class: first ``cap`` decodable files}, undecodable files met, whether any were dropped)."""
    chosen, bad, memo, dropped = {}, [], _DecodeMemo(), False
    for name, files in _class_images(folder, class_names).items():
        good = []
        for path in files:
            if cap and len(good) >= cap:
                dropped = True
                break
            (good if memo.ok(path) else bad).append(path)
        if not good:
            raise ValueError(f"Class folder {Path(folder) / name} holds no decodable images.")
        chosen[name] = good
    memo.save()
    return chosen, bad, dropped or bool(bad)


def _link(src, dst):
    """Link dst to src (symlink; copy where symlinks are not allowed)."""
    try:
        os.symlink(src.resolve(), dst)
    except OSError:
        shutil.copy2(src, dst)


def _link_view(files_by_class):
    """Return a cached folder holding links to exactly these files, one subfolder per class."""
    listing = "\n".join(f"{name}\t{p.absolute()}" for name, paths in files_by_class.items() for p in paths)
    key = hashlib.sha1(listing.encode()).hexdigest()[:16]

    def fill(tmp):
        for name, paths in files_by_class.items():
            (tmp / name).mkdir()
            for i, path in enumerate(paths):
                dst = tmp / name / path.name
                _link(path, dst if not dst.exists() else dst.with_name(f"{i}_{path.name}"))

    view = _build_once(config.cache_dir() / "views" / key, key, fill)
    os.utime(view / ".complete")  # marks its last use, for _clean_views
    return view


VIEW_UNUSED_S = 2 * 24 * 3600  # a view unused this long is removed (a kernel may train for hours on one)
_VIEW_NAME = re.compile(r"^\.?[0-9a-f]{16}(-.*)?$")  # a view, or a half-built one (_build_once's temporary folder)


def _clean_views(keep, now=None):
    """Remove the cached dataset views other than ``keep`` that nobody used for ``VIEW_UNUSED_S`` seconds.

    Every new seed, split or photo cap makes a new view (a folder of links, or of copies where links are
    not allowed), so old ones pile up. A view still in use by another running notebook is never older
    than its last use, so only views left alone for two days go; only folders named as views are
    touched, and removing a view removes its links, never the photos they point to.

    Args:
        keep: the views in use now (paths).
        now: the time to measure from (seconds since the epoch), default the current time.

    Returns:
        The list of views removed.
    """
    root = config.cache_dir() / "views"
    keep = {Path(p).resolve() for p in keep}
    now = time.time() if now is None else now
    removed = []
    for view in sorted(root.iterdir()) if root.is_dir() else []:
        if not _VIEW_NAME.match(view.name) or view.is_symlink() or not view.is_dir() or view.resolve() in keep:
            continue
        stamp = view / ".complete"
        try:
            last_use = (stamp if stamp.is_file() else view).stat().st_mtime
        except OSError:  # removed meanwhile by another process
            continue
        if now - last_use > VIEW_UNUSED_S:
            shutil.rmtree(view, ignore_errors=True)
            removed.append(view)
    return removed


# ------------------------------------------------------------------ folders -> tf.data

SPLITS = ("train", "val", "test")


def _split_files(files, val_split, test_split, seed, has_test_folder):
    """Cut each class's files (shuffled with ``seed``) into {"train", "val", "test"} lists; test first."""
    for name, share in (("val_split", val_split), ("test_split", test_split)):
        if not 0 <= share < 1:
            raise ValueError(f"{name} is a share of the photos, from 0 to below 1; got {share!r}")
    if val_split + (0 if has_test_folder else test_split) >= 1:
        raise ValueError(
            f"val_split {val_split} + test_split {test_split} leave no training photos; keep their sum below 1"
        )
    out = {split: {} for split in SPLITS}
    rng = np.random.default_rng(seed)
    for name, paths in files.items():
        paths = [paths[k] for k in rng.permutation(len(paths))]
        n_test = 0 if has_test_folder else round(test_split * len(paths))
        n_val = round(val_split * len(paths))
        if (
            len(paths) - n_test - n_val < 1
            or (val_split and n_val < 1)
            or (test_split and not has_test_folder and n_test < 1)
        ):
            raise ValueError(
                f"class {name!r} has only {len(paths)} usable photos: too few to split into "
                f"training, validation ({val_split:.0%}) and test ({test_split:.0%}) photos; "
                "add photos to it, or lower val_split and test_split"
            )
        out["test"][name] = sorted(paths[:n_test])
        out["val"][name] = sorted(paths[n_test : n_test + n_val])
        out["train"][name] = sorted(paths[n_test + n_val :])
    return out


def image_folder_datasets(
    folder,
    image_size=(160, 160),
    batch_size=32,
    val_split=0.15,
    test_split=0.15,
    seed=42,
    max_per_class=None,
    test_folder=None,
    class_names=None,
):
    """Return training, validation and test ``tf.data`` datasets of a folder of class subfolders.

    Each class's photos are shuffled with ``seed`` and cut: ``test_split`` of them become test
    photos, ``val_split`` validation photos, the rest training photos. With ``test_folder`` (for
    example the validation folder of Keras' cats_and_dogs_filtered archive) the test photos come
    from there instead. Files that do not decode are skipped with a warning naming them. Images
    are uint8 (0-255 pixels, resized to ``image_size``); labels are int32 class indices (class
    names are the folder names, sorted). Training batches are reshuffled every epoch; validation
    and test batches keep one order.

    Args:
        folder: a folder with one subfolder of photos per class.
        image_size: (height, width) of the images the datasets yield.
        batch_size: images per batch.
        val_split: share of each class held out for validation (choosing checkpoints, settings).
        test_split: share held out for the final test (ignored with ``test_folder``).
        seed: the seed of the split and of the training shuffle.
        max_per_class: keep at most this many photos per class (quick runs), or None for all.
        test_folder: a folder with the same class subfolders holding the test photos, or None.
        class_names: the class folders to use (default: all subfolders).

    Returns:
        An ``ImageFolderData`` with ``.train``, ``.val``, ``.test`` (None for a split given a share of 0),
        ``.class_names``, ``.counts``
        ({split: {class: photos}}), ``.source``, ``.offline``, ``.skipped``, and ``.folders``
        ({split: a cached folder of class subfolders linking to exactly that split's photos}, for
        ``keras.utils.image_dataset_from_directory``).

    Raises:
        ValueError: for an image_size that is not (height, width), shares that leave no training
            photos, a class with too few photos, or a class folder without a decodable image.
    """
    image_size = arguments.size_pair(image_size)
    if max_per_class is not None:
        max_per_class = arguments.whole_number(max_per_class, "max_per_class", meaning="or None for all photos")
    test_cap = max(1, round(max_per_class * test_split)) if max_per_class and test_folder is not None else None
    files, bad, _ = _usable_images(folder, max_per_class and max_per_class - (test_cap or 0), class_names)
    names = list(files)
    if len(names) < 2:
        raise ValueError(
            f"{folder} holds one class folder ({names[0]!r}): a classifier needs at least two classes; "
            "put the photos of each class in a subfolder of its own, e.g. cats/ and dogs/"
        )
    split = _split_files(files, val_split, test_split, seed, test_folder is not None)
    if test_folder is not None:  # at most max_per_class photos per class in all three splits together
        split["test"], test_bad, _ = _usable_images(test_folder, test_cap, names)
        bad = bad + test_bad
    _warn_bad(bad)
    keras = config.keras_quietly()

    folders = {part: _link_view(split[part]) for part in SPLITS if any(split[part].values())}
    _clean_views(folders.values())

    def load(part):
        if part not in folders:
            return None  # a share of 0: no dataset for that split
        ds = keras.utils.image_dataset_from_directory(
            folders[part],
            label_mode="int",
            class_names=names,
            image_size=image_size,
            batch_size=batch_size,
            shuffle=part == "train",
            seed=seed,
            verbose=False,
        )
        return ds.map(lambda x, y: (keras.ops.cast(keras.ops.round(x), "uint8"), y))  # 4x less memory than float32

    counts = {part: {name: len(split[part][name]) for name in names} for part in SPLITS}
    return ImageFolderData(
        load("train"), load("val"), load("test"), names, Path(folder), f"folder {folder}", False, counts, bad, folders
    )


# ------------------------------------------------------------------ cats vs dogs


def _cats_dogs_layout(base, archive=None):
    """Return (train root, validation root or None) of a cats/dogs copy under ``base`` (None if absent)."""

    # For a folder unpacked from `archive`, a missing layout is an error.
    def has_classes(root):
        return all((root / name).is_dir() for name in CATS_DOGS_CLASSES)

    for root in (base / "cats_and_dogs_filtered", base):
        if has_classes(root / "train") and has_classes(root / "validation"):
            return root / "train", root / "validation"
    for root in (base, base / "training_set"):
        if has_classes(root):
            return root, None
    if archive:
        raise ValueError(f"{archive} holds no cats/ and dogs/ folders: it is not a cats vs dogs copy.")
    return None


def _local_cats_dogs(folder):
    """Return (train root, val root, source) of a cats/dogs copy in ``folder``, or None."""
    for name in ("cats-vs-dogs-train.tar.gz", "cats_and_dogs_filtered.zip"):
        if (folder / name).is_file():
            roots = _cats_dogs_layout(unpack_once(folder / name), folder / name)
            return (*roots, f"{folder / name} (unpacked into {config.cache_dir()})")
    roots = _cats_dogs_layout(folder)
    return roots and (*roots, f"folder {roots[0]}")


def _draw_pet(kind, rng, size):
    """Draw a cartoon face: cats orange with pointed ears, dogs brown with floppy ears."""
    image = Image.new("RGB", (size, size), tuple(int(v) for v in rng.integers(150, 256, 3)))
    draw = ImageDraw.Draw(image)
    r = size * rng.uniform(0.2, 0.28)
    cx, cy = size * rng.uniform(0.38, 0.62, 2)
    face = np.array((235, 140, 40) if kind == "cats" else (120, 80, 45)) + rng.integers(-20, 21, 3)
    face = tuple(int(v) for v in face)
    if kind == "cats":
        for s in (-1, 1):
            draw.polygon(
                [(cx + s * 0.95 * r, cy - 0.2 * r), (cx + s * 0.7 * r, cy - 1.6 * r), (cx + s * 0.1 * r, cy - 0.9 * r)],
                fill=face,
            )
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=face)
    if kind == "dogs":
        for s in (-1, 1):
            draw.ellipse(
                [cx + s * 1.05 * r - 0.3 * r, cy - 0.7 * r, cx + s * 1.05 * r + 0.3 * r, cy + 0.9 * r],
                fill=(70, 45, 25),
            )
    for s in (-1, 1):
        draw.ellipse(
            [cx + s * 0.4 * r - 0.1 * r, cy - 0.35 * r, cx + s * 0.4 * r + 0.1 * r, cy - 0.15 * r], fill=(0, 0, 0)
        )
    draw.ellipse([cx - 0.15 * r, cy + 0.15 * r, cx + 0.15 * r, cy + 0.35 * r], fill=(30, 20, 20))
    return image


def _offline_cats_dogs(n_per_class=100, size=128):
    """Write (once) and return a cache folder of generated cat-like and dog-like JPEG drawings."""

    def fill(tmp):
        rng = np.random.default_rng(0)
        for kind in CATS_DOGS_CLASSES:
            (tmp / kind).mkdir()
            for i in range(n_per_class):
                _draw_pet(kind, rng, size).save(tmp / kind / f"{kind[:-1]}.{i}.jpg", quality=90)

    return _build_once(config.cache_dir() / "offline-cats-vs-dogs", f"v1 {n_per_class} {size}", fill)


def load_cats_vs_dogs(
    image_size=(160, 160),
    batch_size=32,
    val_split=0.15,
    test_split=0.15,
    seed=42,
    data_dir=None,
    offline=None,
    max_per_class=None,
):
    """Return cats vs dogs training, validation and test datasets.

    From a local copy, the classroom download, or (offline, with neither) generated drawings.

    With Keras' ``cats_and_dogs_filtered`` archive (downloaded, or a local zip), its 1,000
    ``validation/`` photos are the test split and ``val_split`` of its 2,000 training photos the
    validation split. With a copy of training photos only (``cats/`` and ``dogs/`` folders, or
    ``cats-vs-dogs-train.tar.gz``), both splits are held out of them. With CNNVIZ_OFFLINE=1 and no
    copy, generated cartoon faces stand in, announced by a banner and ``.offline = True``.

    Args:
        image_size: (height, width) of the images, e.g. (160, 160).
        batch_size: images per batch.
        val_split: share of the training photos held out for validation.
        test_split: share held out for the test split when the copy has no test photos.
        seed: seed of the split and the shuffle.
        data_dir: a folder with a local copy (default: CNNVIZ_DATA_DIR).
        offline: never download (default: CNNVIZ_OFFLINE).
        max_per_class: at most this many photos per class (quick mode: a small real subset for weak
            machines), or None for all.

    Returns:
        An ``ImageFolderData`` (see ``image_folder_datasets``) with ``.source`` naming the data.

    Raises:
        ValueError: for a bad image_size or a data_dir that holds no copy.
        DatasetUnavailableError: when the download fails (the message says how to copy the files by hand).
    """
    image_size = arguments.size_pair(image_size)
    offline = config.offline() if offline is None else offline
    folder, named = _data_dir(data_dir)
    found = _local_cats_dogs(folder) if folder else None
    is_offline = False
    if found:
        train_root, test_root, source = found
    elif named:
        raise ValueError(
            f"data_dir={folder} holds no cats vs dogs copy: expected "
            "cats-vs-dogs-train.tar.gz, cats_and_dogs_filtered.zip, or cats/ and dogs/ "
            "folders (possibly under training_set/, or train/ and validation/)."
        )
    elif offline:
        train_root, test_root, is_offline = _offline_cats_dogs(), None, True
        source = "OFFLINE stand-in: generated cartoon faces, not photos of cats and dogs"
        _banner(
            "cats vs dogs",
            _why_offline(folder),
            f"Generated {train_root}: cartoon cat faces (orange, pointed ears) and dog faces "
            "(brown, floppy ears) as JPEG files.",
        )
    else:
        try:
            base = download_with_checksum(
                CATS_DOGS_URL, "cats_and_dogs_filtered.zip", KNOWN_SHA256["cats_and_dogs_filtered.zip"], extract=True
            )
        except DatasetUnavailableError as err:
            raise DatasetUnavailableError(
                _by_hand("cats vs dogs", CATS_DOGS_URL, err, "keep the .zip as it is")
            ) from err
        train_root, test_root = _cats_dogs_layout(base, CATS_DOGS_URL)
        source = f"{CATS_DOGS_URL} (Keras cache {base})"
    data = image_folder_datasets(
        train_root,
        image_size,
        batch_size,
        val_split,
        test_split,
        seed,
        max_per_class,
        test_folder=test_root,
        class_names=CATS_DOGS_CLASSES,
    )
    return dataclasses.replace(data, source=source, offline=is_offline)


# ------------------------------------------------------------------ CIFAR-10


def _cifar_label(name, where):
    """Return the CIFAR-10 label of a class folder name; raise for an unknown name."""
    if name not in CIFAR10_CLASSES:
        raise ValueError(f"{where}: '{name}' is not a CIFAR-10 class ({', '.join(CIFAR10_CLASSES)}).")
    return CIFAR10_CLASSES.index(name)


def _cifar_member(member):
    """Return (split, class folder name) of a CIFAR-10 image in a JPEG archive, or None for any other member."""
    parts = PurePosixPath(member.name).parts
    if (
        member.isfile()
        and len(parts) >= 3
        and parts[-3] in ("train", "test")
        and PurePosixPath(member.name).suffix.lower() in IMAGE_EXTENSIONS
    ):
        return parts[-3], parts[-2]
    return None


def _images_in_tar(archive):
    """Return (listing, read) for a JPEG CIFAR-10 archive: the (split, label, name) of each image, and a reader.

    ``read(names)`` yields (name, bytes) for those members only, in one pass over the archive: the bytes
    of the other images are never kept (a 1 GiB machine decodes a subset without holding all 50,000 files).
    """
    verify_checksum(archive, KNOWN_SHA256.get(archive.name))
    with tarfile.open(archive) as tar:
        listing = []
        for member in tar:
            found = _cifar_member(member)
            if found:
                listing.append((found[0], _cifar_label(found[1], archive), member.name))

    def read(names):
        with tarfile.open(archive) as tar:
            for member in tar:
                if member.name in names and _cifar_member(member):
                    yield member.name, tar.extractfile(member).read()

    return listing, read


def _images_in_folder(root):
    """Return (listing, read) for an unpacked CIFAR-10 image folder: each image's (split, label, name), a reader."""
    listing = [
        (split, label, str(path))
        for split in ("train", "test")
        for label, name in enumerate(CIFAR10_CLASSES)
        for path in _images_in(root / split / name)
    ]
    return listing, lambda names: ((name, Path(name)) for name in names)


def _decode_rgb(source):
    """Return the image in a path or bytes as a uint8 RGB array, or None if it does not decode.

    The course's one decoder.
    """
    try:
        return photos.decode_photo(source if isinstance(source, bytes) else Path(source).read_bytes(), min_side=1)
    except (ValueError, OSError):  # unidentified, truncated, corrupt
        return None


def _cifar10_from_images(listing, read, max_train=None):
    """Decode a listing of CIFAR-10 image files into (x_train, y_train, x_test, y_test), in a fixed shuffled order.

    Each image is decoded straight into its row of the result, so decoding takes the arrays' size and
    little more (1 GiB machines). With ``max_train``, only the first ``max_train`` training images of that
    order are decoded (the same images a full decode puts first, when every file decodes).
    """
    bad, arrays = [], []
    for split in ("train", "test"):
        items = sorted((name, label) for s, label, name in listing if s == split)
        labels = np.array([label for _, label in items], np.uint8)
        # Files come grouped by class; Keras' own order is mixed (fit's validation_split takes the tail).
        order = np.random.default_rng(0).permutation(len(items))
        n = len(items) if max_train is None or split == "test" else min(max_train, len(items))
        images, kept, tried = np.empty((n, 32, 32, 3), np.uint8), [], 0
        while len(kept) < n and tried < len(items):  # more than one round only when some files do not decode
            wanted = order[tried : tried + n - len(kept)]
            row = {items[k][0]: len(kept) + i for i, k in enumerate(wanted)}
            good = np.zeros(len(wanted), bool)
            for name, source in read(row.keys()):
                image = _decode_rgb(source)
                if image is None:
                    bad.append(name)
                elif image.shape != (32, 32, 3):
                    raise ValueError(f"{name} is {image.shape[1]}x{image.shape[0]} pixels; CIFAR-10 images are 32x32.")
                else:
                    images[row[name]], good[row[name] - len(kept)] = image, True
            if not good.all():  # close the gaps the bad files left
                images[len(kept) : len(kept) + good.sum()] = images[len(kept) + np.flatnonzero(good)]
            kept += wanted[good].tolist()
            tried += len(wanted)
        images, kept, subset = images[: len(kept)], np.array(kept, int), max_train is not None and split == "train"
        if len(kept) < len(items) and not subset:
            # some files did not decode: the mixed order is that of the images that did (as it always was)
            rows = np.argsort(kept)  # the rows of the decoded images in name order
            mixed = rows[np.random.default_rng(0).permutation(len(kept))]
            images, kept = images[mixed], kept[mixed]
        listed = labels if subset else labels[kept]  # a subset: the classes of the whole copy
        missing = [CIFAR10_CLASSES[k] for k in np.flatnonzero(np.bincount(listed, minlength=10) == 0)]
        if missing:
            raise ValueError(f"The CIFAR-10 copy has no {split} images of: {', '.join(missing)}.")
        arrays += [images, labels[kept].reshape(-1, 1)]
    _warn_bad(bad)
    return arrays


# What the original CIFAR-10 batches may name (a NumPy array); a batch naming anything else is refused.
_NP_CORE = np._core if hasattr(np, "_core") else np.core  # NumPy 2, NumPy 1
CIFAR_BATCH_OBJECTS = {
    **{(f"numpy.{core}.multiarray", "_reconstruct"): _NP_CORE.multiarray._reconstruct for core in ("core", "_core")},
    **{(f"numpy.{core}.numeric", "_frombuffer"): _NP_CORE.numeric._frombuffer for core in ("core", "_core")},
    ("numpy", "ndarray"): np.ndarray,
    ("numpy", "dtype"): np.dtype,
    ("_codecs", "encode"): codecs.encode,
}  # bytes in a protocol-2 pickle written by Python 3


def _cifar10_from_batches(read, max_train=None):
    """Return Keras-shaped arrays from the original Python batches, ``read(name)`` giving bytes.

    With ``max_train``, only the batches holding the first ``max_train`` training images are read.
    """

    def batch(name):
        try:
            d = weights.restricted_load(io.BytesIO(read(name)), CIFAR_BATCH_OBJECTS, where=name, encoding="bytes")
        except (pickle.UnpicklingError, EOFError, ValueError) as err:
            raise ValueError(
                f"{name} is not a batch of the original CIFAR-10 ({err}); delete it and get a fresh "
                f"copy of {CIFAR10_URL}"
            ) from err
        x = np.asarray(d[b"data"], np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        return np.ascontiguousarray(x), np.asarray(d[b"labels"], np.uint8).reshape(-1, 1)

    train = []
    for i in range(1, 6):
        if max_train is not None and sum(len(y) for _, y in train) >= max_train:
            break
        train.append(batch(f"data_batch_{i}"))
    train = [np.concatenate([x for x, _ in train]), np.concatenate([y for _, y in train])]
    return _first_train(train + list(batch("test_batch")), max_train)


def _first_train(arrays, max_train):
    """Return (x_train, y_train, x_test, y_test) with only the first ``max_train`` training images (None: all)."""
    if max_train is None or max_train >= len(arrays[0]):
        return list(arrays)
    return [arrays[0][:max_train].copy(), arrays[1][:max_train].copy(), *arrays[2:]]  # copies: the rest is freed


def _batches_in_tar(archive):
    """Return a reader of the batch files inside the original cifar-10-python.tar.gz."""
    verify_checksum(archive, KNOWN_SHA256.get(archive.name))
    with tarfile.open(archive) as tar:
        blobs = {PurePosixPath(m.name).name: tar.extractfile(m).read() for m in tar if m.isfile()}

    def read(name):
        if name not in blobs:
            raise ValueError(f"{archive} has no {name}: it is not the CIFAR-10 Python archive.")
        return blobs[name]

    return read


def _cached_cifar10(inputs, source, build, max_train=None):
    """Return CifarData from the cache file for these inputs, building and saving it the first time.

    ``build(max_train)`` decodes; a subset (``max_train`` below CIFAR-10's 50,000) has its own file.
    """
    max_train = None if max_train is None or max_train >= CIFAR10_TRAIN else max_train
    subset = "" if max_train is None else f"-first{max_train}"
    # Four .npy records back to back: reads ~3x faster than an .npz, whose zip layer checks CRCs.
    path = config.cache_dir() / f"cifar10-{_fingerprint(inputs)}{subset}.npy"
    try:
        with open(path, "rb") as f:
            return CifarData(*(np.load(f) for _ in range(4)), source=source)
    except (OSError, ValueError, EOFError):
        pass  # not cached yet (or unreadable): build it
    arrays = build(max_train)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            for array in arrays:
                np.save(f, array)
        os.replace(tmp, path)  # only a whole file gets the cache's name
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise_if_disk_full(err, path)
        raise
    return CifarData(*arrays, source=source)


def _local_cifar10(folder, max_train=None):
    """Return CifarData from a CIFAR-10 copy in ``folder`` (any accepted layout), or None."""
    archive = folder / "cifar10-jpeg.tar.gz"
    if archive.is_file():
        return _cached_cifar10(
            [archive],
            f"{archive} (CIFAR-10 stored as JPEG)",
            lambda n: _cifar10_from_images(*_images_in_tar(archive), n),
            max_train,
        )
    for root in (folder, folder / "cifar10"):
        if (root / "train" / CIFAR10_CLASSES[0]).is_dir():
            dirs = [root / s / c for s in ("train", "test") for c in CIFAR10_CLASSES if (root / s / c).is_dir()]
            return _cached_cifar10(
                dirs,
                f"folder {root} (CIFAR-10 as image files)",
                lambda n: _cifar10_from_images(*_images_in_folder(root), n),
                max_train,
            )
    archive = folder / "cifar-10-python.tar.gz"
    if archive.is_file():
        return _cached_cifar10(
            [archive],
            f"{archive} (original CIFAR-10)",
            lambda n: _cifar10_from_batches(_batches_in_tar(archive), n),
            max_train,
        )
    for root in (folder / "cifar-10-batches-py", folder):
        if (root / "data_batch_1").is_file():
            names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
            missing = [n for n in names if not (root / n).is_file()]
            if missing:
                raise FileNotFoundError(
                    f"{root} lacks {', '.join(missing)}: copy the whole cifar-10-batches-py folder."
                )
            return _cached_cifar10(
                [root / n for n in names],
                f"folder {root} (original CIFAR-10)",
                lambda n: _cifar10_from_batches(lambda name: (root / name).read_bytes(), n),
                max_train,
            )
    return None


def _offline_cifar10(reason, per_class_train=200, per_class_test=50):
    """Return generated stand-in data shaped like CIFAR-10: one stripe angle and colour per class."""
    rng = np.random.default_rng(0)
    palette = np.array(
        [
            (31, 119, 180),
            (255, 127, 14),
            (44, 160, 44),
            (214, 39, 40),
            (148, 103, 189),
            (140, 86, 75),
            (227, 119, 194),
            (127, 127, 127),
            (188, 189, 34),
            (23, 190, 207),
        ]
    )
    yy, xx = np.mgrid[0:32, 0:32]

    def make(per_class):
        labels = rng.permutation(np.repeat(np.arange(10), per_class))
        n = len(labels)
        angle = (labels * np.pi / 10)[:, None, None]
        freq, phase = rng.uniform(0.5, 0.9, (n, 1, 1)), rng.uniform(0, 2 * np.pi, (n, 1, 1))
        stripes = np.sin(freq * (xx * np.cos(angle) + yy * np.sin(angle)) + phase)[..., None] > 0
        background = rng.integers(0, 90, (n, 1, 1, 3))
        images = np.where(stripes, palette[labels][:, None, None, :], background)
        images = images + rng.normal(0, 18, images.shape)
        return np.clip(images, 0, 255).astype(np.uint8), labels.astype(np.uint8).reshape(-1, 1)

    (x_train, y_train), (x_test, y_test) = make(per_class_train), make(per_class_test)
    _banner(
        "CIFAR-10",
        reason,
        f"Generated {len(x_train):,} train / {len(x_test):,} test images of 32x32x3 stripes "
        "(one colour and stripe angle per class), with the CIFAR-10 class names.",
    )
    return CifarData(
        x_train, y_train, x_test, y_test, offline=True, source="OFFLINE stand-in: generated stripe images, not CIFAR-10"
    )


def load_cifar10(data_dir=None, offline=None, max_train=None):
    """Return CIFAR-10 as ``(x_train, y_train), (x_test, y_test)`` from a local copy, Keras or offline data.

    Args:
        data_dir: a folder with a local copy (default: CNNVIZ_DATA_DIR).
        offline: never download (default: CNNVIZ_OFFLINE); with no copy, generated stand-in data.
        max_train: keep only the first ``max_train`` training images (the same ones a full load puts
            first); from a local copy only those are decoded, which saves ~150 MB (quick mode on
            1 GiB machines). None (default) or 50,000 and more: all of them. The test images are all kept.

    Returns:
        A ``CifarData`` tuple ``((x_train, y_train), (x_test, y_test))`` of uint8 images (N, 32, 32, 3)
        and labels (N, 1), with ``.class_names``, ``.source`` and ``.offline``.

    Raises:
        ValueError: for a data_dir that holds no copy, or a max_train that is not a whole number >= 1.
        DatasetUnavailableError: when the download fails (the message says how to copy it by hand).
    """
    if max_train is not None:
        max_train = arguments.whole_number(max_train, "max_train", meaning="or None for all training images")
    # A local copy (data_dir or CNNVIZ_DATA_DIR) may be cifar10-jpeg.tar.gz, a folder of train/<class>/
    # and test/<class>/ images, cifar-10-python.tar.gz or cifar-10-batches-py/. Image-file copies
    # come in a fixed shuffled order.
    offline = config.offline() if offline is None else offline
    folder, named = _data_dir(data_dir)
    found = _local_cifar10(folder, max_train) if folder else None
    if found:
        return found
    if named:
        raise ValueError(
            f"data_dir={folder} holds no CIFAR-10 copy: expected cifar10-jpeg.tar.gz, "
            "train/<class>/ and test/<class>/ image folders, cifar-10-python.tar.gz or "
            "cifar-10-batches-py/."
        )
    if offline:
        stand_in = _offline_cifar10(_why_offline(folder))
        return CifarData(*_first_train([*stand_in[0], *stand_in[1]], max_train), source=stand_in.source, offline=True)
    keras = config.keras_quietly()

    try:
        (x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
    except Exception as err:  # no network, HTTP error, hash mismatch, ...
        raise DatasetUnavailableError(_by_hand("CIFAR-10", CIFAR10_URL, err, "keep the .tar.gz as it is")) from err
    arrays = _first_train([x_train, y_train, x_test, y_test], max_train)
    return CifarData(*arrays, source=f"keras.datasets.cifar10 ({CIFAR10_URL}, hash-checked by Keras)")


# ------------------------------------------------------------------ where the copies are (setup check, bundle)

DATASETS = {"cifar10": "CIFAR-10", "cats_vs_dogs": "cats vs dogs"}
_CIFAR10_BATCHES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]


def _check_dataset(name):
    """Raise ValueError unless ``name`` is one of DATASETS."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; use one of {', '.join(DATASETS)}")


def local_copy(name, folder=None):
    """Return what the loader of dataset ``name`` would read from ``folder``: listed, never unpacked or decoded.

    The order is the loaders' own (``load_cifar10`` and ``load_cats_vs_dogs``), so the setup check and the
    data bundle see the copy a notebook would use.

    Args:
        name: ``"cifar10"`` or ``"cats_vs_dogs"``.
        folder: the folder of local copies (default: CNNVIZ_DATA_DIR).

    Returns:
        A list of archives and/or folders under ``folder`` that make up the copy, or None when it holds none
        (or no folder is set).

    Raises:
        ValueError: for an unknown dataset name.
    """
    _check_dataset(name)
    folder = config.data_dir() if folder is None else Path(folder).expanduser()
    if folder is None or not folder.is_dir():
        return None
    if name == "cifar10":
        if (folder / "cifar10-jpeg.tar.gz").is_file():
            return [folder / "cifar10-jpeg.tar.gz"]
        for root in (folder, folder / "cifar10"):
            if (root / "train" / CIFAR10_CLASSES[0]).is_dir():
                return [root / split for split in ("train", "test") if (root / split).is_dir()]
        if (folder / "cifar-10-python.tar.gz").is_file():
            return [folder / "cifar-10-python.tar.gz"]
        for root in (folder / "cifar-10-batches-py", folder):
            if (root / "data_batch_1").is_file():
                return [root / n for n in _CIFAR10_BATCHES if (root / n).is_file()]
        return None
    for archive in ("cats-vs-dogs-train.tar.gz", "cats_and_dogs_filtered.zip"):
        if (folder / archive).is_file():
            return [folder / archive]
    roots = _cats_dogs_layout(folder)
    if not roots:
        return None
    train_root, test_root = roots
    return [train_root, test_root] if test_root else [train_root / c for c in CATS_DOGS_CLASSES]


def keras_home():
    """Return the folders where Keras keeps its downloads (``datasets/`` inside), without importing Keras.

    Returns:
        ``[KERAS_HOME or ~/.keras, /tmp/.keras]``: Keras falls back to the second when it cannot write the first.
    """
    value = os.environ.get("KERAS_HOME", "").strip()
    return [Path(value).expanduser() if value else Path.home() / ".keras", Path(tempfile.gettempdir()) / ".keras"]


def keras_download(name):
    """Return the download of dataset ``name`` that Keras (or this module) left in its cache, or None.

    Args:
        name: ``"cifar10"`` or ``"cats_vs_dogs"``.

    Returns:
        ``(path, name in a data folder)``: the original archive, or for CIFAR-10 the unpacked
        ``cifar-10-batches-py`` folder, with the name ``local_copy`` looks for; None when nothing was downloaded.
    """
    _check_dataset(name)
    for home in keras_home():
        datasets = home / "datasets"
        if name == "cifar10":
            # keras.datasets.cifar10 saves cifar-10-python.tar.gz as cifar-10-batches-py-target_archive
            candidates = [
                (datasets / "cifar-10-python.tar.gz", "cifar-10-python.tar.gz"),
                (datasets / "cifar-10-batches-py-target_archive", "cifar-10-python.tar.gz"),
                (datasets / "cifar-10-batches-py-target" / "cifar-10-batches-py", "cifar-10-batches-py"),
            ]
        else:
            candidates = [(datasets / "cats_and_dogs_filtered.zip", "cats_and_dogs_filtered.zip")]
        for path, as_name in candidates:
            if path.is_file() or (path / "data_batch_1").is_file():
                return path, as_name
    return None


def download_dataset(name):
    """Download dataset ``name``'s archive into Keras' cache (hash-checked, with a progress bar); return its path.

    Args:
        name: ``"cifar10"`` or ``"cats_vs_dogs"``.

    Returns:
        The path of ``cifar-10-python.tar.gz`` or ``cats_and_dogs_filtered.zip``.

    Raises:
        DatasetUnavailableError: when the download fails (the message says how to copy it by hand).
    """
    _check_dataset(name)
    url, fname = {
        "cifar10": (CIFAR10_URL, "cifar-10-python.tar.gz"),
        "cats_vs_dogs": (CATS_DOGS_URL, "cats_and_dogs_filtered.zip"),
    }[name]
    try:
        return download_with_checksum(url, fname, KNOWN_SHA256[fname])
    except DatasetUnavailableError as err:
        raise DatasetUnavailableError(_by_hand(DATASETS[name], url, err, "keep the archive as it is")) from err


if __name__ == "__main__":  # python -m cnnviz.data bundle DIR
    import sys

    from cnnviz import bundle

    sys.exit(bundle.main(sys.argv[1:]))
