"""Installs that work: the wheel holds the images, runs notebooks 01 and 02 outside the checkout, and the tested versions are the bounds.

The wheel test takes the path Colab takes (``pip install`` of the package, not of the checkout)
without Colab: it builds the wheel from a copy of the checkout (``pip wheel --no-deps``), installs
only that wheel into a fresh virtual environment in a temporary folder, and runs notebooks 01 and 02
under nbval from a folder outside the repository. To stay fast and offline, the fresh environment
sees the dependencies of the environment running the tests through a ``.pth`` line naming its
site-packages: a plain path line does not run that folder's own ``.pth`` files, so the checkout's
editable cnnviz stays invisible, and the test asserts that ``cnnviz`` comes from the fresh
environment.
"""
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
NOTEBOOKS = ("01_images_as_numbers.ipynb", "02_convolution_by_hand.ipynb")
IMAGES = sorted(p.name for p in (ROOT / "assets").iterdir() if p.suffix.lower() in samples.PHOTO_SUFFIXES)
# The packages whose lower bound must be the version `make test` runs (pinned in constraints.txt).
TESTED_BOUNDS = ("tensorflow-cpu", "tensorflow", "keras", "ipywidgets", "jupyterlab")


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
    assert have in needed.specifier, (f"this environment has setuptools {have}, the build needs {needed}: "
                                      "`make install` upgrades it (pinned in constraints.txt)")
    # --no-build-isolation: build with this environment's setuptools, offline (`make` installs it).
    _run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
          "--wheel-dir", out, checkout_copy])
    wheels = list(out.glob("cnnviz-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_the_wheel_holds_every_image_of_assets_and_its_licence_notes(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert IMAGES, "assets/ holds no image"
    missing = [f"cnnviz/assets/{name}" for name in [*IMAGES, "README.md"] if f"cnnviz/assets/{name}" not in names]
    assert not missing, f"the wheel lacks {missing}"
    assert "cnnviz/samples.py" in names and "cnnviz/__init__.py" in names


def test_the_wheel_installed_outside_the_checkout_runs_notebooks_01_and_02(wheel, tmp_path):
    python = _fresh_venv(tmp_path / "venv")
    _pip_into(python, wheel)
    where = _run([python, "-c", "import pathlib, cnnviz, cnnviz.samples as s; print(cnnviz.__file__); print(s.ASSETS); "
                  "print(s.load_asset('coffee.png').shape); print(isinstance(s.ASSETS, pathlib.Path))"],
                 cwd=tmp_path).stdout.splitlines()
    venv = (tmp_path / "venv").resolve()
    assert Path(where[0]).resolve().is_relative_to(venv), f"cnnviz came from {where[0]}, not the fresh venv"
    assert Path(where[1]).resolve().is_relative_to(venv) and not Path(where[1]).resolve().is_relative_to(ROOT)
    assert where[2] == str(samples.load_asset("coffee.png").shape)
    assert where[3] == "True", "ASSETS must be a pathlib.Path: notebooks and photos.read_photo use it as one"
    # The notebooks run from a folder that is neither the checkout nor below it, as on Colab.
    run = tmp_path / "lesson"
    run.mkdir()
    for name in NOTEBOOKS:
        shutil.copy2(ROOT / "notebooks" / name, run / name)
    shutil.copy2(ROOT / "tests" / "nbval_sanitize.cfg", run / "sanitize.cfg")
    (run / "pytest.ini").write_text("[pytest]\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(CNNVIZ_MODE="quick", CNNVIZ_OFFLINE="1", CNNVIZ_CACHE_DIR=str(tmp_path / "cache"), MPLBACKEND="agg")
    _run([python, "-m", "pytest", "-c", "pytest.ini", "--rootdir", run, "-p", "no:cacheprovider", "-q",
          "--nbval", "--nbval-current-env", "--nbval-sanitize-with", "sanitize.cfg", *NOTEBOOKS], cwd=run, env=env)


def test_an_editable_install_reads_the_assets_folder_of_the_checkout(checkout_copy, tmp_path):
    python = _fresh_venv(tmp_path / "venv")
    _pip_into(python, "--no-build-isolation", "--editable", checkout_copy)
    where = _run([python, "-c", "import pathlib, cnnviz.samples as s; print(s.ASSETS); print(s.asset_names()); "
                  "print(isinstance(s.ASSETS, pathlib.Path))"], cwd=tmp_path).stdout.splitlines()
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


# ---- the versions tested are the versions admitted ----

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


def _lower_bounds():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = [Requirement(r) for r in project["dependencies"] + project["optional-dependencies"]["cpu"]]
    bounds = {}
    for req in reqs:
        lows = [Version(s.version) for s in req.specifier if s.operator == ">="]
        bounds[req.name.lower()] = lows[0] if lows else None
    python = [Version(s.version) for s in project_python(project) if s.operator == ">="]
    return bounds, python[0]


def project_python(project):
    return Requirement(f"python{project['requires-python']}").specifier


def test_constraints_pin_one_version_of_each_package_and_never_cnnviz_itself():
    pins, _ = _constraints()
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    assert "cnnviz" not in pins and not [line for line in lines if line.startswith(("-e", "--editable"))]
    for name in ("tensorflow-cpu", "keras", "ipywidgets", "jupyterlab", "numpy", "nbval", "setuptools"):
        assert name in pins, f"constraints.txt does not pin {name}"


def test_lower_bounds_are_the_versions_make_test_runs():
    pins, python = _constraints()
    bounds, requires_python = _lower_bounds()
    assert requires_python == python, f"requires-python >={requires_python} but the tests run Python {python}"
    for name in TESTED_BOUNDS:
        pinned = pins["tensorflow-cpu" if name == "tensorflow" else name]  # one TensorFlow version on every platform
        assert bounds[name] == pinned, f"pyproject admits {name}>={bounds[name]}, the tests run {pinned}"
