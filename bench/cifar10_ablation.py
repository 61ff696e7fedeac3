"""What each idea of notebook 06's network buys: variants trained in the same wall time, scored on validation.

Notebook 06's network adds three ideas to notebook 05's: BatchNorm, a learning-rate schedule that follows
the clock (one cycle: warm up, then down to 0 when the budget is spent) and test-time mirroring. Each
variant below is the course's network (``models.cifar10_net``, short recipe) with ONE thing changed, trained
for the same wall-time budget on the same 45,000 training images and scored on the 5,000 validation images,
plain and with test-time mirroring (so every run measures what mirroring buys, on the same model). The test
images are never used. Several seeds per variant show the run-to-run spread.

    CNNVIZ_DATA_DIR=../shared/data .venv/bin/python bench/cifar10_ablation.py \\
        --budget-s 100 --seeds 1 2 --lock /tmp/cnnviz-train.lock --out assets/cifar10_ablation.json

``--lock FILE`` takes an exclusive ``flock`` on FILE around each training run only, so other jobs sharing
the machine's lock can run between two variants. One JSON line per run as it finishes (with the 1-minute
load average), then a summary, also written to ``--out``; notebook 06 shows that file. About
(budget + 15 s) per run: the default 5 variants x 2 seeds x 100 s take about 20 minutes.
"""

import argparse
import contextlib
import fcntl
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from cnnviz import config, data, metrics, models, prediction, training, whitening

keras = config.keras_quietly()
from keras import layers  # noqa: E402  (after the quiet import)

# the short recipe of notebook 06 (its cell "The recipe, chosen on validation images")
RECIPE = dict(widths=(24, 48, 96), batch_size=64, peak_lr=0.05)

# name -> what changes from the course's network; "idea" names the idea a row takes away (None: the network as taught)
VARIANTS = {
    "course's network": dict(idea=None),
    "without BatchNorm": dict(idea="BatchNorm", batchnorm=False),
    "constant learning rate (SGD 0.05, no cycle)": dict(idea="one-cycle schedule", cycle=False),
    "05's optimizer: Adam 0.001, constant": dict(
        idea="one-cycle schedule", optimizer="adam", peak_lr=1e-3, cycle=False
    ),
    "first layer learned (no whitening)": dict(idea="whitening (optional)", whiten=False),
}


class NoNorm(layers.Layer):
    """Pass the input through unchanged: what is left where a BatchNormalization layer was taken out."""

    def call(self, x, training=None, mask=None):
        return x


def without_batchnorm(model):
    """Return a copy of ``model`` with every BatchNormalization layer replaced by nothing (``NoNorm``).

    The convolutions before them get a bias back (BatchNorm's offset played that part); the fixed
    whitening weights are copied over.
    """

    def swap(layer):
        if isinstance(layer, layers.BatchNormalization):
            return NoNorm(name=layer.name)
        cfg = layer.get_config()
        if isinstance(layer, layers.Conv2D) and not cfg["use_bias"]:
            cfg["use_bias"] = True
        return layer.__class__.from_config(cfg)

    clone = keras.models.clone_model(model, clone_function=swap)
    clone.get_layer("whiten").set_weights(model.get_layer("whiten").get_weights())
    return clone


def run(name, seed, budget_s, split, kernel):
    """Train one variant with one seed for ``budget_s`` seconds; return its JSON row."""
    v = VARIANTS[name]
    (x_train, y_train), (x_valid, y_valid) = split
    keras.utils.set_random_seed(seed)
    model = models.cifar10_net(widths=RECIPE["widths"], whiten=kernel if v.get("whiten", True) else None)
    if not v.get("batchnorm", True):
        model = without_batchnorm(model)
    peak = v.get("peak_lr", RECIPE["peak_lr"])
    optimizer = (
        keras.optimizers.Adam(peak)
        if v.get("optimizer") == "adam"
        else keras.optimizers.SGD(peak, momentum=0.9, nesterov=True, weight_decay=5e-4)
    )
    model.compile(optimizer=optimizer, loss="categorical_crossentropy", metrics=["accuracy"])
    budget = training.TimeBudget(budget_s, peak_lr=peak, cycle=v.get("cycle", True))
    model.fit(training.batches(x_train, y_train, RECIPE["batch_size"]), epochs=1000, verbose=0, callbacks=[budget])
    proba = model.predict(x_valid, batch_size=500, verbose=0)
    mirrored = prediction.flip_average(model, x_valid)
    loss = float(np.mean(keras.losses.categorical_crossentropy(y_valid, proba)))
    return {
        "variant": name,
        "idea_removed": v["idea"],
        "seed": seed,
        "valid_accuracy": round(metrics.accuracy(y_valid.argmax(1), proba.argmax(1)), 4),
        "valid_accuracy_mirrored": round(metrics.accuracy(y_valid.argmax(1), mirrored.argmax(1)), 4),
        "valid_loss": round(loss, 4) if np.isfinite(loss) else None,
        "train_seconds": round(budget.seconds, 1),
        "steps": budget.steps,
        "epochs": round(budget.steps * RECIPE["batch_size"] / len(x_train), 2),
        "images_per_s": round(budget.steps * RECIPE["batch_size"] / budget.seconds, 1),
        "load_avg_1min": round(os.getloadavg()[0], 2),
    }


@contextlib.contextmanager
def locked(path):
    """Hold an exclusive flock on ``path`` (nothing when ``path`` is None)."""
    if path is None:
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def summarise(rows):
    """Return one entry per variant: mean (and min-max over seeds) of its validation accuracies."""
    out = []
    for name in dict.fromkeys(r["variant"] for r in rows):
        mine = [r for r in rows if r["variant"] == name]
        plain = [r["valid_accuracy"] for r in mine]
        mirrored = [r["valid_accuracy_mirrored"] for r in mine]
        out.append(
            {
                "variant": name,
                "idea_removed": mine[0]["idea_removed"],
                "seeds": [r["seed"] for r in mine],
                "valid_accuracy_mean": round(float(np.mean(plain)), 4),
                "valid_accuracy_range": [min(plain), max(plain)],
                "valid_accuracy_mirrored_mean": round(float(np.mean(mirrored)), 4),
                "valid_accuracy_mirrored_range": [min(mirrored), max(mirrored)],
                "epochs_mean": round(float(np.mean([r["epochs"] for r in mine])), 2),
            }
        )
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget-s", type=float, default=100, help="training seconds per run (default 100)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2], help="random seeds, one run each per variant")
    parser.add_argument("--only", nargs="*", choices=list(VARIANTS), help="variant names to run (default: all)")
    parser.add_argument("--lock", help="a file to flock around each training run (shared with other jobs)")
    parser.add_argument("--out", type=Path, help="also write the summary JSON to this file")
    args = parser.parse_args(argv)
    started, load_before = time.time(), os.getloadavg()[0]
    cifar = data.load_cifar10()
    (x_all, y_all), _ = cifar  # the test images are not used here
    x_valid, y_valid = x_all[:5000], keras.utils.to_categorical(y_all[:5000], 10)
    x_train, y_train = x_all[5000:], keras.utils.to_categorical(y_all[5000:], 10)
    kernel = whitening.whitening_kernel(x_train[:5000])
    rows = []
    for seed in args.seeds:  # seeds outermost: a cut-short run still has every variant
        for name in args.only or VARIANTS:
            with locked(args.lock):
                row = run(name, seed, args.budget_s, ((x_train, y_train), (x_valid, y_valid)), kernel)
            rows.append(row)
            print(json.dumps(row), flush=True)
    summary = {
        "bench": "cifar10_ablation",
        "command": "python bench/cifar10_ablation.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "data": cifar.source,
        "budget_s": args.budget_s,
        "train_valid": [len(x_train), len(x_valid)],
        "recipe": {k: list(v) if isinstance(v, tuple) else v for k, v in RECIPE.items()},
        "load_avg_1min_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "cpus": os.cpu_count(),
        "wall_minutes": round((time.time() - started) / 60, 1),
        "variants": summarise(rows),
        "runs": rows,
    }
    text = json.dumps(summary, indent=1)
    print(text, flush=True)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
