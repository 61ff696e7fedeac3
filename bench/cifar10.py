"""Race seed 003's CIFAR-10 model against the course's model in the same wall time; print JSON.

Seed 003 trains as published: 5 epochs, batches of 32, RMSprop, on 45,000 images with 5,000 held out
for validation. The course's model (``models.cifar10_net``) then gets exactly the wall time seed 003
took in this run (or ``--budget-s N`` seconds). Both are scored once on the 10,000 test images.

    CNNVIZ_DATA_DIR=../shared/data .venv/bin/python bench/cifar10.py [--budget-s N]

Times include graph building, validation after each epoch and checkpointing, as a learner would
see them. Machines are shared and noisy: compare the two models of one run, not runs.
"""
import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np

from cnnviz import config, data, models, training


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget-s", type=float, default=None,
                        help="training seconds for the course's model (default: seed 003's time in this run)")
    parser.add_argument("--data-dir", default=None, help="folder with a CIFAR-10 copy (default: CNNVIZ_DATA_DIR)")
    parser.add_argument("--seed003-epochs", type=int, default=5, help="seed 003's epochs (the seed trains 5)")
    parser.add_argument("--n-train", type=int, default=45_000, help="training images (seed 003 uses 45,000)")
    args = parser.parse_args(argv)
    if args.budget_s is not None and args.budget_s <= 0:
        parser.error("--budget-s must be a positive number of seconds")

    import keras
    keras.utils.set_random_seed(42)
    cifar = data.load_cifar10(args.data_dir)
    (x_all, y_all), (x_test, y_test) = cifar
    x_valid, y_valid = x_all[:5000], y_all[:5000]
    x_train, y_train = x_all[5000:5000 + args.n_train], y_all[5000:5000 + args.n_train]
    y_train1, y_valid1 = keras.utils.to_categorical(y_train, 10), keras.utils.to_categorical(y_valid, 10)
    load_before = os.getloadavg()
    results = {}

    with tempfile.TemporaryDirectory() as tmp:
        seed003 = models.seed003_cnn()
        seed003.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
        x_train01, x_valid01 = x_train.astype("float32") / 255, x_valid.astype("float32") / 255
        h003 = training.fit(seed003, models.batches(x_train01, y_train1, batch_size=32), (x_valid01, y_valid1),
                            epochs=args.seed003_epochs, folder=f"{tmp}/seed003", monitor="val_loss")
        proba003 = seed003.predict(x_test.astype("float32") / 255, batch_size=500, verbose=0)
        results["seed003"] = {
            "test_accuracy": round(training.accuracy(y_test[:, 0], proba003.argmax(axis=1)), 4),
            "train_seconds": round(h003.seconds, 1),
            "epochs": len(h003.epoch),
            "params": seed003.count_params(),
            "macs_per_image": models.count_macs(seed003),
            "images_per_s": round(len(x_train) * len(h003.epoch) / h003.seconds, 1),
        }

        budget = args.budget_s or h003.seconds
        recipe = models.cifar10_recipe(budget)
        model = models.cifar10_net(whiten=models.whitening_kernel(x_train[:5000]), **recipe["net"])
        models.compile_cifar10_net(model, peak_lr=recipe["peak_lr"], label_smoothing=recipe["label_smoothing"])
        cycle = models.BudgetOneCycle(recipe["peak_lr"], budget)
        h = training.fit(model, models.batches(x_train, y_train1, batch_size=recipe["batch_size"]),
                         (x_valid, y_valid1), epochs=1000, folder=f"{tmp}/cifar10_net", callbacks=[cycle])
        proba = model.predict(x_test, batch_size=500, verbose=0)
        proba_tta = models.predict_flip_average(model, x_test)
        seen = len(cycle.history) * recipe["batch_size"]
        results["cifar10_net"] = {
            "test_accuracy": round(training.accuracy(y_test[:, 0], proba.argmax(axis=1)), 4),
            "test_accuracy_flip_tta": round(training.accuracy(y_test[:, 0], proba_tta.argmax(axis=1)), 4),
            "train_seconds": round(h.seconds, 1),
            "budget_seconds": round(budget, 1),
            "epochs": round(seen / len(x_train), 2),
            "params": model.count_params(),
            "macs_per_image": models.count_macs(model),
            "images_per_s": round(seen / h.seconds, 1),
            "recipe": {**recipe, "net": {k: list(v) if isinstance(v, tuple) else v for k, v in recipe["net"].items()}},
        }

    report = {
        "bench": "cifar10",
        "command": "python bench/cifar10.py " + " ".join(argv if argv is not None else sys.argv[1:]),
        "data": cifar.source,
        "offline_stand_in": cifar.offline,
        "train_valid_test": [len(x_train), len(x_valid), len(x_test)],
        "cpu_count": os.cpu_count(),
        "load_avg_1min_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "tf_onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS"),
        "mode_note": "seed 003 as published; cifar10_net gets seed 003's wall time unless --budget-s is given",
        **results,
        "time_ratio_net_over_seed003": round(results["cifar10_net"]["train_seconds"] / results["seed003"]["train_seconds"], 3),
    }
    print(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
