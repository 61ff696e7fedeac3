"""Binder builds the suite from environment.yml: check the file against the rules repo2docker applies to it.

The rules, from repo2docker's documentation and its conda build pack (repo2docker/buildpacks/conda/):
- configuration is read from `binder/` or `.binder/` when either exists (never both), else from the
  root; a Dockerfile there (or a Julia/Nix/R build file) wins over environment.yml;
- environment.yml must hold a mapping; repo2docker does not create an environment by that `name`, it
  updates its own base environment (`micromamba install -p ${NB_PYTHON_PREFIX} -f environment.yml`), so
  the packages it brings must agree with that base (conda-forge, JupyterLab 4, ipywidgets 8);
- the Python version is read from the first dependency matching `python\\s*=+\\s*([\\d.]*)` and picks one of
  its frozen base environments (3.8 to 3.14 at the time of writing);
- a pip requirement that points at a local path (`-e .`) makes repo2docker copy the whole repository in
  before installing the environment, so `-e .` installs cnnviz from the checkout.
"""

import re
from pathlib import Path

import yaml
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[1]
# repo2docker/buildpacks/conda/__init__.py and supported_python_version.py
PYTHON_REGEX = re.compile(r"python\s*=+\s*([\d\.]*)")
SUPPORTED_PYTHONS = ("3.8", "3.9", "3.10", "3.11", "3.12", "3.13", "3.14")
# Build files of build packs that repo2docker tries before the conda one, or that replace it.
WINNING_FILES = (
    "Dockerfile",
    "Project.toml",
    "JuliaProject.toml",
    "REQUIRE",
    "default.nix",
    "flake.nix",
    "DESCRIPTION",
    "install.R",
)


def config_dir():
    """Return the folder repo2docker reads its configuration from."""
    dirs = [ROOT / d for d in ("binder", ".binder") if (ROOT / d).is_dir()]
    assert len(dirs) <= 1, "repo2docker refuses a repository with both binder/ and .binder/"
    return dirs[0] if dirs else ROOT


def environment():
    return yaml.safe_load((config_dir() / "environment.yml").read_text())


def test_repo2docker_finds_environment_yml_and_nothing_overrides_it():
    folder = config_dir()
    assert (folder / "environment.yml").is_file(), f"no environment.yml in {folder}, where repo2docker looks"
    winners = [name for name in WINNING_FILES if (folder / name).exists()]
    assert not winners, f"{winners} in {folder} would make repo2docker ignore environment.yml"
    runtime = folder / "runtime.txt"
    assert not (runtime.exists() and runtime.read_text().startswith("r-")), "runtime.txt r-... selects the R build pack"


def test_environment_yml_is_a_mapping_of_conda_forge_dependencies():
    env = environment()
    assert isinstance(env, dict), "repo2docker raises TypeError unless environment.yml holds a mapping"
    assert env.get("channels") == ["conda-forge"], (
        "repo2docker's base environment comes from conda-forge; mixing channels (defaults) breaks the solve"
    )
    deps = env["dependencies"]
    specs = [d for d in deps if isinstance(d, str)]
    pip = [d for d in deps if isinstance(d, dict)]
    assert len(specs) + len(pip) == len(deps), "dependencies hold only strings and one pip: list"
    assert len(pip) == 1 and list(pip[0]) == ["pip"] and isinstance(pip[0]["pip"], list)
    assert "pip" in specs, "a pip: section needs pip itself among the conda packages"
    for spec in specs:  # a conda MatchSpec: name, then an optional version constraint; no pip extras or ~=
        assert re.fullmatch(
            r"[a-z0-9][a-z0-9_.\-]*(\s*(==?|>=|<=|>|<|!=)[\w.*]+(,(==?|>=|<=|>|<|!=)[\w.*]+)*)?", spec
        ), spec


def test_python_version_is_one_repo2docker_has_a_base_environment_for():
    versions = [
        m.group(1) for d in environment()["dependencies"] if isinstance(d, str) for m in [PYTHON_REGEX.match(d)] if m
    ]
    assert versions, "no python=X.Y: repo2docker would pick its default Python, not the one we test with"
    assert ".".join(versions[0].split(".")[:2]) in SUPPORTED_PYTHONS, versions[0]


def test_the_pip_section_installs_the_checkout_which_repo2docker_copies_in_first():
    pip = next(d for d in environment()["dependencies"] if isinstance(d, dict))["pip"]
    local = [line for line in pip if re.match(r"^(-e|--editable)[ =]\.$", line.strip())]
    assert local == ["-e ."], f"expected exactly `-e .` in the pip section, got {pip}"
    # `-e .` runs in the repository root (repo2docker's working directory), where pyproject.toml is.
    assert (ROOT / "pyproject.toml").is_file()


def _pinned(name):
    """Return the version constraints.txt pins for ``name`` (what the tests run)."""
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        m = re.match(rf"^{name}==([\w.]+)\s*$", line.strip(), re.IGNORECASE)
        if m:
            return m.group(1)
    raise AssertionError(f"constraints.txt pins no {name}")


def test_jupyter_packages_agree_with_repo2docker_base_environment():
    # The base environment (environment.py-3.11.yml) pins jupyterlab==4.* and ipywidgets==8.*. The
    # update may raise them within that series (to the versions the tests run), never out of it: a
    # bound that leaves the series makes the update fight the base and the JupyterLab extensions mismatch.
    specs = {}
    for d in environment()["dependencies"]:
        if isinstance(d, str):
            name, bound = re.match(r"([a-z0-9_.\-]+)\s*(.*)", d).groups()
            if re.match(r"^=[^=]", bound):  # conda's python=3.11 means 3.11.*
                bound = f"=={bound[1:]}.*"
            specs[name] = SpecifierSet(bound)
    for name, major in (("jupyterlab", 4), ("ipywidgets", 8)):
        tested = _pinned(name)
        assert tested.startswith(f"{major}."), f"the tests run {name} {tested}, outside the base's {major}.*"
        assert tested in specs[name], f"{name}{specs[name]} excludes the tested {tested}"
        assert f"{major + 1}.0.0" not in specs[name], (
            f"{name}{specs[name]} admits {major + 1}.x, beyond the base's {major}.*"
        )
    assert "jupyterlab_rise" in specs, "the slides extension must be in the Binder image too"
