"""How fast can two cores learn CIFAR-10? The fast-training ideas added to notebook 06's network one at a time.

A cumulative ablation: row 0 is notebook 06's short recipe (``models.cifar10_net`` with its whitened first
layer, BatchNorm, one learning-rate cycle on the clock); each later row keeps everything of the row above and
adds ONE idea of the fast-training literature (Jordan (2024), cifar10-airbench; Page (2018), "How to train
your ResNet"). Every row trains for the same wall-time budget on the same 45,000 training images and is
scored on the 5,000 validation images three ways: plain, mirrored (each image and its mirror) and multi-crop
(the mirrored pair, plus both of them moved one pixel up-left and one pixel down-right). The test images are
never used. Several random starts (seeds) per row show the run-to-run spread; ``--starts`` (or its old name
``--seeds``) lists them.

    CNNVIZ_DATA_DIR=../shared/data .venv/bin/python bench/cifar10_fast.py \\
        --budget-s 110 --starts 1 2 --lock /tmp/cnnviz-train.lock --out assets/cifar10_fast.json

``--lock FILE`` takes an exclusive ``flock`` on FILE around each training run only. One JSON line per run
as it finishes (with the 1-minute load average), then the summary JSON (also written to ``--out``) and a
markdown table. About (budget + 20 s) per run: 9 rows x 2 seeds x 110 s take about 40 minutes.
``--subset N`` trains on N images and validates on N // 9 (a quick check of the script, not a measurement).

oneDNN is not a row: ``cnnviz.config`` switches it on for the whole process before TensorFlow starts
(``TF_ENABLE_ONEDNN_OPTS``; the summary records it), so every row uses it. Weight averaging is Keras' own EMA
of the weights (``use_ema``) copied back into the network every 5 steps (``ema_overwrite_frequency``), the way
Lookahead and Jordan (2024) do it, so BatchNorm's statistics follow the averaged weights. The ideas' code (identity
initialisation, ``ScaledBiasSGD``, alternating flips, multi-crop) is notebook 08's; this script uses the copies
in ``cnnviz`` that ``tests/test_notebook_sync.py`` holds equal to the notebook's cells. Progressive resizing is
not a row: the whitening filters and BatchNorm statistics are tied to one image size, and at 32x32 pixels a
smaller size throws away much of each image.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from cnnviz import config, data, metrics, models, prediction, training, whitening

keras = config.keras_quietly()
from cifar10_ablation import locked  # noqa: E402  (bench/ is on sys.path when a bench script runs)

# The ideas' code is notebook 08's cells; cnnviz keeps the copies (tests/test_notebook_sync.py holds them equal).
identity_init, with_epoch_flip = models.identity_init, models.with_epoch_flip
ScaledBiasSGD, AlternateFlips = training.ScaledBiasSGD, training.AlternateFlips
multi_crop = prediction.multi_crop  # bench/cifar10.py scores its test images with it

# row 0: notebook 06's short recipe (its cell "The recipe, chosen on validation images")
BASE = dict(
    widths=(24, 48, 96),
    batch_size=64,
    peak_lr=0.05,
    label_smoothing=0.0,
    identity_init=False,
    bias_lr_scale=1.0,
    ema=False,
    alternating_flips=False,
    jit_compile=False,
)

# (row name, what it changes): each row keeps the rows above it
IDEAS = [
    ("06's short recipe (whitened first layer, BatchNorm, one cycle)", {}),
    ("+ identity initialisation of the 3x3 convolutions", dict(identity_init=True)),
    ("+ label smoothing 0.2", dict(label_smoothing=0.2)),
    ("+ BatchNorm offsets learn 64x faster", dict(bias_lr_scale=64.0)),
    ("+ weight averaging (Lookahead-style EMA)", dict(ema=True)),
    ("+ alternating flips", dict(alternating_flips=True)),
    ("+ batch 128, peak rate 0.1", dict(batch_size=128, peak_lr=0.1)),
    ("+ channels in multiples of 16 (16/32/64)", dict(widths=(16, 32, 64))),
    ("+ XLA (jit_compile=True)", dict(jit_compile=True)),
]


def recipes():
    """Return the rows' recipes, each the one above with its idea added: a list of (name, settings)."""
    rows, settings = [], dict(BASE)
    for name, change in IDEAS:
        settings = {**settings, **change}
        rows.append((name, dict(settings)))
    return rows


def build(r, seed, kernel, x_train, y_train):
    """Return (compiled model, training images, extra callbacks for ``fit``) for recipe ``r`` and one seed."""
    keras.utils.set_random_seed(seed)
    model = models.cifar10_net(widths=r["widths"], whiten=kernel)
    callbacks = []
    if r["alternating_flips"]:
        model, callbacks = with_epoch_flip(model), [AlternateFlips()]
        mirror = np.random.default_rng(seed).random(len(x_train)) < 0.5  # each image's side in even epochs
        x_train = np.where(mirror[:, None, None, None], x_train[:, :, ::-1], x_train)
    if r["identity_init"]:
        identity_init(model)
    optimizer = ScaledBiasSGD(
        r["peak_lr"],
        momentum=0.9,
        nesterov=True,
        weight_decay=5e-4,
        bias_scale=r["bias_lr_scale"],
        use_ema=r["ema"],
        ema_momentum=0.9,
        ema_overwrite_frequency=5,  # the weights become their average every 5 steps: Lookahead's way
    )
    model.compile(
        optimizer=optimizer,
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=r["label_smoothing"]),
        metrics=["accuracy"],
        jit_compile=r["jit_compile"],
    )
    return model, x_train, callbacks


def run(name, r, seed, budget_s, split, kernel):
    """Train recipe ``r`` with one seed for ``budget_s`` seconds; return its JSON row."""
    (x_train, y_train), (x_valid, y_valid) = split
    model, x_train, callbacks = build(r, seed, kernel, x_train, y_train)
    budget = training.TimeBudget(budget_s, peak_lr=r["peak_lr"])
    train = training.batches(x_train, y_train, r["batch_size"], seed=seed)  # not fit's autotuned pipeline: it stalls
    model.fit(train, epochs=1000, verbose=0, callbacks=[*callbacks, budget])
    truth = y_valid.argmax(1)
    scores = {
        key: round(metrics.accuracy(truth, proba.argmax(1)), 4)
        for key, proba in (
            ("valid_accuracy", model.predict(x_valid, batch_size=500, verbose=0)),
            ("valid_accuracy_mirrored", prediction.flip_average(model, x_valid)),
            ("valid_accuracy_multicrop", multi_crop(model, x_valid)),
        )
    }
    return {
        "row": name,
        "seed": seed,
        **scores,
        "train_seconds": round(budget.seconds, 1),
        "steps": budget.steps,
        "epochs": round(budget.steps * r["batch_size"] / len(x_train), 2),
        "images_per_s": round(budget.steps * r["batch_size"] / budget.seconds, 1),
        "macs_per_image": models.count_macs(model),
        "load_avg_1min": round(os.getloadavg()[0], 2),
    }


def summarise(rows, recipes_by_name):
    """Return one entry per row of the table: its recipe and the mean and min-max over seeds of each score."""
    out = []
    for name in dict.fromkeys(r["row"] for r in rows):
        mine = [r for r in rows if r["row"] == name]
        entry = {"row": name, "recipe": recipes_by_name[name], "seeds": [r["seed"] for r in mine]}
        for key in ("valid_accuracy", "valid_accuracy_mirrored", "valid_accuracy_multicrop"):
            values = [r[key] for r in mine]
            entry[f"{key}_mean"] = round(float(np.mean(values)), 4)
            entry[f"{key}_range"] = [min(values), max(values)]
        entry["epochs_mean"] = round(float(np.mean([r["epochs"] for r in mine])), 2)
        entry["images_per_s_mean"] = round(float(np.mean([r["images_per_s"] for r in mine])), 1)
        out.append(entry)
    return out


def markdown(summary):
    """Return the summary's rows as a markdown table (multi-crop accuracy; the change from the row above)."""
    lines = [
        "| row | epochs | images/s | plain | mirrored | multi-crop (range over seeds) | change |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    before = None
    for e in summary["rows"]:
        now = e["valid_accuracy_multicrop_mean"]
        low, high = e["valid_accuracy_multicrop_range"]
        change = "" if before is None else f"{now - before:+.1%}"
        lines.append(
            f"| {e['row']} | {e['epochs_mean']:.2f} | {e['images_per_s_mean']:,.0f} | {e['valid_accuracy_mean']:.1%} "
            f"| {e['valid_accuracy_mirrored_mean']:.1%} | {now:.1%} ({low:.1%}-{high:.1%}) | {change} |"
        )
        before = now
    return "\n".join(lines)


def main(argv=None):
    rows_all = recipes()
    names = [name for name, _ in rows_all]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget-s", type=float, default=110, help="training seconds per run (default 110)")
    parser.add_argument(
        "--starts",
        "--seeds",
        dest="seeds",
        type=int,
        nargs="+",
        default=[1, 2],
        help="random seeds, one run each per row",
    )
    parser.add_argument("--rows", type=int, nargs="*", help=f"row numbers to run, 0-{len(names) - 1} (default: all)")
    parser.add_argument("--subset", type=int, help="train on this many images only (a check of the script)")
    parser.add_argument("--lock", help="a file to flock around each training run (shared with other jobs)")
    parser.add_argument("--out", type=Path, help="also write the summary JSON to this file")
    args = parser.parse_args(argv)
    if args.rows and not all(0 <= i < len(names) for i in args.rows):
        parser.error(f"--rows takes row numbers from 0 to {len(names) - 1}; got {args.rows}")
    started, load_before = time.time(), os.getloadavg()[0]
    cifar = data.load_cifar10()
    (x_all, y_all), _ = cifar  # the test images are not used here
    n_valid = 5000 if args.subset is None else max(args.subset // 9, 10)
    x_valid, y_valid = x_all[:n_valid], keras.utils.to_categorical(y_all[:n_valid], 10)
    end = None if args.subset is None else n_valid + args.subset
    x_train, y_train = x_all[n_valid:end], keras.utils.to_categorical(y_all[n_valid:end], 10)
    kernel = whitening.whitening_kernel(x_train[:5000])
    chosen = [rows_all[i] for i in (args.rows if args.rows else range(len(rows_all)))]
    rows = []
    for seed in args.seeds:  # seeds outermost: a cut-short run still has every row
        for name, r in chosen:
            with locked(args.lock):
                row = run(name, r, seed, args.budget_s, ((x_train, y_train), (x_valid, y_valid)), kernel)
            rows.append(row)
            print(json.dumps(row), flush=True)
    summary = {
        "bench": "cifar10_fast",
        "command": "python bench/cifar10_fast.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "data": cifar.source,
        "budget_s": args.budget_s,
        "train_valid": [len(x_train), len(x_valid)],
        "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS"),
        "load_avg_1min_before_after": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "cpus": os.cpu_count(),
        "wall_minutes": round((time.time() - started) / 60, 1),
        "rows": summarise(
            rows, {name: {k: list(v) if isinstance(v, tuple) else v for k, v in r.items()} for name, r in chosen}
        ),
        "runs": rows,
    }
    text = json.dumps(summary, indent=1)
    print(text, flush=True)
    print(markdown(summary), flush=True)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()
