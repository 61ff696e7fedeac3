"""Notebook 07 stands alone: with no model saved by 05 or 06 (Colab, or a first run), it says so and trains its own.

nbval runs 07 after 05 and 06 in the same cache, so it loads their models; this test runs 07 once more in
quick mode with an empty cache, as a student on a fresh Colab machine would, and checks that every cell
runs, that the banners name the missing models and what is trained instead, and that no error is shown.
"""

import pytest
from notebook_run import run_quick

pytestmark = pytest.mark.notebook


def _text(nb):
    return "\n".join(
        out.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "stream"
    )


def test_notebook07_runs_with_no_saved_model_and_says_what_it_trains_instead(tmp_path, monkeypatch):
    nb, errors = run_quick("07_what_the_network_learned.ipynb", tmp_path, monkeypatch)
    assert not errors
    text = _text(nb)
    for missing in ("cats_vs_dogs.keras", "cats_vs_dogs_ali.keras", "cifar10.keras"):
        assert "no saved" in text and missing in text, f"no banner for the missing {missing}"
    assert text.count("This notebook now trains") == 3
    assert "ours and the reference agree" in text  # the notebook's own Grad-CAM still matches the reference
    assert "cells lit in both maps of one photo: 0" in text  # ReLU(S) and ReLU(-S): the other class never overlaps
    assert "for 95% of 200 random starts" in text  # the random-start count comes with its noise
    assert "photos are misclassified; photo" in text  # occlusion's photo is picked among all test photos
    assert "correlation" not in text  # no bare correlation read without its noise
    assert not list((tmp_path / "empty-cache" / "models").glob("*.keras")), "07 must not save models for 05/06"
