"""The final project (project/three_classes.ipynb): it runs top to bottom on three small classes of generated
photos, offline, in seconds, and its auto-graded part passes a working pipeline and fails a blank or wrong one."""

import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "project"
sys.path.insert(0, str(PROJECT))
import checks  # noqa: E402  (project/checks.py, beside the notebook it grades)


def _photos(folder, per_class=12, size=(96, 120), seed=0):
    """Write three classes of small photos that a pretrained backbone tells apart at once: a red disc, a green bar,
    a blue square, each on a noisy grey background at a random place."""
    rng = np.random.default_rng(seed)
    h, w = size
    rows, cols = np.mgrid[:h, :w]
    for name, colour in (("discs", (220, 40, 40)), ("bars", (40, 200, 60)), ("squares", (40, 70, 220))):
        (folder / name).mkdir(parents=True)
        for k in range(per_class):
            image = rng.normal(128, 20, (h, w, 3))
            r, c = rng.integers(25, h - 25), rng.integers(25, w - 25)
            shape = {
                "discs": (rows - r) ** 2 + (cols - c) ** 2 < 20**2,
                "bars": (abs(rows - r) < 6) & (abs(cols - c) < 22),
                "squares": (abs(rows - r) < 16) & (abs(cols - c) < 16),
            }[name]
            image[shape] = colour
            Image.fromarray(np.clip(image, 0, 255).astype("uint8")).save(folder / name / f"{name}{k}.jpg")


@pytest.mark.notebook
def test_the_project_notebook_runs_on_three_classes_of_photos_and_passes_its_checks(tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    _photos(tmp_path / "photos", per_class=16)
    for key, value in {
        "PROJECT_PHOTOS": str(tmp_path / "photos"),
        "PROJECT_EPOCHS": "10",
        "CNNVIZ_MODE": "quick",
        "CNNVIZ_OFFLINE": "1",
        "MPLBACKEND": "agg",
    }.items():
        monkeypatch.setenv(key, value)
    nb = nbformat.read(PROJECT / "three_classes.ipynb", as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(PROJECT)}}).execute()
    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.get("outputs", [])]
    assert not [out for out in outputs if out.get("output_type") == "error"]
    text = "".join(out.get("text", "") for out in outputs if out.get("output_type") == "stream")
    assert "beats chance" in text and "auto-graded part: passed" in text, text[-2000:]
    assert "Grad-CAM maps:" in text and "each 128x128 like its photo" in text
    assert sum("image/png" in out.get("data", {}) for out in outputs) >= 2  # the confusion matrix, the maps


def test_the_checks_pass_a_working_pipeline_and_fail_a_blank_one():
    y = np.repeat([0, 1, 2], 10)
    photos = np.zeros((30, 128, 128, 3), np.uint8)
    assert "beats chance" in checks.check_beats_chance(y, y)
    assert "30, each 128x128" in checks.check_maps_fit_photos(np.ones((30, 128, 128)), photos)
    with pytest.raises(AssertionError, match="does not beat chance"):
        checks.check_beats_chance(y, np.zeros_like(y))  # one class for every photo
    with pytest.raises(AssertionError, match="does not beat chance"):
        checks.check_beats_chance(y, np.roll(y, 3)[::-1] * 0 + (y + 1) % 3)  # always wrong
    with pytest.raises(AssertionError, match="resize each map"):
        checks.check_maps_fit_photos(np.ones((30, 4, 4)), photos)  # the last convolution's 4x4
    with pytest.raises(AssertionError, match="one map per photo"):
        checks.check_maps_fit_photos(np.ones((3, 128, 128)), photos)
    with pytest.raises(AssertionError, match=">= 0"):
        checks.check_maps_fit_photos(-np.ones((30, 128, 128)), photos)  # before the ReLU
    with pytest.raises(AssertionError, match="one per photo"):
        checks.accuracy_interval([], [])


def test_an_interval_that_reaches_chance_is_no_pass():
    y = np.array([0, 1, 2, 0, 1, 2])
    pred = np.array([0, 1, 2, 1, 2, 0])  # 50% on 6 photos: the interval reaches 1/3
    p, low, _ = checks.accuracy_interval(y, pred)
    assert p == 0.5 and low < 1 / 3
    with pytest.raises(AssertionError):
        checks.check_beats_chance(y, pred)
