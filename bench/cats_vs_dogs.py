"""Train Ali (2019)'s network and the pretrained EfficientNet-Lite0 side by side on the same photos; print JSON.

    .venv/bin/python bench/cats_vs_dogs.py --data-dir ../shared/data [--budget-s 300]

Both use notebook 05's definitions (the copies in ``cnnviz.models``) and its three splits: each run keeps
its best epoch on the validation photos, and only then is scored once on the test photos. Every model
gets the same wall-time budget. Timings on a shared machine are noisy: compare the models of one run.
"""

import argparse
import contextlib
import json
import os
import sys
import tempfile

from cnnviz import config, data, metrics, models, prediction, training

keras = config.keras_quietly()

RECIPES = {  # image size, epochs at most, builder, learning rate
    "ali2019": dict(size=64, epochs=25, build=lambda size: models.ali2019_cnn(size), lr=1e-3),
    "lite0_transfer": dict(size=128, epochs=3, build=lambda size: models.lite0_transfer(size), lr=1e-3),
}


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
        "test_accuracy": round(metrics.accuracy(y_true, proba.argmax(axis=1)), 4),
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", help="a folder with a cats vs dogs copy (default: CNNVIZ_DATA_DIR)")
    parser.add_argument("--budget-s", type=float, default=300, help="training wall-time budget per model")
    parser.add_argument("--models", default="ali2019,lite0_transfer", help=f"comma list of {list(RECIPES)}")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.models.split(",") if n.strip()]
    if [n for n in names if n not in RECIPES]:
        parser.error(f"choose models from {list(RECIPES)}")
    report = {
        "command": "python " + " ".join([os.path.relpath(sys.argv[0])] + sys.argv[1:]),
        "cpu_count": os.cpu_count(),
        "load_average_before": [round(v, 2) for v in os.getloadavg()],
        "budget_s": args.budget_s,
        "models": {},
    }
    for name in names:
        with contextlib.redirect_stdout(sys.stderr):  # Keras' "Found N files" lines; stdout is the JSON
            report["data"], report["models"][name] = run(name, args)
    report["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
