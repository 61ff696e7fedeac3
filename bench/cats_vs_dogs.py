"""Train seed 000's network and the project's better models side by side on the same photos; print JSON.

    python bench/cats_vs_dogs.py --train-dir DIR --test-dir DIR [--budget-s 300]
    python bench/cats_vs_dogs.py --data-dir ../shared/data --holdout 0.2 [--budget-s 300]

DIRs hold one subfolder per class (cats/, dogs/). ``--data-dir`` takes a folder that
``cnnviz.data.load_cats_vs_dogs`` understands (e.g. the shared cats-vs-dogs-train.tar.gz) and
holds out ``--holdout`` of its photos as the test set. Every model gets the same wall-time
budget for training; the test photos are never used to choose an epoch. Timings on a shared
machine are noisy: compare the models of one run with each other, not across runs.
"""
import argparse
import contextlib
import json
import os
import sys
import tempfile
import time

from cnnviz import data, models, training  # cnnviz first: it sets the CPU speed-ups before TensorFlow

import keras  # noqa: E402

RECIPES = {  # image size, epochs at most, learning rate (cosine decay over the epochs), builder
    "seed000": dict(size=64, epochs=25, lr=None, build=lambda size: models.seed000_cnn(size)),
    "small_cnn": dict(size=128, epochs=30, lr=3e-3, build=lambda size: models.catsdogs_small_cnn(size)),
    "transfer": dict(size=160, epochs=3, lr=1e-3, build=lambda size: models.catsdogs_transfer(size)),
}


def load(args, size):
    """Return (train, test, source) datasets of ``size`` pixels, cached in memory after the first pass."""
    if args.data_dir:
        ds = data.load_cats_vs_dogs((size, size), args.batch_size, args.holdout, args.seed, data_dir=args.data_dir)
        train, test, source = ds.train, ds.val, f"{ds.source}, {args.holdout:.0%} held out as test (seed {args.seed})"
    else:
        train = data.image_folder_datasets(args.train_dir, (size, size), args.batch_size, None, args.seed).train
        test = data.image_folder_datasets(args.test_dir, (size, size), args.batch_size, None, args.seed).train
        source = f"train {args.train_dir}, test {args.test_dir}"
    return train.cache().prefetch(2), test.cache().prefetch(2), source


def run(name, args):
    """Train one recipe within the budget and return its figures."""
    recipe = RECIPES[name]
    keras.utils.set_random_seed(args.seed)
    train, test, source = load(args, recipe["size"])
    model = recipe["build"](recipe["size"])
    steps = recipe["epochs"] * int(train.cardinality())
    if recipe["lr"] is None:  # seed 000 as published: Adam with its defaults
        model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"], jit_compile=True)
    else:
        training.compile_model(model, learning_rate=recipe["lr"], decay_steps=steps)
    with tempfile.TemporaryDirectory() as folder:
        history = training.fit(model, train, epochs=recipe["epochs"], folder=folder, budget_s=args.budget_s,
                               restore_best=False)
    start = time.perf_counter()
    y_true, proba = training.predict_dataset(model, test)
    return source, {
        "test_accuracy": round(training.accuracy(y_true, proba.argmax(axis=1)), 4),
        "train_seconds": round(history.seconds, 1),
        "eval_seconds": round(time.perf_counter() - start, 1),
        "epochs": len(history.epoch),
        "stopped_by_budget": history.stopped_by_budget,
        "params": model.count_params(),
        "trainable_params": sum(int(w.numpy().size) for w in model.trainable_weights),
        "image_size": recipe["size"],
        "train_images": int(sum(int(x.shape[0]) for x, _ in train)),
        "test_images": len(y_true),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train-dir")
    parser.add_argument("--test-dir")
    parser.add_argument("--data-dir", help="a folder with a cats vs dogs copy; use with --holdout")
    parser.add_argument("--holdout", type=float, default=0.2, help="fraction of --data-dir held out as test")
    parser.add_argument("--budget-s", type=float, default=300, help="training wall-time budget per model")
    parser.add_argument("--models", default="seed000,transfer,small_cnn", help=f"comma list of {list(RECIPES)}")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    if bool(args.data_dir) == bool(args.train_dir or args.test_dir) or bool(args.train_dir) != bool(args.test_dir):
        parser.error("give either --train-dir and --test-dir, or --data-dir (with --holdout)")
    if not 0 < args.holdout < 1:
        parser.error(f"--holdout must be between 0 and 1; got {args.holdout}")
    names = [n.strip() for n in args.models.split(",") if n.strip()]
    unknown = [n for n in names if n not in RECIPES]
    if unknown:
        parser.error(f"unknown model(s) {unknown}; choose from {list(RECIPES)}")
    report = {"command": "python " + " ".join([os.path.relpath(sys.argv[0])] + sys.argv[1:]),
              "cpu_count": os.cpu_count(), "load_average_before": [round(v, 2) for v in os.getloadavg()],
              "budget_s": args.budget_s, "models": {}}
    for name in names:
        with contextlib.redirect_stdout(sys.stderr):  # Keras' "Found N files" lines; stdout is the JSON
            report["data"], report["models"][name] = run(name, args)
    report["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
    base = report["models"].get("seed000")
    if base:
        report["vs_seed000"] = {name: {"accuracy_gain_points": round(100 * (m["test_accuracy"] - base["test_accuracy"]), 1),
                                       "train_time_ratio": round(m["train_seconds"] / base["train_seconds"], 2)}
                                for name, m in report["models"].items() if name != "seed000"}
    report["note"] = "shared 2-core CPU: timings are noisy; compare models within this run"
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
