"""Check a machine before the class: ``python -m cnnviz.check`` (about 10-20 s).

Each line starts with ``ok`` or ``FIX``; a ``FIX`` line says what to do, and the command then exits with
status 1. It checks Python's and the packages' versions against the ranges the installed ``cnnviz`` declares,
that JupyterLab's widget extensions are installed and enabled (on Colab there is no local server to check),
the free memory against what the Keras notebooks 05-08 need, where the datasets will come from (a local copy,
Keras' cache, or a download), and it trains one tiny Keras step. Keras is imported only by that last check.

    python -m cnnviz.check              # everything
    python -m cnnviz.check --no-train   # skip the training step (no TensorFlow start-up)
"""

import argparse
import dataclasses
import importlib.metadata
import importlib.util
import json
import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from cnnviz import bundle, config, data

try:  # where `jupyter labextension list` looks; jupyter_core comes with ipykernel and JupyterLab
    import jupyter_core.paths as jupyter_paths
except ImportError:  # an environment with no Jupyter at all
    jupyter_paths = None

# Peak memory of one kernel in class mode (bench/README.md): 05 1.4 GiB, 06 1.8-2.0 GiB, 07 1.3 GiB, 08 1.3 GiB;
# JupyterLab's server adds about 110 MiB. One Keras notebook open at a time then needs 2 GiB (quick mode: 1 GiB).
NEED_GIB = 2.0
WIDGET_EXTENSIONS = {
    "@jupyter-widgets/jupyterlab-manager": "the explorers of 02-07",
    "ipycanvas": "the drawing pad of 04",
}  # what each JupyterLab extension shows
BACKEND_EXTRAS = ("cpu", "gpu")  # a Keras backend comes with one of these extras
LAB_EXTRA = "lab"  # JupyterLab and its server-side extensions, when the package declares it
SIZES = {"cifar10": "163 MB", "cats_vs_dogs": "68 MB"}
URLS = {"cifar10": data.CIFAR10_URL, "cats_vs_dogs": data.CATS_DOGS_URL}


@dataclasses.dataclass
class Line:
    """One result: whether it is fine, what was found, and (when not fine) what to do."""

    ok: bool
    what: str
    action: str = ""

    def __str__(self):
        text = f"{'ok ' if self.ok else 'FIX'}  {self.what}"
        return text + (f"\n      -> {self.action}" if self.action else "")


# ------------------------------------------------------------------ versions


def _requirements(dist="cnnviz"):
    """Return (Requires-Python, [Requirement]) that the installed distribution declares."""
    meta = importlib.metadata.metadata(dist)
    reqs = []
    for text in importlib.metadata.requires(dist) or []:
        try:
            reqs.append(Requirement(text))
        except InvalidRequirement:
            continue
    return meta.get("Requires-Python") or "", reqs


def _installed(name):
    """Return the installed version of a distribution, or None."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _in_range(version, specifier):
    try:
        return SpecifierSet(str(specifier)).contains(Version(version), prereleases=True)
    except InvalidVersion:
        return False


def _needs(req):
    return str(req.specifier) or "any version"


def _applies(req, extra=""):
    """Return whether a requirement applies on this platform for ``extra`` ("" = the base dependencies)."""
    return req.marker is None and not extra or req.marker is not None and req.marker.evaluate({"extra": extra})


def check_python(python=None):
    """Check Python's version against the ``Requires-Python`` of the installed cnnviz."""
    python = python or platform.python_version()
    try:
        requires, _ = _requirements()
    except importlib.metadata.PackageNotFoundError:
        return [
            Line(
                False,
                "cnnviz is not installed as a package, so its supported versions are unknown",
                "install it: pip install -e '.[cpu]' in the repository (or `make lab`)",
            )
        ]
    if _in_range(python, requires):
        return [Line(True, f"Python {python} (cnnviz needs {requires or 'any'})")]
    return [
        Line(
            False,
            f"Python {python} is outside what cnnviz supports ({requires})",
            f"install a Python {requires} (python.org, or conda), then `make lab PYTHON=python3.12`; or use Colab",
        )
    ]


def _package_line(name, version, req, how):
    if version is None:
        return Line(
            False, f"{name} is missing (cnnviz needs {_needs(req)})", f'{how}: pip install "{req.name}{req.specifier}"'
        )
    if _in_range(version, req.specifier):
        return Line(True, f"{name} {version} (needs {_needs(req)})")
    return Line(
        False,
        f"{name} {version} is outside the supported range {_needs(req)}",
        f'pip install "{req.name}{req.specifier}" (in the environment the notebooks\' kernel uses), '
        "then restart the kernel",
    )


INTEL_MAC = "notebooks 00-04 run here; for 05-08 use Colab or a hub (README: Where it runs)"


def _intel_mac():
    """Return whether this is a Mac with an Intel processor (no TensorFlow wheels after 2.16)."""
    return sys.platform == "darwin" and platform.machine() == "x86_64"


def check_packages():
    """Check each package cnnviz needs against the range its metadata declares, and a Keras backend (cpu/gpu extras)."""
    try:
        _, reqs = _requirements()
    except importlib.metadata.PackageNotFoundError:
        return []  # check_python already said so
    lines = [_package_line(r.name, _installed(r.name), r, "install it") for r in reqs if _applies(r)]
    backends = [
        r
        for r in reqs
        for extra in BACKEND_EXTRAS
        if r.marker is not None and "extra" in str(r.marker) and _applies(r, extra)
    ]
    found = [(r, _installed(r.name)) for r in backends if _installed(r.name)]
    if _intel_mac() and not found:
        lines.append(
            Line(False, "no Keras backend: TensorFlow publishes no wheels for an Intel Mac after 2.16", INTEL_MAC)
        )
    elif backends and not found:
        names = ", ".join(sorted({r.name for r in backends}))
        lines.append(
            Line(
                False,
                f"no Keras backend: none of {names} is installed",
                "pip install 'cnnviz[cpu]' (TensorFlow for the CPU; 'cnnviz[gpu]' for an NVIDIA GPU)",
            )
        )
    lines += [_package_line(r.name, version, r, "install it") for r, version in found[:1]]
    for r in reqs:  # JupyterLab and friends: a hub or Colab serves its own, so none of them is red
        if _applies(r, LAB_EXTRA) and r.marker is not None and "extra" in str(r.marker):
            version = _installed(r.name)
            if version is None:
                what = f"{r.name} not in this environment (the `{LAB_EXTRA}` extra; a hub or Colab brings its own)"
            elif _in_range(version, r.specifier):
                what = f"{r.name} {version} (needs {_needs(r)})"
            else:  # a hub's own server: cnnviz leaves it alone; `make lab` installs the range it was tested with
                what = (
                    f"{r.name} {version}: the server's own, older than `make lab` installs ({_needs(r)}); "
                    "fine where the widget extensions below are enabled"
                )
            lines.append(Line(True, what))
    return lines


# ------------------------------------------------------------------ widget extensions


def _on_colab():
    """Return whether this runs on Google Colab (its kernel has google.colab and sets COLAB_RELEASE_TAG)."""
    if "google.colab" in sys.modules or os.environ.get("COLAB_RELEASE_TAG"):
        return True
    try:
        return importlib.util.find_spec("google.colab") is not None
    except ImportError:  # no google package at all
        return False


def lab_extensions(ext_dirs=None, config_dirs=None):
    """Return {extension name: (version, enabled)} of JupyterLab's prebuilt extensions, read from their folders.

    This is what ``jupyter labextension list`` shows (installed, enabled), read without starting JupyterLab.
    """
    if ext_dirs is None or config_dirs is None:
        if jupyter_paths is None:
            return {}
        ext_dirs, config_dirs = jupyter_paths.jupyter_path("labextensions"), jupyter_paths.jupyter_config_path()
    disabled = set()
    for folder in config_dirs:
        try:
            page_config = json.loads((Path(folder) / "labconfig" / "page_config.json").read_text())
            listed = page_config.get("disabledExtensions", {})
        except (OSError, ValueError, AttributeError):
            continue
        disabled |= {name for name, off in listed.items() if off} if isinstance(listed, dict) else set(listed)
    found = {}
    for folder in ext_dirs:
        for package in sorted(Path(folder).glob("*/package.json")) + sorted(Path(folder).glob("@*/*/package.json")):
            try:
                meta = json.loads(package.read_text())
            except (OSError, ValueError):
                continue
            name = meta.get("name", package.parent.name)
            found.setdefault(name, (meta.get("version", "?"), name not in disabled))
    return found


def check_widgets(extensions=None, colab=None, lab_version=None):
    """Check that JupyterLab's widget extensions are installed and enabled (Colab: nothing to check locally)."""
    colab = _on_colab() if colab is None else colab
    if colab:
        return [
            Line(
                True,
                "Google Colab: no local Jupyter server to check; importing cnnviz turns on Colab's "
                "custom-widget manager for the explorers and the drawing pad",
            )
        ]
    extensions = lab_extensions() if extensions is None else extensions
    lab_version = _installed("jupyterlab") if lab_version is None else lab_version
    where = (
        f"JupyterLab {lab_version}"
        if lab_version
        else "the JupyterLab that serves this environment (not installed here)"
    )
    lines = []
    for name, use in WIDGET_EXTENSIONS.items():
        if name not in extensions:
            lines.append(
                Line(
                    False,
                    f"{where}: the extension {name} is missing, so {use} would show as text",
                    "pip install 'cnnviz[lab]' (or ipywidgets and ipycanvas) into the environment that runs "
                    "JupyterLab, then restart JupyterLab",
                )
            )
        elif not extensions[name][1]:
            lines.append(
                Line(
                    False,
                    f"{where}: the extension {name} {extensions[name][0]} is disabled, so {use} would show as text",
                    f"jupyter labextension enable {name}, then restart JupyterLab",
                )
            )
        else:
            lines.append(Line(True, f"{where}: {name} {extensions[name][0]} enabled, for {use}"))
    return lines


# ------------------------------------------------------------------ memory


def _cgroup_free():
    """Return the bytes a container's memory limit still allows (cgroup v2 or v1), or None without a limit."""
    for limit, used in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        ("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes"),
    ):
        try:
            top, now = Path(limit).read_text().strip(), int(Path(used).read_text())
        except (OSError, ValueError):
            continue
        if top.isdigit() and int(top) < 1 << 60:
            return int(top) - now
    return None


def free_memory():
    """Return (bytes of memory available to a new kernel, where the figure comes from), or (None, reason)."""
    try:
        info = {
            line.split(":")[0]: int(line.split()[1]) * 1024 for line in Path("/proc/meminfo").read_text().splitlines()
        }
        free, source = info["MemAvailable"], "/proc/meminfo MemAvailable"
        limit = _cgroup_free()
        if limit is not None and limit < free:
            free, source = limit, "the container's memory limit"
        return free, source
    except (OSError, KeyError, ValueError, IndexError):
        pass
    if sys.platform == "darwin":  # free + inactive + speculative pages, as Activity Monitor counts them
        try:
            out = subprocess.run(["vm_stat"], capture_output=True, text=True, timeout=5).stdout
            page = int(out.split("page size of")[1].split()[0])
            rows = (line.split(":") for line in out.splitlines()[1:] if ":" in line)
            pages = {k.strip(): int(v.strip().rstrip(".")) for k, v in rows}
            return page * sum(pages.get(k, 0) for k in ("Pages free", "Pages inactive", "Pages speculative")), "vm_stat"
        except (OSError, ValueError, IndexError, subprocess.SubprocessError):
            pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES"), "os.sysconf"
    except (ValueError, OSError, AttributeError):
        return None, "this system reports no free memory to Python"


def check_memory(free=None, source="given"):
    """Check the memory available against what one Keras notebook (05-08) needs in class mode."""
    if free is None:
        free, source = free_memory()
    if free is None:
        return [Line(True, f"free memory unknown ({source}); the Keras notebooks 05-08 need about {NEED_GIB:.0f} GiB")]
    gib = free / 2**30
    if gib >= NEED_GIB:
        return [
            Line(
                True,
                f"memory: {gib:.1f} GiB available ({source}); one Keras notebook (05-08) "
                f"needs up to {NEED_GIB:.0f} GiB",
            )
        ]
    return [
        Line(
            False,
            f"memory: only {gib:.1f} GiB available ({source}); one Keras notebook (05-08) peaks at up to "
            f"{NEED_GIB:.0f} GiB in class mode",
            "close other programs and kernels (Kernel > Shut Down Kernel), keep one Keras notebook open "
            "at a time; or run 05-08 in quick mode (%env CNNVIZ_MODE=quick in their first cell: each ran inside "
            "a 1 GiB memory limit), or use Colab",
        )
    ]


# ------------------------------------------------------------------ datasets


def reachable(url, timeout=3.0):
    """Return whether a TCP connection to the host of ``url`` opens within ``timeout`` seconds."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname, parts.port or 443), timeout=timeout):
            return True
    except OSError:
        return False


def _bundle_problems(folder):
    """Return the paths a bundle's manifest lists that are missing or of another size (sizes only: fast)."""
    try:
        files = json.loads((folder / bundle.MANIFEST).read_text())["files"]
    except (OSError, ValueError, KeyError):
        return []
    return [
        f["path"]
        for f in files
        if not (folder / f["path"]).is_file() or (folder / f["path"]).stat().st_size != f["bytes"]
    ]


def check_datasets(network=reachable):
    """Check where each dataset will come from: CNNVIZ_DATA_DIR, Keras' cache, or a download."""
    folder, offline, lines = config.data_dir(), config.offline(), []
    if folder is not None and not folder.is_dir():
        return [
            Line(
                False,
                f"CNNVIZ_DATA_DIR={folder} is not an existing folder",
                "point CNNVIZ_DATA_DIR at the folder holding the datasets (e.g. a data bundle), or unset it",
            )
        ]
    if folder is not None and (folder / bundle.MANIFEST).is_file():
        bad = _bundle_problems(folder)
        state = f"{len(bad)} file(s) missing or incomplete: {', '.join(bad[:3])}" if bad else "every file is there"
        again = "copy the bundle again (then `python -m cnnviz.data verify DIR` checks the sums)"
        lines.append(Line(not bad, f"data bundle {folder}: {state}", again if bad else ""))
    for name, label in data.DATASETS.items():
        copy, cached = data.local_copy(name), data.keras_download(name)
        if copy:
            lines.append(Line(True, f"{label}: present in CNNVIZ_DATA_DIR ({', '.join(p.name for p in copy[:2])})"))
        elif cached:
            lines.append(Line(True, f"{label}: cached, Keras downloaded it before ({cached[0]})"))
        elif offline:
            lines.append(
                Line(
                    False,
                    f"{label}: no local copy and CNNVIZ_OFFLINE=1, so the notebooks would show "
                    "generated stand-in pictures",
                    "set CNNVIZ_DATA_DIR to a folder holding the data, e.g. a bundle made with "
                    "`python -m cnnviz.data bundle DIR` on a machine that has it; or unset CNNVIZ_OFFLINE",
                )
            )
        elif network(URLS[name]):
            host = urlsplit(URLS[name]).hostname
            lines.append(Line(True, f"{label}: downloadable from {host} ({SIZES[name]}, once, on first use)"))
        else:
            lines.append(
                Line(
                    False,
                    f"{label}: no local copy, and {urlsplit(URLS[name]).hostname} cannot be reached",
                    "connect to the internet, or set CNNVIZ_DATA_DIR to a folder holding the data "
                    "(a bundle: `python -m cnnviz.data bundle DIR` on a machine that has it)",
                )
            )
    saved = [
        n
        for n in bundle.MODEL_NAMES
        if any((p / "models" / f"{n}.keras").is_file() for p in [config.cache_dir(), *([folder] if folder else [])])
    ]
    lines.append(
        Line(
            True,
            f"models saved for notebook 07: {len(saved)} of {len(bundle.MODEL_NAMES)}"
            + (f" ({', '.join(saved)})" if saved else "")
            + (
                ""
                if len(saved) == len(bundle.MODEL_NAMES)
                else "; 07 trains a short stand-in for each missing one (run 05 and 06 first to avoid it)"
            ),
        )
    )
    return lines


# ------------------------------------------------------------------ one training step


def check_training():
    """Import Keras and train one step of a tiny convolutional network on random images; time both."""
    start = time.perf_counter()
    try:
        keras = config.keras_quietly()
        imported = time.perf_counter() - start
        keras.utils.set_random_seed(0)
        model = keras.Sequential(
            [
                keras.Input((32, 32, 3)),
                keras.layers.Conv2D(8, 3, activation="relu"),
                keras.layers.GlobalAveragePooling2D(),
                keras.layers.Dense(10, activation="softmax"),
            ]
        )
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        rng = np.random.default_rng(0)
        x, y = rng.random((32, 32, 32, 3), dtype="float32"), rng.integers(0, 10, 32)
        step = time.perf_counter()
        loss = float(model.train_on_batch(x, y))
        first = time.perf_counter() - step
        step = time.perf_counter()
        model.train_on_batch(x, y)
        again = time.perf_counter() - step
    except Exception as err:  # a broken install shows here: say what happened and what to do
        return [
            Line(
                False,
                f"Keras could not train one step: {err.__class__.__name__}: {str(err)[:200]}",
                INTEL_MAC
                if _intel_mac()
                else "reinstall the backend: pip install --force-reinstall 'cnnviz[cpu]' (or use Colab)",
            )
        ]
    if loss != loss:  # NaN
        return [
            Line(
                False,
                "Keras trained one step but the loss is NaN",
                "reinstall: pip install --force-reinstall 'cnnviz[cpu]'",
            )
        ]
    return [
        Line(
            True,
            f"Keras {keras.__version__} ({keras.backend.backend()}) trained one step: "
            f"import {imported:.1f} s, "
            f"first step {first:.1f} s (builds the graph), next step {again * 1000:.0f} ms",
        )
    ]


# ------------------------------------------------------------------ the report


def run(train=True, network=reachable, out=None):
    """Run every check, print one line each, and return the number of lines to fix.

    Args:
        train: also train one Keras step (imports TensorFlow: a few seconds).
        network: the function that says whether a download host answers (tests pass a stub).
        out: where the report goes (default: standard output).

    Returns:
        How many ``FIX`` lines were printed (0: ready for the class).
    """
    out = out or sys.stdout
    start = time.perf_counter()
    print(
        f"cnnviz setup check: cnnviz {_installed('cnnviz') or '(not installed)'}, Python {platform.python_version()} "
        f"on {platform.system()} {platform.machine()}; mode {config.mode()}",
        file=out,
        flush=True,
    )
    checks = [check_python, check_packages, check_widgets, check_memory, lambda: check_datasets(network)]
    checks += [check_training] if train else []
    red = 0
    for check in checks:
        for line in check():
            red += not line.ok
            print(str(line), file=out, flush=True)
    summary = "ready for the class" if not red else f"{red} line(s) to fix (FIX above, each with what to do)"
    print(f"{summary}; checked in {time.perf_counter() - start:.0f} s", file=out, flush=True)
    return red


def main(argv=None):
    """The command line; exits with status 1 when a line needs fixing."""
    parser = argparse.ArgumentParser(prog="python -m cnnviz.check", description=__doc__.split("\n")[0])
    parser.add_argument("--no-train", action="store_true", help="skip the Keras training step")
    parser.add_argument("--no-network", action="store_true", help="do not try to reach the download hosts")
    args = parser.parse_args(argv)
    return 1 if run(train=not args.no_train, network=(lambda url: False) if args.no_network else reachable) else 0


if __name__ == "__main__":
    sys.exit(main())
