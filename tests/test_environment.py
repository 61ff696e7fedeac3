"""Keep environment.yml (conda, Binder) and pyproject.toml (pip) listing the same packages with the same bounds."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
# pip name -> conda-forge name, where they differ (none today: TensorFlow and Keras come from PyPI,
# in environment.yml's pip: section, under their pip names)
CONDA_NAMES = {}


def _split(req):
    """Return (name, version spec) of a requirement string."""
    m = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", req)
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def pip_requirements():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    # the Jupyter server (`lab`), the backend `make` installs (`cpu`: one line per platform, same bounds)
    # and the test tools: a Binder or conda environment is a whole lab, as `make lab` builds
    reqs = list(project["dependencies"]) + list(extras["lab"]) + list(extras["cpu"]) + list(extras["test"])
    return dict(_split(r.split(";")[0]) for r in reqs)


def conda_requirements():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = [d for d in env["dependencies"] if isinstance(d, str)]
    # packages on PyPI only (not on conda-forge) are listed in the pip: section
    deps += [
        d.split("#")[0].split(";")[0].strip()
        for section in env["dependencies"]
        if isinstance(section, dict)
        for d in section.get("pip", [])
        if not d.startswith("-")
    ]
    return dict(_split(d.replace("=", "==", 1) if re.match(r"^[\w.\-]+=[^=<>]", d) else d) for d in deps)


def test_environment_yml_lists_the_same_packages_as_pyproject():
    pip = {CONDA_NAMES.get(name, name): spec for name, spec in pip_requirements().items()}
    assert pip["tensorflow"] == pip["tensorflow-cpu"], "one TensorFlow bound for every platform"
    conda = {name: spec for name, spec in conda_requirements().items() if name not in ("python", "pip")}
    assert conda == pip, (
        "environment.yml and pyproject.toml disagree; missing from environment.yml: "
        f"{sorted(set(pip) - set(conda))}, only in environment.yml: {sorted(set(conda) - set(pip))}, "
        f"different bounds: {sorted(n for n in set(pip) & set(conda) if pip[n] != conda[n])}"
    )


def _markers(lines):
    """Return {name: environment marker} of requirement lines that carry one."""
    return {_split(line.split(";")[0])[0]: " ".join(line.split(";", 1)[1].split()) for line in lines if ";" in line}


def test_environment_yml_picks_tensorflow_per_platform_as_the_cpu_extra_does():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_section = next(d for d in env["dependencies"] if isinstance(d, dict))["pip"]
    extra = _markers(project["optional-dependencies"]["cpu"])
    assert set(extra) == {"tensorflow", "tensorflow-cpu"} and _markers(pip_section) == extra


def test_environment_yml_installs_the_project_and_pins_python_311():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "conda-forge" in env["channels"]
    assert "python=3.11" in env["dependencies"]
    pip_section = [d for d in env["dependencies"] if isinstance(d, dict)]
    assert pip_section and "-e ." in pip_section[0]["pip"]
