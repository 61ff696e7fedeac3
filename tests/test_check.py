"""The setup check (`python -m cnnviz.check`): each check's green and red line, driven by monkeypatching (no network),
and one real run whose every red line says what to do."""

import importlib.metadata
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from cnnviz import check, config, data

ROOT = Path(__file__).resolve().parents[1]


def _fake_metadata(monkeypatch, requires_python=">=3.11", requires=(), installed=None):
    """Make check read these requirements and see these installed versions instead of the real ones."""
    reqs = [Requirement(r) for r in requires]
    monkeypatch.setattr(check, "_requirements", lambda dist="cnnviz": (requires_python, reqs))
    if installed is not None:
        monkeypatch.setattr(check, "_installed", lambda name: installed.get(name))


def _red_has_action(lines):
    return all(line.action for line in lines if not line.ok)


# ------------------------------------------------------------------ versions


def test_python_inside_the_declared_range_is_green_and_outside_it_red(monkeypatch):
    _fake_metadata(monkeypatch, ">=3.11")
    [green] = check.check_python("3.11.7")
    assert green.ok and "3.11.7" in green.what and ">=3.11" in green.what
    [red] = check.check_python("3.10.12")
    assert not red.ok and "3.10.12" in red.what and red.action


def test_python_range_comes_from_the_installed_distribution():
    """Not a hard-coded copy: the line quotes the Requires-Python of the installed cnnviz."""
    declared = importlib.metadata.metadata("cnnviz")["Requires-Python"]
    [line] = check.check_python()
    assert declared in line.what


def test_cnnviz_not_installed_is_red_and_says_how_to_install(monkeypatch):
    def missing(dist="cnnviz"):
        raise importlib.metadata.PackageNotFoundError(dist)

    monkeypatch.setattr(check, "_requirements", missing)
    [line] = check.check_python()
    assert not line.ok and "pip install" in line.action
    assert check.check_packages() == []


REQUIRES = [
    "numpy>=1.26",
    "keras>=3.13.2",
    "ipywidgets<9,>=7.7.1",
    "tensorflow-cpu>=2.20; sys_platform == 'linux' and extra == 'cpu'",
    "tensorflow>=2.20; sys_platform == 'darwin' and extra == 'cpu'",
    "jupyterlab<5,>=4.0; extra == 'lab'",
    "pytest>=8; extra == 'test'",
]


def test_packages_in_range_are_green_and_each_one_gets_a_line(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    _fake_metadata(
        monkeypatch,
        requires=REQUIRES,
        installed={
            "numpy": "2.1.3",
            "keras": "3.13.2",
            "ipywidgets": "7.7.1",
            "tensorflow-cpu": "2.20.0",
            "jupyterlab": "4.6.6",
        },
    )
    lines = check.check_packages()
    assert all(line.ok for line in lines), [str(x) for x in lines]
    text = "\n".join(str(x) for x in lines)
    for found in ("numpy 2.1.3", "keras 3.13.2", "ipywidgets 7.7.1", "tensorflow-cpu 2.20.0", "jupyterlab 4.6.6"):
        assert found in text
    assert "pytest" not in text  # the test extra is not the student's business


def test_a_package_out_of_range_or_missing_is_red_with_the_pip_command(monkeypatch):
    _fake_metadata(
        monkeypatch,
        requires=REQUIRES,
        installed={"numpy": "1.24.0", "ipywidgets": "8.1.9", "tensorflow-cpu": "2.21.0", "jupyterlab": "3.6.0"},
    )
    monkeypatch.setattr(sys, "platform", "linux")
    red = {line.what.split()[0]: line for line in check.check_packages() if not line.ok}
    assert set(red) == {"numpy", "keras"}
    assert 'pip install "numpy>=1.26"' in red["numpy"].action
    assert "missing" in red["keras"].what and 'pip install "keras>=3.13.2"' in red["keras"].action
    # a hub's own older JupyterLab is the hub's business (cnnviz never upgrades it): said, not red
    hub = [line for line in check.check_packages() if line.what.startswith("jupyterlab 3.6.0")]
    assert len(hub) == 1 and hub[0].ok and "server's own" in hub[0].what


def test_no_keras_backend_is_red_and_a_hub_without_jupyterlab_is_green(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    _fake_metadata(
        monkeypatch, requires=REQUIRES, installed={"numpy": "2.1.3", "keras": "3.15.1", "ipywidgets": "8.1.9"}
    )
    lines = check.check_packages()
    [red] = [line for line in lines if not line.ok]
    assert "no Keras backend" in red.what and "cnnviz[cpu]" in red.action
    [lab] = [line for line in lines if "jupyterlab" in line.what]
    assert lab.ok and "not in this environment" in lab.what


def test_an_intel_mac_is_sent_to_colab_or_a_hub_for_the_keras_notebooks(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(check.platform, "machine", lambda: "x86_64")
    _fake_metadata(
        monkeypatch, requires=REQUIRES, installed={"numpy": "2.1.3", "keras": "3.15.1", "ipywidgets": "8.1.9"}
    )
    [red] = [line for line in check.check_packages() if not line.ok]
    assert "Intel Mac" in red.what and "Colab or a hub" in red.action and "pip install" not in red.action


def test_packages_are_read_from_the_installed_metadata(monkeypatch):
    """A requirement added to the metadata shows up as a line: the ranges are never a copy inside check.py."""
    real = importlib.metadata.requires("cnnviz")
    monkeypatch.setattr(importlib.metadata, "requires", lambda dist: [*real, "cnnviz-made-up-package>=9"])
    [line] = [line for line in check.check_packages() if "cnnviz-made-up-package" in line.what]
    assert not line.ok and "missing" in line.what and 'pip install "cnnviz-made-up-package>=9"' in line.action


# ------------------------------------------------------------------ widget extensions


def _lab_folders(tmp_path, extensions, disabled=()):
    ext, conf = tmp_path / "labextensions", tmp_path / "etc"
    for name, version in extensions.items():
        (ext / name).mkdir(parents=True)
        (ext / name / "package.json").write_text(json.dumps({"name": name, "version": version}))
    (conf / "labconfig").mkdir(parents=True)
    page_config = {"disabledExtensions": dict.fromkeys(disabled, True)}
    (conf / "labconfig" / "page_config.json").write_text(json.dumps(page_config))
    return [ext], [conf]


def test_lab_extensions_are_read_from_their_folders_with_the_disabled_ones(tmp_path):
    ext, conf = _lab_folders(
        tmp_path, {"@jupyter-widgets/jupyterlab-manager": "5.0.16", "ipycanvas": "0.14.3"}, disabled=["ipycanvas"]
    )
    assert check.lab_extensions(ext, conf) == {
        "@jupyter-widgets/jupyterlab-manager": ("5.0.16", True),
        "ipycanvas": ("0.14.3", False),
    }


def test_widget_extensions_enabled_are_green(tmp_path):
    found = check.lab_extensions(
        *_lab_folders(tmp_path, {"@jupyter-widgets/jupyterlab-manager": "5.0.16", "ipycanvas": "0.14.3"})
    )
    lines = check.check_widgets(found, colab=False, lab_version="4.6.6")
    assert len(lines) == 2 and all(line.ok for line in lines)
    assert "jupyterlab-manager 5.0.16 enabled" in lines[0].what


def test_a_missing_or_disabled_widget_extension_is_red_with_what_to_do(tmp_path):
    found = check.lab_extensions(*_lab_folders(tmp_path, {"ipycanvas": "0.14.3"}, disabled=["ipycanvas"]))
    manager, canvas = check.check_widgets(found, colab=False, lab_version="4.6.6")
    assert not manager.ok and "missing" in manager.what and "pip install" in manager.action
    assert not canvas.ok and "disabled" in canvas.what and "jupyter labextension enable ipycanvas" in canvas.action


def test_on_colab_there_is_no_local_server_and_that_is_not_red():
    [line] = check.check_widgets({}, colab=True)
    assert line.ok and "Colab" in line.what


def test_the_real_lab_extensions_match_jupyter_labextension_list():
    """This environment installs JupyterLab with ipywidgets and ipycanvas: both extensions are found and enabled."""
    found = check.lab_extensions()
    for name in check.WIDGET_EXTENSIONS:
        assert found[name][1], f"{name} not found enabled in {sorted(found)}"


# ------------------------------------------------------------------ memory


def test_memory_enough_is_green_and_too_little_red_with_what_to_do():
    [green] = check.check_memory(3 * 2**30, "test")
    assert green.ok and "3.0 GiB" in green.what
    [red] = check.check_memory(int(1.2 * 2**30), "test")
    assert not red.ok and "1.2 GiB" in red.what and "quick mode" in red.action and "close other programs" in red.action


def test_unknown_memory_is_said_not_red(monkeypatch):
    monkeypatch.setattr(check, "free_memory", lambda: (None, "this system reports no free memory to Python"))
    [line] = check.check_memory()
    assert line.ok and "unknown" in line.what


def test_free_memory_reads_a_positive_figure_here():
    free, source = check.free_memory()
    assert free > 0 and source


# ------------------------------------------------------------------ datasets


@pytest.fixture
def no_data(monkeypatch, tmp_path):
    """No CNNVIZ_DATA_DIR, an empty Keras cache, an empty cnnviz cache, online."""
    for key in ("CNNVIZ_DATA_DIR", "CNNVIZ_OFFLINE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("CNNVIZ_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    return tmp_path


def _dataset_lines(lines):
    return {name: next(line for line in lines if line.what.startswith(label)) for name, label in data.DATASETS.items()}


def test_datasets_in_the_data_dir_are_present(no_data, monkeypatch):
    folder = no_data / "data"
    folder.mkdir()
    (folder / "cifar10-jpeg.tar.gz").write_bytes(b"listed, not read")
    (folder / "cats_and_dogs_filtered.zip").write_bytes(b"listed, not read")
    monkeypatch.setenv("CNNVIZ_DATA_DIR", str(folder))
    monkeypatch.setenv("CNNVIZ_OFFLINE", "1")
    lines = _dataset_lines(check.check_datasets(network=lambda url: pytest.fail("no network needed")))
    assert all(line.ok and "present in CNNVIZ_DATA_DIR" in line.what for line in lines.values())


def test_a_keras_download_counts_as_cached(no_data, monkeypatch):
    datasets = no_data / "keras" / "datasets"
    (datasets / "cifar-10-batches-py-target" / "cifar-10-batches-py").mkdir(parents=True)
    (datasets / "cifar-10-batches-py-target" / "cifar-10-batches-py" / "data_batch_1").write_bytes(b"x")
    (datasets / "cats_and_dogs_filtered.zip").write_bytes(b"x")
    monkeypatch.setenv("CNNVIZ_OFFLINE", "1")
    lines = _dataset_lines(check.check_datasets(network=lambda url: False))
    assert all(line.ok and "cached" in line.what for line in lines.values())


def test_no_copy_is_green_when_downloadable_and_red_when_not(no_data):
    lines = _dataset_lines(check.check_datasets(network=lambda url: True))
    assert all(line.ok and "downloadable" in line.what for line in lines.values())
    lines = _dataset_lines(check.check_datasets(network=lambda url: False))
    assert all(
        not line.ok and "cannot be reached" in line.what and "CNNVIZ_DATA_DIR" in line.action for line in lines.values()
    )


def test_offline_without_a_copy_is_red_and_names_the_bundle(no_data, monkeypatch):
    monkeypatch.setenv("CNNVIZ_OFFLINE", "1")
    lines = _dataset_lines(check.check_datasets(network=lambda url: pytest.fail("offline: no probe")))
    assert all(
        not line.ok and "stand-in" in line.what and "cnnviz.data bundle" in line.action for line in lines.values()
    )


def test_a_data_dir_that_does_not_exist_is_red(no_data, monkeypatch):
    monkeypatch.setenv("CNNVIZ_DATA_DIR", str(no_data / "nowhere"))
    [line] = check.check_datasets(network=lambda url: False)
    assert not line.ok and "not an existing folder" in line.what and line.action


def test_an_incomplete_bundle_is_red(no_data, monkeypatch):
    folder = no_data / "bundle"
    (folder / "models").mkdir(parents=True)
    (folder / "cifar10-jpeg.tar.gz").write_bytes(b"12345")
    (folder / "models" / "cifar10.keras").write_bytes(b"model")
    (folder / "manifest.json").write_text(
        json.dumps(
            {
                "files": [
                    {"path": "cifar10-jpeg.tar.gz", "bytes": 99},
                    {"path": "cats-vs-dogs-train.tar.gz", "bytes": 3},
                    {"path": "models/cifar10.keras", "bytes": 5},
                ]
            }
        )
    )
    monkeypatch.setenv("CNNVIZ_DATA_DIR", str(folder))
    lines = check.check_datasets(network=lambda url: False)
    [bundle_line] = [line for line in lines if line.what.startswith("data bundle")]
    assert not bundle_line.ok and "2 file(s)" in bundle_line.what and "copy the bundle again" in bundle_line.action
    [models] = [line for line in lines if line.what.startswith("models saved")]
    assert models.ok and "1 of 3 (cifar10)" in models.what  # the bundle's model counts for 07


# ------------------------------------------------------------------ training step, the report


def test_a_broken_keras_is_red_with_what_to_do(monkeypatch):
    def broken():
        raise ModuleNotFoundError("Keras needs TensorFlow, which is not installed")

    monkeypatch.setattr(config, "keras_quietly", broken)
    [line] = check.check_training()
    assert not line.ok and "TensorFlow" in line.what and "pip install" in line.action


def _stub_checks(monkeypatch, red):
    for name in ("check_python", "check_packages", "check_widgets", "check_memory"):
        monkeypatch.setattr(check, name, lambda: [check.Line(True, "fine")])
    line = check.Line(not red, "datasets", "do this" if red else "")
    monkeypatch.setattr(check, "check_datasets", lambda network: [line])
    monkeypatch.setattr(check, "check_training", lambda: pytest.fail("--no-train must skip the training step"))


def test_exit_status_is_zero_when_green_and_one_on_a_red_line(monkeypatch, capsys):
    _stub_checks(monkeypatch, red=False)
    assert check.main(["--no-train", "--no-network"]) == 0
    assert "ready for the class" in capsys.readouterr().out
    _stub_checks(monkeypatch, red=True)
    assert check.main(["--no-train", "--no-network"]) == 1
    out = capsys.readouterr().out
    assert "FIX  datasets\n      -> do this" in out and "1 line(s) to fix" in out


@pytest.mark.slow
def test_the_real_check_runs_and_every_red_line_says_what_to_do(tmp_path):
    """`python -m cnnviz.check` on this machine, offline: its lines, red or green, keep the promised shape."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CNNVIZ_")}
    env.update(CNNVIZ_CACHE_DIR=str(tmp_path / "cache"), CNNVIZ_OFFLINE="1")
    run = subprocess.run(
        [sys.executable, "-m", "cnnviz.check", "--no-network"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env=env,
    )
    lines = run.stdout.rstrip("\n").splitlines()
    assert lines[0].startswith("cnnviz setup check:"), run.stdout + run.stderr
    body, summary = lines[1:-1], lines[-1]
    assert all(line.startswith(("ok   ", "FIX  ", "      -> ")) for line in body), run.stdout
    red = [i for i, line in enumerate(body) if line.startswith("FIX")]
    assert all(i + 1 < len(body) and body[i + 1].startswith("      -> ") for i in red), "a red line without an action"
    assert run.returncode == (1 if red else 0)
    assert ("ready for the class" in summary) == (not red) and "checked in" in summary
    text = run.stdout
    for topic in ("Python", "keras", "jupyterlab-manager", "memory:", "CIFAR-10:", "cats vs dogs:", "trained one step"):
        assert topic in text, f"no line about {topic}"
    assert run.stderr == "", "TensorFlow's start-up noise must not reach the report"


@pytest.mark.parametrize("module", ["check", "bundle"])
def test_the_check_and_the_bundle_start_without_keras(module):
    """Only the training step imports Keras: the rest of the check, and the bundle, start in a fraction of a second."""
    code = f"import json, sys; import cnnviz.{module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert not [name for name in loaded if name.split(".")[0] in ("keras", "tensorflow")]
