"""Notebook 06 run in quick mode: its training behaves as the text says (checked here, never asserted in a cell).

The notebook's cells assert nothing about training results, so an unlucky student run never stops; this test
executes the notebook once in quick mode (stand-in images, seconds of training), then reads its variables in
one extra cell: both networks learn above chance, the article's network respects its cap, the course's network
trains within the article's wall time and stops on its budget, the recorded epoch times and steps add up, and
the test-time mirroring the text describes is what the cell computed.
"""

import json

import pytest
from notebook_run import run_quick

pytestmark = pytest.mark.notebook

PROBE = """
import json as _json
_out = dict(
    settings=settings, budget_s=float(budget_s), seconds_anon=float(seconds_anon),
    anon_epochs_run=len(history_anon.epoch), anon_stopped=bool(timer.stopped),
    anon_val_acc=[float(v) for v in history_anon.history["val_accuracy"]],
    net_val_acc=[float(v) for v in history.history["val_accuracy"]],
    cycle_seconds=float(cycle.seconds), cycle_steps=int(cycle.steps), cycle_stopped=bool(cycle.stopped),
    epoch_steps=[int(s) for s in cycle.epoch_steps], epoch_seconds=[float(s) for s in cycle.epoch_seconds],
    steps_per_epoch=int(steps_per_epoch), rates=[float(r) for _, r in cycle.history],
    acc_anon=float(acc_anon), acc_plain=float(acc_plain), acc=float(acc),
    proba_sums=[float(proba.sum(axis=1).min()), float(proba.sum(axis=1).max())],
    mirror_gap=float(np.abs(proba - (proba_plain + model.predict(x_test[:, :, ::-1], batch_size=500,
                                                                  verbose=0)) / 2).max()),
    n_test=int(len(x_test)), peak_lr=float(recipe["peak_lr"]), ablation_rows=len(ablation["variants"]))
print("PROBE" + _json.dumps(_out))
"""


def test_notebook06_quick_run_trains_within_its_budgets_and_learns(tmp_path, monkeypatch):
    nb, errors = run_quick(
        "06_cifar10.ipynb", tmp_path, monkeypatch, core_only=True, extra=PROBE
    )  # the core path, then the probe
    assert not errors, errors
    line = next(
        line
        for out in nb.cells[-1].outputs
        if out.get("output_type") == "stream"
        for line in out["text"].splitlines()
        if line.startswith("PROBE")
    )
    v = json.loads(line[len("PROBE") :])
    s = v["settings"]
    # the article's network: capped, and learning above chance (10 classes: 10%)
    assert 1 <= v["anon_epochs_run"] <= s["anon_epochs"]
    assert max(v["anon_val_acc"]) > 0.3, "the article's network must learn clearly above chance"
    # the course's network: its own budget in quick mode, learning above chance, stopped by the budget
    assert v["budget_s"] == s["budget_s"]
    assert v["cycle_stopped"] and v["cycle_seconds"] <= v["budget_s"] + 20  # one slow first (tracing) step at most
    assert max(v["net_val_acc"]) > 0.3, "the course's network must learn clearly above chance"
    assert sum(v["epoch_steps"]) == v["cycle_steps"] and all(0 < n <= v["steps_per_epoch"] for n in v["epoch_steps"])
    assert len(v["epoch_seconds"]) == len(v["net_val_acc"]) and all(t > 0 for t in v["epoch_seconds"])
    rates = v["rates"]
    assert len(rates) == v["cycle_steps"] and max(rates) <= v["peak_lr"] + 1e-9
    assert rates[-1] < 0.25 * max(rates), "the cycle ends near a learning rate of 0"
    # the test cell: probabilities, and the mirroring the text describes
    assert 0.999 < v["proba_sums"][0] <= v["proba_sums"][1] < 1.001
    assert v["mirror_gap"] < 1e-5
    assert all(0.1 <= a <= 1 for a in (v["acc_anon"], v["acc_plain"], v["acc"]))
    assert v["ablation_rows"] >= 4  # the stored ablation was read
