"""Replica environments: the course on Colab's versions and at its lower bounds (`make test-colab`, `test-minimum`).

Both build a virtual environment once (a stamp inside it records what was installed; a changed
list rebuilds it), install cnnviz from this checkout on every run, and run pytest with the arguments
after ``--`` (the Makefile sets the test environment variables and the lock):

    python3.13 tests/replica.py colab   build/venv-colab    -- tests/test_widgets.py notebooks/01_x.ipynb --nbval
    python3.11 tests/replica.py minimum build/venv-minimum  -- tests ...
    python3.13 tests/replica.py pins    # rewrite tests/colab-versions.txt from ../shared/colab/pip-freeze.txt

- ``colab``: the versions of tests/colab-versions.txt (Colab's, for the packages the course touches),
  then cnnviz exactly as the notebooks' first cell installs it (``%pip install --no-deps ...``),
  with a wheel built here in place of the git address.
- ``minimum``: cnnviz with its dependencies (extras from ``--extras``), every dependency held at the
  lower bound pyproject.toml declares (``name>=X`` becomes the constraint ``name==X``); cnnviz
  editable, as `make test` installs it.

pytest runs with ``-P --import-mode=importlib`` (and tests/ on PYTHONPATH for the tests' helpers) so
that tests import the installed cnnviz (in colab: the wheel, not the checkout). Building a replica
needs PyPI; `make test` never calls this.
"""

import argparse
import hashlib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLAB_FREEZE = ROOT.parent / "shared" / "colab" / "pip-freeze.txt"
COLAB_PINS = ROOT / "tests" / "colab-versions.txt"
# What the course touches on Colab: what the notebooks and cnnviz import, and what runs the tests.
# `pins` resolves these (and what they pull in) at the Colab freeze's versions; TensorFlow is
# installed as tensorflow-cpu of Colab's tensorflow version (same code, no CUDA).
COLAB_COURSE = [
    "keras",
    "tensorflow",
    "ipywidgets",
    "ipykernel",
    "ipython",
    "numpy",
    "matplotlib",
    "pillow",
    "nbformat",
    "nbclient",
    "jupyter-client",
    "traitlets",
    "pyyaml",
    "pytest",
]
TEST_TOOLS = ["nbval"]  # not on Colab: the newest release that works with the rest
LOWER = re.compile(r"^\s*(?P<name>[A-Za-z0-9._-]+)\s*(?:\[[^\]]*\])?\s*(?P<spec>[^;]*?)\s*(?:;\s*(?P<marker>.*))?$")


def run(*cmd, **kwargs):
    """Print ``cmd`` and run it; raise CalledProcessError when it fails."""
    print("+", shlex.join(map(str, cmd)), flush=True)
    return subprocess.run([str(c) for c in cmd], check=True, **kwargs)


def lower_bounds(extras):
    """Return constraint lines ``name==lower`` (with markers) for pyproject's dependencies and ``extras``.

    Raises:
        SystemExit: a dependency declares no lower bound (``>=``), so there is no floor to test.
    """
    lines = []
    for requirement in requirements(extras):
        m = LOWER.match(requirement)
        floor = re.search(r">=\s*([^,\s]+)", m["spec"]) if m else None
        if floor is None:
            raise SystemExit(f"pyproject.toml: {requirement!r} declares no lower bound (>=); test-minimum needs one")
        lines.append(f"{m['name']}=={floor[1]}" + (f"; {m['marker']}" if m["marker"] else ""))
    return lines


def requirements(extras):
    """Return pyproject's dependencies and those of ``extras``, as written there."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return list(project["dependencies"]) + [r for extra in extras for r in project["optional-dependencies"][extra]]


def colab_pins():
    """Return (Colab's Python as "3.13", the pinned requirement lines of tests/colab-versions.txt)."""
    text = COLAB_PINS.read_text()
    lines = [line.split("#")[0].strip() for line in text.splitlines()]
    return re.search(r"^# Python (\d+\.\d+)", text, re.MULTILINE)[1], [line for line in lines if line]


def setup_line():
    """Return the arguments of the ``%pip install`` line of notebook 01's first code cell (written by .ci/launch.py)."""
    notebook = json.loads(next((ROOT / "notebooks").glob("01_*.ipynb")).read_text())
    first = next(c for c in notebook["cells"] if c["cell_type"] == "code")
    line = next(li.strip() for li in "".join(first["source"]).splitlines() if li.strip().startswith("%pip install"))
    return shlex.split(line)[2:]


def ensure_venv(python, venv, lines, install):
    """Create ``venv`` with ``python`` and call ``install(pip)``, unless the stamp says ``lines`` are installed."""
    stamp = venv / ".replica-installed"
    key = hashlib.sha256(json.dumps([str(python), *lines]).encode()).hexdigest()
    if stamp.exists() and stamp.read_text() == key:
        return
    shutil.rmtree(venv, ignore_errors=True)
    run(python, "-m", "venv", venv)
    pip = [venv / "bin" / "python", "-m", "pip"]
    run(*pip, "install", "--quiet", "--upgrade", "pip", "setuptools")  # as `make test` (the wheel test builds offline)
    install(pip)
    stamp.write_text(key)


def build_wheel(venv):
    """Build cnnviz's wheel from this checkout into ``venv``/wheel and return its path."""
    out = Path(venv) / "wheel"
    shutil.rmtree(out, ignore_errors=True)
    run(Path(venv) / "bin" / "python", "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", out, ROOT)
    return next(out.glob("cnnviz-*.whl"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("kind", choices=["colab", "minimum", "pins"])
    parser.add_argument("venv", type=Path, nargs="?", help="the virtual environment to build (colab, minimum)")
    parser.add_argument("--extras", default="cpu,test", help="minimum: the extras of cnnviz to install")
    parser.add_argument("--lock", help="run pytest under flock on this file (the shared training lock)")
    argv = sys.argv[1:] if argv is None else list(argv)
    split = argv.index("--") if "--" in argv else len(argv)
    args, pytest_args = parser.parse_args(argv[:split]), argv[split + 1 :]
    if args.kind == "pins":
        return write_colab_pins()
    python, venv = Path(sys.executable), args.venv.resolve()
    pip = [venv / "bin" / "python", "-m", "pip"]
    if args.kind == "colab":
        version, lines = colab_pins()
    else:
        extras = [e for e in args.extras.split(",") if e]
        lines, constraints = lower_bounds(extras), venv / "lower-bounds.txt"
        version = re.search(
            r">=\s*(\d+\.\d+)", tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
        )[1]

        def install(pip):  # the dependencies at their floors; cnnviz itself comes from a fresh wheel every run
            constraints.write_text("\n".join(lines) + "\n")
            run(*pip, "install", "--quiet", "-c", constraints, *requirements(extras))

    if f"{sys.version_info[0]}.{sys.version_info[1]}" != version:
        raise SystemExit(
            f"the {args.kind} replica runs on Python {version}; this is {sys.version.split()[0]} "
            f"({sys.executable}): run this script with a Python {version}"
        )
    if args.kind == "colab":
        ensure_venv(python, venv, lines, lambda pip: run(*pip, "install", "--quiet", *lines))
    else:
        ensure_venv(python, venv, lines, install)

    run(*pip, "uninstall", "--quiet", "--yes", "cnnviz")
    if args.kind == "colab":  # exactly the notebooks' first cell, with a wheel of this checkout in place of git
        wheel = build_wheel(venv)
        run(*pip, "install", *[str(wheel) if a.startswith("cnnviz @") else a for a in setup_line()])
    else:  # as `make test` installs it (editable: the install and teaching tests read the checkout through it)
        run(*pip, "install", "--quiet", "-c", constraints, "-e", f"{ROOT}[{','.join(extras)}]")
    installed = subprocess.run([*map(str, pip), "list", "--format=freeze"], capture_output=True, text=True).stdout
    names = "tensorflow([-_]cpu)?|keras|ipywidgets|ipykernel|ipython|numpy|matplotlib|pillow|ipycanvas|jupyterlab"
    shown = [line for line in installed.splitlines() if re.match(f"(?i)({names}|cnnviz)==", line)]
    where = "import cnnviz, platform; print(platform.python_version(), cnnviz.__file__)"
    where = subprocess.run([str(pip[0]), "-P", "-c", where], capture_output=True, text=True, cwd=ROOT)
    if where.returncode:  # what the replica exists to catch: say it, with Python's own message
        print(f"{args.kind} replica: `import cnnviz` fails:\n{where.stderr}", file=sys.stderr)
        return 1
    where = where.stdout.split()
    print(f"{args.kind} replica: Python {where[0]}", " ".join(shown), f"(cnnviz from {where[1]})", flush=True)
    if not pytest_args:
        return 0
    lock = ["flock", args.lock] if args.lock and shutil.which("flock") else []  # macOS has no flock: no lock
    # tests/ for the tests' own helpers (notebook_run); no debugpy note about Python 3.13's frozen modules
    env = {**os.environ, "PYTHONPATH": str(ROOT / "tests"), "PYDEVD_DISABLE_FILE_VALIDATION": "1"}
    return subprocess.run(
        [*lock, str(pip[0]), "-P", "-m", "pytest", "--import-mode=importlib", *pytest_args], cwd=ROOT, env=env
    ).returncode


def write_colab_pins():
    """Resolve COLAB_COURSE and TEST_TOOLS held at the Colab freeze's versions; write tests/colab-versions.txt."""
    freeze = COLAB_FREEZE.read_text()
    colab = dict(line.split("==", 1) for line in freeze.splitlines() if "==" in line and not line.startswith("#"))
    colab = {re.sub(r"[-_.]+", "-", k).lower(): v for k, v in colab.items()}
    snapshot = next(line for line in freeze.splitlines() if line.startswith("#"))
    python = re.search(r"^# Python (\d+\.\d+)", freeze, re.MULTILINE)[1]
    if f"{sys.version_info[0]}.{sys.version_info[1]}" != python:
        raise SystemExit(f"Colab runs Python {python}: resolve its versions with that Python, not {sys.version}")
    top = [f"{n}=={colab[n]}" if n != "tensorflow" else f"tensorflow-cpu=={colab['tensorflow']}" for n in COLAB_COURSE]
    with tempfile.TemporaryDirectory() as tmp:
        constraints = Path(tmp) / "colab.txt"
        constraints.write_text("\n".join(f"{k}=={v}" for k, v in colab.items()) + "\n")
        report = Path(tmp) / "report.json"
        run(
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--dry-run",
            "--ignore-installed",
            "--report",
            report,
            "-c",
            constraints,
            *top,
            *TEST_TOOLS,
        )
        resolved = {
            re.sub(r"[-_.]+", "-", i["metadata"]["name"]).lower(): i["metadata"]["version"]
            for i in json.loads(report.read_text())["install"]
        }
    missing = ", ".join(sorted(n for n in resolved if n not in colab and n != "tensorflow-cpu"))
    lines = [
        "# The versions `make test-colab` installs (tests/replica.py): Colab's, for the packages the course",
        "# touches and what they pull in. Written by `python3.13 tests/replica.py pins` from",
        "# ../shared/colab/pip-freeze.txt, which says:",
        snapshot,
        f"# Python {python}. tensorflow-cpu stands for Colab's tensorflow (same version, no CUDA).",
        f"# Not on Colab (the newest that fit): {missing}.",
    ]
    lines += [f"{name}=={version}" for name, version in sorted(resolved.items())]
    COLAB_PINS.write_text("\n".join(lines) + "\n")
    print(f"wrote {COLAB_PINS.relative_to(ROOT)}: {len(resolved)} packages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
