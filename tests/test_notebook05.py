"""Notebook 05's training works: checked here, never by an assert in a cell a student runs.

The notebook runs once in quick mode (generated cartoon faces, seconds of training) in a fresh cache, as
nbval would; one extra cell then prints the variables this test reads. A cell a student runs never stops on
an unlucky run; this test fails instead when training, checkpointing, resuming or saving for 07 breaks.
"""

import ast
import json
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager
from notebook_run import run_quick

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "05_cats_vs_dogs.ipynb"

REPORT = """
import json as _json
_h = lambda run: {k: [float(v) for v in vals] for k, vals in run.history.items()}
_saved = store.load_saved("cats_vs_dogs")
_photos = next(iter(test128))[0][:4]
transfer.set_weights(fine_weights if fine_won else head_weights)
print("REPORT" + _json.dumps({
    "counts": counts, "names": names, "ali": _h(history_ali), "plain": _h(history_plain), "reloaded": float(reloaded),
    "resumed": list(resumed.epoch), "before": float(before), "head_val": float(head_val), "fine_val": float(fine_val),
    "test_acc": [float(a) for a in test_acc], "val_acc": [float(r[3]) for r in runs], "chosen": chosen,
    "saved_layers": [layer.name for layer in _saved.layers], "saved_name": _saved.name,
    "saved_vs_notebook": float(np.abs(_saved.predict(_photos, verbose=0) - transfer.predict(_photos, verbose=0)).max()),
    "own_test_accuracy": float(test_accuracy), "own_classes": class_names, "own_test": int(len(y_test)),
}))
"""


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nb05")
    with pytest.MonkeyPatch.context() as env:
        nb, errors = run_quick("05_cats_vs_dogs.ipynb", tmp, env, extra=REPORT)
    assert not errors, errors
    text = "".join(out.get("text", "") for out in nb.cells[-1].outputs if out.get("output_type") == "stream")
    return json.loads(text.split("REPORT", 1)[1])


@pytest.mark.notebook
def test_the_networks_learn_the_stand_in_well_above_chance(report):
    assert max(report["ali"]["val_accuracy"]) > 0.75, "Ali's network should learn the cartoon faces"
    assert report["head_val"] > 0.75 and report["head_val"] >= report["before"]
    assert report["own_test_accuracy"] > 0.75, "section 9's code should learn the cartoon faces"


@pytest.mark.notebook
def test_the_checkpoint_keeps_the_best_validation_epoch(report):
    assert report["reloaded"] == pytest.approx(max(report["ali"]["val_accuracy"]), abs=1e-6)


@pytest.mark.notebook
def test_backup_and_restore_resumes_at_the_second_epoch(report):
    assert report["resumed"] == [1]


@pytest.mark.notebook
def test_the_model_is_chosen_on_validation_and_every_test_score_is_an_accuracy(report):
    assert len(report["test_acc"]) == 4 and all(0 <= a <= 1 for a in report["test_acc"])
    assert report["val_acc"][report["chosen"]] == max(report["val_acc"])


@pytest.mark.notebook
def test_the_counts_are_the_folders_and_section_9_splits_its_held_out_photos_in_two(report):
    assert report["names"] == ["cats", "dogs"] == report["own_classes"]
    assert report["counts"] == {"train": 84, "val": 18, "test": 18}  # 60 per class, 15% + 15% held out
    assert report["own_test"] == 30  # 200 stand-in photos: 30% held out, half of it


@pytest.mark.notebook
def test_the_model_saved_for_07_is_flat_and_predicts_as_the_notebooks(report):
    assert report["saved_name"] == "lite0_transfer_128px"
    assert {"lite0_stem_conv", "lite0_head_conv", "lite0_head_bn_relu6", "head"} <= set(report["saved_layers"])
    assert report["saved_vs_notebook"] < 1e-5


def test_no_cell_asserts_a_training_result():
    words = ("accuracy", "loss", "history", "epoch", "val_", "resumed", "best")
    for index, cell in enumerate(nbformat.read(NOTEBOOK, as_version=4).cells):
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(TransformerManager().transform_cell(cell.source))):
            if isinstance(node, ast.Assert):
                checked = ast.unparse(node)
                assert not any(word in checked for word in words), f"cell {index} asserts a training result: {checked}"


def test_the_prose_types_no_split_count():
    """The counts depend on the data (1,400 / 300 / 300 from the shared copy, 1,700 / 300 / 1,000 downloaded)."""
    prose = "\n".join(c.source for c in nbformat.read(NOTEBOOK, as_version=4).cells if c.cell_type == "markdown")
    for typed in ("1,400", "1400 ", "the 300 test photos", "the 300 validation photos"):
        assert typed not in prose, typed
