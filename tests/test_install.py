"""Installs that work: the wheel holds every module and image; bounds that are floors; a hub keeps its server.

The wheel test takes the path Colab takes (``pip install`` of the package, not of the checkout)
without Colab: it builds the wheel from a copy of the checkout (``pip wheel --no-deps``), installs
only that wheel into a fresh virtual environment in a temporary folder, and, from a folder outside the
repository, imports every cnnviz module and reads every image of assets/ (cnnviz reads no other file of
the checkout: samples.py is the one module that looks for files beside it). It runs no notebook: nbval
runs them all in the checkout, and `make test-colab` runs them all from a wheel. To stay fast and offline,
the fresh environment sees the dependencies of the environment running the tests through a ``.pth``
line naming its site-packages: a plain path line does not run that folder's own ``.pth`` files, so the
checkout's editable cnnviz stays invisible, and the test asserts that ``cnnviz`` comes from the fresh
environment.

The hub test asks pip, offline, what ``pip install cnnviz`` (and ``cnnviz[cpu]``) would install into an
older hub's environment: a fresh virtual environment holding the metadata of JupyterLab 3.6, the classic
Notebook 6.5, ipykernel 6.17 and ipywidgets 7.7 in front of this environment's packages (``--dry-run
--no-index --report``, the wheel built here the only thing to find). It passes only when pip would install
cnnviz alone; the same run with the ``lab`` extra must ask for JupyterLab 4, so the test can fail.
"""

import importlib.metadata
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from cnnviz import samples

ROOT = Path(__file__).resolve().parents[1]
IMAGES = sorted(p.name for p in (ROOT / "assets").iterdir() if p.suffix.lower() in samples.PHOTO_SUFFIXES)


def _run(cmd, **kw):
    """Run ``cmd``; on failure, fail the test with its output."""
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kw)
    if done.returncode:
        pytest.fail(f"{' '.join(map(str, cmd))} exited {done.returncode}\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return done


def _source_files():
    """Return the checkout's files a clone would hold (tracked or new, never ignored), relative to ROOT."""
    if shutil.which("git") and (ROOT / ".git").exists():
        out = _run(["git", "-C", ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard"]).stdout
        return [Path(p) for p in out.split("\0") if p and (ROOT / p).is_file()]
    skip = {".venv", ".git", "build"}
    return [p.relative_to(ROOT) for p in ROOT.rglob("*") if p.is_file() and not skip & set(p.relative_to(ROOT).parts)]


def _fresh_venv(folder):
    """Create a virtual environment without pip that sees this environment's packages through a .pth line."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", folder], check=True)
    python = folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    ours = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    (purelib / "_cnnviz_test_dependencies.pth").write_text("".join(f"{p}\n" for p in ours))
    return python


def _pip_into(python, *args):
    """Run this environment's pip on the environment of ``python`` (pip's --python option)."""
    return _run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", *args])


@pytest.fixture(scope="module")
def checkout_copy(tmp_path_factory):
    """A copy of the checkout as a clone would have it (so the build never writes into the checkout)."""
    copy = tmp_path_factory.mktemp("checkout") / "cnnviz"
    for rel in _source_files():
        (copy / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, copy / rel)
    return copy


@pytest.fixture(scope="module")
def wheel(checkout_copy, tmp_path_factory):
    """The wheel pip builds from the checkout, as ``pip install git+...`` on Colab builds it."""
    out = tmp_path_factory.mktemp("wheel")
    needed = Requirement(tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"][0])
    have = Version(_run([sys.executable, "-c", "import setuptools; print(setuptools.__version__)"]).stdout.strip())
    assert have in needed.specifier, (
        f"this environment has setuptools {have}, the build needs {needed}: "
        "`make install` upgrades it (pinned in constraints.txt)"
    )
    # --no-build-isolation: build with this environment's setuptools, offline (`make` installs it).
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            out,
            checkout_copy,
        ]
    )
    wheels = list(out.glob("cnnviz-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.mark.slow
def test_the_wheel_holds_every_image_of_assets_and_its_licence_notes(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert IMAGES, "assets/ holds no image"
    missing = [f"cnnviz/assets/{name}" for name in [*IMAGES, "README.md"] if f"cnnviz/assets/{name}" not in names]
    assert not missing, f"the wheel lacks {missing}"
    assert "cnnviz/samples.py" in names and "cnnviz/__init__.py" in names


WHEEL_CHECK = """
import importlib, json, pathlib, pkgutil, cnnviz, cnnviz.samples as s
modules = sorted(m.name for m in pkgutil.iter_modules(cnnviz.__path__))
for name in modules:
    importlib.import_module(f"cnnviz.{name}")
print(json.dumps({"cnnviz": cnnviz.__file__, "assets": str(s.ASSETS), "is_path": isinstance(s.ASSETS, pathlib.Path),
                  "modules": modules, "names": s.asset_names(),
                  "shapes": [list(s.load_asset(n).shape) for n in s.asset_names()]}))
"""


@pytest.mark.slow
def test_the_wheel_installed_outside_the_checkout_imports_every_module_and_reads_every_image(wheel, tmp_path):
    python = _fresh_venv(tmp_path / "venv")
    _pip_into(python, wheel)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(CNNVIZ_MODE="quick", CNNVIZ_OFFLINE="1", CNNVIZ_CACHE_DIR=str(tmp_path / "cache"), MPLBACKEND="agg")
    got = json.loads(_run([python, "-c", WHEEL_CHECK], cwd=tmp_path, env=env).stdout.splitlines()[-1])
    venv = (tmp_path / "venv").resolve()
    assert Path(got["cnnviz"]).resolve().is_relative_to(venv), f"cnnviz came from {got['cnnviz']}, not the fresh venv"
    assert Path(got["assets"]).resolve().is_relative_to(venv) and not Path(got["assets"]).resolve().is_relative_to(ROOT)
    assert got["is_path"], "ASSETS must be a pathlib.Path: notebooks and photos.read_photo use it as one"
    modules = [p.stem for p in (ROOT / "cnnviz").glob("*.py") if p.stem != "__init__"]
    assert got["modules"] == sorted([*modules, "assets"])  # assets/ ships as the package cnnviz.assets
    assert got["names"] == IMAGES
    assert got["shapes"] == [list(samples.load_asset(name).shape) for name in IMAGES]


@pytest.mark.slow
def test_an_editable_install_reads_the_assets_folder_of_the_checkout(checkout_copy, tmp_path):
    python = _fresh_venv(tmp_path / "venv")
    _pip_into(python, "--no-build-isolation", "--editable", checkout_copy)
    where = _run(
        [
            python,
            "-c",
            "import pathlib, cnnviz.samples as s; print(s.ASSETS); print(s.asset_names()); "
            "print(isinstance(s.ASSETS, pathlib.Path))",
        ],
        cwd=tmp_path,
    ).stdout.splitlines()
    assert Path(where[0]).resolve() == (checkout_copy / "assets").resolve()
    assert where[1] == str(IMAGES) and where[2] == "True"


def test_load_asset_takes_height_then_width_as_keras_does():
    photo = samples.load_asset("coffee.png")
    assert photo.dtype == np.uint8 and photo.ndim == 3 and photo.shape[2] == 3
    assert samples.load_asset("coffee.png", (30, 70)).shape == (30, 70, 3)
    assert samples.load_asset("coffee.png", np.array([12, 5])).shape == (12, 5, 3)  # a Keras shape slice works too
    assert samples.load_asset("coffee.png", photo.shape[:2]).tobytes() == photo.tobytes()


@pytest.mark.parametrize("size", [224, (224,), (224, 224, 3), (0, 10), (10.5, 10), ("10", 10), (True, 3)])
def test_load_asset_refuses_a_size_that_is_not_height_and_width(size):
    with pytest.raises(ValueError, match=r"size must be \(height, width\).*got"):
        samples.load_asset("coffee.png", size)


def test_load_asset_names_the_photos_there_are_when_one_is_missing():
    with pytest.raises(FileNotFoundError, match=r"no asset named 'dog.jpg'.*coffee\.png"):
        samples.load_asset("dog.jpg")
    assert samples.asset_names() == IMAGES


# ---- constraints.txt: the versions CI runs ----


def _constraints():
    """Return {name: version} pinned in constraints.txt, and the Python version written in its header."""
    text = (ROOT / "constraints.txt").read_text()
    pins = {}
    for line in text.splitlines():
        line = line.split("#")[0].strip()
        if line:
            req = Requirement(line)
            (spec,) = req.specifier
            assert spec.operator == "==", f"constraints.txt pins exact versions, not {line!r}"
            pins[re.sub(r"[-_.]+", "-", req.name).lower()] = Version(spec.version)
    python = re.search(r"^# Python (\d+\.\d+)\.\d+", text, re.MULTILINE)
    assert python, "constraints.txt must say in a '# Python X.Y.Z' line which Python it was made with"
    return pins, Version(python.group(1))


def _requirements(*extras):
    """Return pyproject's runtime requirements plus those of ``extras``, as ``Requirement`` objects."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [
        Requirement(r)
        for r in project["dependencies"] + [r for e in extras for r in project["optional-dependencies"][e]]
    ]


def project_python(project):
    return Requirement(f"python{project['requires-python']}").specifier


def _floor(req):
    """Return the one ``>=`` bound of ``req`` (what ``make test-minimum`` installs)."""
    floors = [Version(s.version) for s in req.specifier if s.operator == ">="]
    assert len(floors) == 1, f"{req}: a bound must be one floor, written name>=X (an upper bound <Y may follow)"
    return floors[0]


def test_constraints_pin_one_version_of_each_package_and_never_cnnviz_itself():
    pins, _ = _constraints()
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    assert "cnnviz" not in pins and not [line for line in lines if line.startswith(("-e", "--editable"))]
    for name in ("tensorflow-cpu", "keras", "ipywidgets", "jupyterlab", "numpy", "nbval", "setuptools"):
        assert name in pins, f"constraints.txt does not pin {name}"


# ---- lower bounds: the oldest versions that work, not the versions CI pins ----
# Colab's CPU runtime as of August 2026 (its published pip freeze; `make test-colab` runs the notebooks on it).
# The bounds must admit it: the notebooks install cnnviz there with --no-deps, onto these versions.
COLAB = {
    "python": "3.13",
    "keras": "3.13.2",
    "tensorflow": "2.20.0",
    "tensorflow-cpu": "2.20.0",
    "ipywidgets": "7.7.1",
    "ipykernel": "6.17.1",
    "numpy": "2.1.3",
    "matplotlib": "3.10.0",
    "pillow": "11.3.0",
}


def test_every_bound_is_one_floor_that_make_test_minimum_can_install():
    for req in _requirements("lab", "cpu", "test"):
        floor = _floor(req)
        assert all(s.operator in (">=", "<") for s in req.specifier), f"{req}: only >=X and <Y, no pins or !="
        assert floor in req.specifier, f"{req}: its floor is excluded by its own upper bound"


def test_the_versions_ci_pins_are_inside_the_bounds():
    """constraints.txt may move on (make constraints); it must stay inside what pyproject admits."""
    pins, python = _constraints()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert python in project_python(project), f"constraints.txt was made with Python {python}, outside requires-python"
    for req in _requirements("lab", "cpu", "test"):
        if req.marker is None or req.marker.evaluate({"sys_platform": "linux", "platform_machine": "x86_64"}):
            name = re.sub(r"[-_.]+", "-", req.name).lower()
            assert name in pins, f"constraints.txt pins no {name}: CI would run whatever is newest"
            assert pins[name] in req.specifier, f"CI runs {name} {pins[name]}, which pyproject's {req} excludes"


def test_the_bounds_admit_colabs_versions():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert Version(COLAB["python"]) in project_python(project)
    for req in _requirements("lab", "cpu"):
        if req.name in COLAB:
            assert Version(COLAB[req.name]) in req.specifier, f"{req} excludes Colab's {req.name} {COLAB[req.name]}"
    assert {"keras", "tensorflow", "tensorflow-cpu", "ipywidgets", "ipykernel", "numpy", "matplotlib", "pillow"} <= {
        req.name for req in _requirements("lab", "cpu")
    }


def test_no_make_target_raises_the_bounds_to_the_pins():
    """`make constraints` rewrites constraints.txt only; the bounds in pyproject.toml stay the oldest that work."""
    recipe = (ROOT / "Makefile").read_text().split("\nconstraints:", 1)[1].split("\n\n", 1)[0]
    assert "pyproject.toml" not in recipe.replace("lower bounds in pyproject.toml stay", "")


# ---- a hub keeps its own server ----
# What an older hub's environment holds: JupyterLab 3 and the classic Notebook, ipywidgets 7. `pip install
# cnnviz` there must install cnnviz and nothing of the server; only the `lab` extra brings JupyterLab 4.
OLD_HUB = {
    "jupyterlab": "3.6.8",
    "jupyter-server": "1.24.0",
    "notebook": "6.5.7",
    "nbclassic": "1.1.0",
    "ipykernel": "6.17.1",
    "ipywidgets": "7.7.1",
    "jupyterlab-widgets": "1.1.11",
    "widgetsnbextension": "3.6.10",
}
SERVER = {
    "jupyterlab",
    "jupyter-server",
    "notebook",
    "nbclassic",
    "jupyterlab-rise",
    "jupyterlab-server",
    "jupyter-lsp",
    "notebook-shim",
    "ipykernel",
}


def _old_hub(folder):
    """A fresh environment that holds OLD_HUB's versions (metadata only) over this environment's packages."""
    python = _fresh_venv(folder)
    purelib = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    for name, version in OLD_HUB.items():  # first on sys.path: pip sees these, not the newer ones behind the .pth line
        info = purelib / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        (info / "INSTALLER").write_text("pip\n")
        (info / "RECORD").write_text("")
    return python


def _dry_run(python, wheel, extra, report):
    """Ask pip, offline, what installing ``cnnviz[extra]`` from ``wheel`` would add to ``python``'s environment."""
    req = f"cnnviz[{extra}] @ {wheel.resolve().as_uri()}" if extra else str(wheel)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "--dry-run",
            "--quiet",
            "--no-index",
            "--find-links",
            str(wheel.parent),
            "--report",
            str(report),
            req,
        ],
        capture_output=True,
        text=True,
    )


@pytest.mark.slow
@pytest.mark.parametrize("extra", ["", "cpu"])
def test_pip_install_cnnviz_into_an_older_hub_installs_cnnviz_alone(wheel, tmp_path, extra):
    python = _old_hub(tmp_path / "hub")
    done = _dry_run(python, wheel, extra, tmp_path / "report.json")
    assert done.returncode == 0, f"pip would not install cnnviz[{extra}] beside JupyterLab 3.6:\n{done.stderr[-3000:]}"
    installs = {
        item["metadata"]["name"]: item["metadata"]["version"]
        for item in json.loads((tmp_path / "report.json").read_text())["install"]
    }
    assert installs == {"cnnviz": "0.1.0"}, f"pip would also install {installs}: the hub's packages must stay"


@pytest.mark.slow
def test_the_lab_extra_is_what_brings_jupyterlab_4(wheel, tmp_path):
    """The same dry run with the `lab` extra must want a newer JupyterLab: the test above can fail."""
    done = _dry_run(_old_hub(tmp_path / "hub"), wheel, "lab", tmp_path / "report.json")
    assert done.returncode != 0 and re.search(r"requirement jupyterlab<5,>=4", done.stderr), done.stderr[-3000:]


@pytest.mark.slow
def test_the_runtime_requirements_reach_no_jupyter_server(wheel):
    """Requires-Dist without an extra (and `cpu`), followed through the installed packages' own requirements.

    One path is allowed, and only where it is real: ipywidgets 7 (the floor, Colab's version; installed by
    ``make test-minimum``) requires widgetsnbextension 3, which requires the classic Notebook. An environment
    holding ipywidgets 7 holds that Notebook already, and a fresh ``pip install cnnviz`` takes ipywidgets 8,
    which requires no server: the CI environment, at the pinned versions, checks that path with no exception.
    """
    meta = zipfile.ZipFile(wheel).read("cnnviz-0.1.0.dist-info/METADATA").decode()
    todo = [Requirement(line.split(":", 1)[1]) for line in meta.splitlines() if line.startswith("Requires-Dist:")]
    todo = [
        (r, "cnnviz")
        for r in todo
        if r.marker is None or r.marker.evaluate({"extra": ""}) or r.marker.evaluate({"extra": "cpu"})
    ]
    seen = {}  # name -> the package whose requirement brought it
    while todo:
        req, parent = todo.pop()
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        if name in seen:
            continue
        seen[name] = parent
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue  # not installed here (another platform's TensorFlow)
        todo += [
            (r, name)
            for r in map(Requirement, requires)
            if r.marker is None or any(r.marker.evaluate({"extra": e}) for e in ["", *req.extras])
        ]

    def path(name):
        return [name] if name == "cnnviz" else [*path(seen[name]), name]

    ipywidgets_7 = Version(importlib.metadata.version("ipywidgets")).major < 8
    servers = {name: path(name) for name in SERVER & set(seen)}
    unexplained = {n: p for n, p in servers.items() if not (ipywidgets_7 and "widgetsnbextension" in p)}
    assert not unexplained, f"`pip install cnnviz[cpu]` would bring a server: {unexplained}"
    assert {"keras", "ipywidgets", "numpy"} <= set(seen)
