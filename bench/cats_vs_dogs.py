"""Train Ali (2019)'s network and the pretrained EfficientNet-Lite0 side by side on the same photos; print JSON.

    .venv/bin/python bench/cats_vs_dogs.py --data-dir ../shared/data [--budget-s 300] [--models ...]

All use notebook 05's definitions (the copies in ``cnnviz.models``) and its three splits: each run keeps
its best epoch on the validation photos, and only then is scored once on the test photos, with its 95%
(Wilson) interval. Every model gets the same wall-time budget. Timings on a shared machine are noisy:
compare the models of one run.

``ali2019`` and ``lite0_transfer`` train end to end on the photos (the frozen backbone runs every epoch).
``lite0_features224`` does what notebook 05 does, at the backbone's own 224 px: the frozen backbone runs
once over every photo, up to the input of its top block (cached: BatchNorm in inference mode makes those
maps the same every epoch); a head is trained on the pooled features (its dropout and epochs chosen on
the validation photos); then the top block, the last convolution and the head are fine-tuned on the cached
maps at a low rate, BatchNorm kept in inference mode, until the validation loss has not improved for 10
epochs or the budget is spent. The backbone's pass (decoding the photos included) counts in the budget.
The stage with the better validation accuracy (then loss) is scored on the test photos. ``lite0_features128``
is the same at notebook 05's 128 px, to show what the image size buys.
"""

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time

import numpy as np

from cnnviz import config, data, learn, metrics, models, prediction, training

keras = config.keras_quietly()

RECIPES = {  # image size, epochs at most, builder, learning rate
    "ali2019": dict(size=64, epochs=25, build=lambda size: models.ali2019_cnn(size), lr=1e-3),
    "lite0_transfer": dict(size=128, epochs=3, build=lambda size: models.lite0_transfer(size), lr=1e-3),
}
FEATURE_RECIPE = dict(  # the frozen backbone run once; cut: the last layer below the fine-tuned top
    cut="lite0_b14_add", dropouts=(0.0, 0.2, 0.5), head_epochs=200, head_lr=1e-3, fine_lr=1e-5, patience=10
)
FEATURE_RECIPES = {  # 224 px: the backbone's own size; 128 px: notebook 05's, to isolate what the size buys
    "lite0_features224": dict(FEATURE_RECIPE, size=224),
    "lite0_features128": dict(FEATURE_RECIPE, size=128),
}
ALL = [*RECIPES, *FEATURE_RECIPES]


def run(name, args):
    """Train one recipe within the budget, keep its best validation epoch, score it on the test photos."""
    recipe = RECIPES[name]
    keras.utils.set_random_seed(args.seed)
    cats = data.load_cats_vs_dogs((recipe["size"],) * 2, seed=args.seed, data_dir=args.data_dir)
    train, val, test = (d.cache() for d in (cats.train, cats.val, cats.test))
    model = recipe["build"](recipe["size"])
    model.compile(optimizer=keras.optimizers.Adam(recipe["lr"]), loss="binary_crossentropy", metrics=["accuracy"])
    budget = training.TimeBudget(args.budget_s)
    with tempfile.TemporaryDirectory() as folder:
        best = training.BestCheckpoint(f"{folder}/best.keras")
        history = model.fit(train, validation_data=val, epochs=recipe["epochs"], verbose=0, callbacks=[best, budget])
        model.load_weights(f"{folder}/best.keras")
    y_true, proba = prediction.over_dataset(model, test)
    return cats.source, {
        **scored(y_true, proba),
        "best_valid_accuracy": round(max(history.history["val_accuracy"]), 4),
        "best_epoch": best.best_epoch + 1,
        "epochs": len(history.epoch),
        "train_seconds": round(budget.seconds, 1),
        "stopped_by_budget": budget.stopped,
        "params": model.count_params(),
        "trainable_params": sum(int(w.numpy().size) for w in model.trainable_weights),
        "image_size": recipe["size"],
        "photos": {k: sum(v.values()) for k, v in cats.counts.items()},
    }


def scored(y_true, proba):
    """Return the test accuracy of class probabilities (N, 2), its 95% (Wilson) interval and the number of photos."""
    accuracy = metrics.accuracy(y_true, proba.argmax(axis=1))
    return {
        "test_accuracy": round(accuracy, 4),
        "test_interval95": [round(v, 4) for v in learn.accuracy_interval(accuracy, len(y_true))],
        "test_photos": len(y_true),
    }


def backbone_maps(bottom, dataset):
    """Run the frozen bottom of the backbone once over a batched (photos, labels) dataset; maps and labels aligned."""
    maps, labels = [], []
    for x, y in dataset:
        maps.append(np.asarray(bottom.predict_on_batch(x)))
        labels.append(np.asarray(y))
    return np.concatenate(maps), np.concatenate(labels)


def train_head(features, labels, dropout, recipe, seed):
    """Train notebook 05's head (dropout, one sigmoid unit) on saved features; keep its best validation-loss epoch."""
    keras.utils.set_random_seed(seed)
    head = keras.Sequential(
        [keras.Input(features["train"].shape[1:]), keras.layers.Dropout(dropout), keras.layers.Dense(1, "sigmoid")],
        name="head",
    )
    head.compile(optimizer=keras.optimizers.Adam(recipe["head_lr"]), loss="binary_crossentropy", metrics=["accuracy"])
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=recipe["patience"], restore_best_weights=True)
    history = head.fit(
        features["train"],
        labels["train"],
        validation_data=(features["val"], labels["val"]),
        epochs=recipe["head_epochs"],
        batch_size=32,
        verbose=0,
        callbacks=[stop],
    )
    valid = head.evaluate(features["val"], labels["val"], verbose=0, return_dict=True)
    return head, {
        "dropout": dropout,
        "valid_accuracy": round(valid["accuracy"], 4),
        "valid_loss": round(valid["loss"], 4),
        "best_epoch": stop.best_epoch + 1,
        "epochs": len(history.epoch),
    }


def run_features(name, args):
    """Backbone once, a head on its features, then the top fine-tuned on the saved maps, all within one budget."""
    recipe = FEATURE_RECIPES[name]
    load_before, start = [round(v, 2) for v in os.getloadavg()], time.perf_counter()
    keras.utils.set_random_seed(args.seed)
    cats = data.load_cats_vs_dogs((recipe["size"],) * 2, seed=args.seed, data_dir=args.data_dir)
    backbone = models.lite0_backbone(recipe["size"])
    backbone.trainable = False
    cut = backbone.get_layer(recipe["cut"]).output
    bottom, top = keras.Model(backbone.input, cut), keras.Model(cut, backbone.output)  # they share its layers
    maps, labels = {}, {}
    for split, photos in (("train", cats.train), ("val", cats.val), ("test", cats.test)):
        maps[split], labels[split] = backbone_maps(bottom, photos)  # the test maps wait, unused, until the end
    features = {split: np.asarray(top.predict(m, batch_size=64, verbose=0)) for split, m in maps.items()}
    seconds = {"features": time.perf_counter() - start}

    tick = time.perf_counter()
    heads = [train_head(features, labels, dropout, recipe, args.seed) for dropout in recipe["dropouts"]]
    head, head_report = min(heads, key=lambda h: h[1]["valid_loss"])  # chosen on the validation photos
    seconds["head"] = time.perf_counter() - tick

    tick = time.perf_counter()
    for layer in top.layers:  # unfreeze the top block and the last convolution, not their BatchNorm
        layer.trainable = not isinstance(layer, keras.layers.BatchNormalization)
    inputs = keras.Input(maps["train"].shape[1:])
    model = keras.Model(inputs, head(top(inputs, training=False)))  # BatchNorm in inference mode, always
    model.compile(optimizer=keras.optimizers.Adam(recipe["fine_lr"]), loss="binary_crossentropy", metrics=["accuracy"])
    head_weights = model.get_weights()
    budget = training.TimeBudget(max(args.budget_s - (time.perf_counter() - start), 1e-3))
    best = keras.callbacks.EarlyStopping(monitor="val_loss", patience=recipe["patience"], restore_best_weights=True)
    history = model.fit(
        maps["train"],
        labels["train"],
        validation_data=(maps["val"], labels["val"]),
        epochs=1_000,
        batch_size=32,
        verbose=0,
        callbacks=[budget, best],
    )
    fine = model.evaluate(maps["val"], labels["val"], verbose=0, return_dict=True)  # its best epoch, restored
    seconds["fine_tuning"] = time.perf_counter() - tick

    fine_won = (fine["accuracy"], -fine["loss"]) > (head_report["valid_accuracy"], -head_report["valid_loss"])
    if not fine_won:
        model.set_weights(head_weights)
    proba = prediction.class_probabilities(model.predict(maps["test"], batch_size=64, verbose=0))
    return cats.source, {
        **scored(labels["test"], proba),  # the test photos, once
        "chosen_on_validation": "fine_tuned" if fine_won else "head",
        "valid_accuracy": {"head": head_report["valid_accuracy"], "fine_tuned": round(fine["accuracy"], 4)},
        "valid_loss": {"head": head_report["valid_loss"], "fine_tuned": round(fine["loss"], 4)},
        "seconds": {k: round(v, 1) for k, v in seconds.items()},
        "train_seconds": round(sum(seconds.values()), 1),
        "stopped_by_budget": budget.stopped,
        "head": head_report,
        "heads_tried": [h[1] for h in heads],
        "fine_tuning": {
            "learning_rate": recipe["fine_lr"],
            "best_epoch": best.best_epoch + 1,
            "epochs": len(history.epoch),
            "trainable_params": sum(int(np.prod(w.shape)) for w in model.trainable_weights),
        },
        "cut_after": recipe["cut"],
        "image_size": recipe["size"],
        "photos": {k: sum(v.values()) for k, v in cats.counts.items()},
        "load_average": {"before": load_before, "after": [round(v, 2) for v in os.getloadavg()]},
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", help="a folder with a cats vs dogs copy (default: CNNVIZ_DATA_DIR)")
    parser.add_argument("--budget-s", type=float, default=300, help="training wall-time budget per model")
    parser.add_argument("--models", default=",".join(ALL), help=f"comma list of {ALL}")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.models.split(",") if n.strip()]
    if [n for n in names if n not in ALL]:
        parser.error(f"choose models from {ALL}")
    report = {
        "command": "python " + " ".join([os.path.relpath(sys.argv[0])] + sys.argv[1:]),
        "cpu_count": os.cpu_count(),
        "load_average_before": [round(v, 2) for v in os.getloadavg()],
        "budget_s": args.budget_s,
        "models": {},
    }
    for name in names:
        with contextlib.redirect_stdout(sys.stderr):  # Keras' "Found N files" lines; stdout is the JSON
            report["data"], report["models"][name] = (run_features if name in FEATURE_RECIPES else run)(name, args)
    report["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
