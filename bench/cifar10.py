"""Race the CIFAR-10 network of Anonymous (n.d.) against the course's network in the same wall time; print JSON.

The article's network trains as published: 5 epochs, batches of 32, RMSprop, on 45,000 images with 5,000
held out for validation (its best epoch by validation loss is kept). The course's network (notebook 06's
``cifar10_net``, its copy in ``cnnviz.models``, with the short recipe chosen on validation by
``bench/cifar10_recipes.py``) then gets exactly the wall time the article's took in this run (or
``--budget-s N`` seconds, with the long recipe from 900 s on). Both are scored once on the 10,000 test images;
each has a ``test_accuracy``: the course's with test-time mirroring (``test_accuracy_mirrored: true``, chosen on
validation; without it: ``test_accuracy_plain``), the article's without. ``course_minus_anonymous_points`` is the
difference in percentage points. Each network's training speed is given in images/s and in multiply-adds per
second (3 x its multiply-adds per image x images/s: forward and about twice that backward), and as a share of
what a 2048 x 2048 float32 matrix product reaches on the same threads in the same run (``matmul_macs_per_s``).

    CNNVIZ_DATA_DIR=../shared/data .venv/bin/python bench/cifar10.py [--budget-s N] [--keras-arrays] [--recipe fast]

``--recipe fast`` trains the course's network with the fast-training recipe instead (notebook 08): the row of
``assets/cifar10_fast.json`` (``bench/cifar10_fast.py``'s table) with the best multi-crop validation accuracy, its
ideas built by ``bench/cifar10_fast.py``, scored on the test images with the multi-crop views (chosen on validation
there).

Both networks train on ``training.batches`` (as in notebook 06: a tf.data pipeline with autotuning off);
``--keras-arrays`` passes the NumPy arrays to ``fit`` instead, which brings back the epoch-start stall that
bench/README.md describes (the runs before 2026-12-02 19:20 UTC were made that way).

Machines are shared and noisy: compare the two networks of one run, not runs.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from cnnviz import config, data, metrics, models, prediction, training, whitening

keras = config.keras_quietly()
import cifar10_fast  # noqa: E402  (bench/ is on sys.path when a bench script runs)

FAST_TABLE = Path(__file__).resolve().parents[1] / "assets" / "cifar10_fast.json"

SHORT = dict(net=dict(widths=(24, 48, 96), shift=0, residual=False), batch_size=64, peak_lr=0.05, label_smoothing=0.0)
LONG = dict(net=dict(widths=(48, 96, 192), shift=2, residual=True), batch_size=128, peak_lr=0.1, label_smoothing=0.2)


def matmul_macs_per_s(n=2048, repeats=5):
    """Return the multiply-adds per second of an n x n float32 matrix product on this process's threads (best of
    ``repeats``): the ceiling a network's training speed is compared with, measured in the same run."""
    a = keras.ops.convert_to_tensor(np.random.default_rng(0).standard_normal((n, n), dtype=np.float32))
    keras.ops.matmul(a, a).numpy()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        keras.ops.matmul(a, a).numpy()
        best = min(best, time.perf_counter() - start)
    return n**3 / best


def cpu_counters():
    """Return (this process's CPU seconds, the machine's steal seconds from /proc/stat or None off Linux)."""
    try:
        with open("/proc/stat") as f:
            steal = int(f.readline().split()[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        steal = None
    return time.process_time(), steal


def cpu_use(before, wall_s, images):
    """Return images per CPU-second, CPUs used on average, and seconds stolen by the hypervisor since ``before``."""
    cpu, steal = (a - b if b is not None else None for a, b in zip(cpu_counters(), before))
    return {
        "images_per_cpu_s": round(images / cpu, 1),
        "cpus_used": round(cpu / wall_s, 2),
        "steal_s": None if steal is None else round(steal, 2),
    }


def batches(x, y, batch_size, arrays):
    """Return ``fit``'s training input: notebook 06's ``training.batches`` (a tf.data pipeline, autotuning off),
    or with ``arrays`` the arrays themselves (Keras' own autotuned pipeline: the stall of bench/README.md)."""
    return dict(x=x, y=y, batch_size=batch_size) if arrays else dict(x=training.batches(x, y, batch_size))


def training_macs_per_s(images_per_s, macs_per_image):
    """Multiply-adds per second a training run reached: forward pass plus about twice that for the backward pass."""
    return 3 * macs_per_image * images_per_s


def fast_recipe(table=None):
    """Return (row name, recipe) of the fast-training table's row with the best mean multi-crop validation accuracy.

    ``table``: the summary JSON of ``bench/cifar10_fast.py`` (default: ``assets/cifar10_fast.json``).
    """
    rows = json.loads(Path(table or FAST_TABLE).read_text())["rows"]
    best = max(rows, key=lambda e: e["valid_accuracy_multicrop_mean"])
    return best["row"], {k: tuple(v) if isinstance(v, list) else v for k, v in best["recipe"].items()}


def fast_course(budget, x_train, y_train, x_test, y_test, arrays):
    """Train the fast recipe for ``budget`` seconds; return (its results entry, the test accuracy reported)."""
    name, recipe = fast_recipe()
    kernel = whitening.whitening_kernel(x_train[:5000])
    model, x_fit, callbacks = cifar10_fast.build(recipe, 42, kernel, x_train, y_train)
    cycle = training.TimeBudget(budget, peak_lr=recipe["peak_lr"])
    counters = cpu_counters()
    model.fit(
        **batches(x_fit, y_train, recipe["batch_size"], arrays), epochs=1000, verbose=0, callbacks=[*callbacks, cycle]
    )
    seen = cycle.steps * recipe["batch_size"]
    truth = y_test[:, 0]
    multicrop = metrics.accuracy(truth, cifar10_fast.multi_crop(model, x_test).argmax(1))
    macs = models.count_macs(model)
    return {
        "test_accuracy": round(multicrop, 4),
        "test_accuracy_mirrored": "multi-crop: the mirrored pair and both moved one pixel (chosen on validation)",
        "test_accuracy_plain": round(
            metrics.accuracy(truth, model.predict(x_test, batch_size=500, verbose=0).argmax(1)), 4
        ),
        "test_accuracy_flip_only": round(metrics.accuracy(truth, prediction.flip_average(model, x_test).argmax(1)), 4),
        "train_seconds": round(cycle.seconds, 1),
        "budget_seconds": round(budget, 1),
        "epochs": round(seen / len(x_train), 2),
        "images_per_s": round(seen / cycle.seconds, 1),
        "params": model.count_params(),
        "macs_per_image": macs,
        "training_macs_per_s": round(training_macs_per_s(seen / cycle.seconds, macs)),
        "epoch_seconds": [round(t, 1) for t in cycle.epoch_seconds],
        **cpu_use(counters, cycle.seconds, seen),
        "recipe": {"row": name, **json.loads(json.dumps(recipe))},
        "load_avg_1min_after": round(os.getloadavg()[0], 2),
    }, multicrop


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget-s", type=float, default=None, help="training seconds for the course's network")
    parser.add_argument(
        "--keras-arrays", action="store_true", help="train both networks on NumPy arrays (Keras' autotuned pipeline)"
    )
    parser.add_argument(
        "--recipe",
        choices=("course", "fast"),
        default="course",
        help="the course's network with 06's recipe (default), or the best row of the fast-training table",
    )
    args = parser.parse_args(argv)
    keras.utils.set_random_seed(42)
    cifar = data.load_cifar10()
    (x_all, y_all), (x_test, y_test) = cifar
    x_valid, y_valid = x_all[:5000], keras.utils.to_categorical(y_all[:5000], 10)
    x_train, y_train = x_all[5000:], keras.utils.to_categorical(y_all[5000:], 10)
    load_before, results = os.getloadavg(), {"matmul_macs_per_s": round(matmul_macs_per_s())}
    with tempfile.TemporaryDirectory() as tmp:
        anon = models.anonymous_cnn()
        anon.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
        timer = training.TimeBudget()
        counters = cpu_counters()
        anon.fit(
            **batches(x_train, y_train, 32, args.keras_arrays),
            epochs=5,
            validation_data=(x_valid, y_valid),
            verbose=0,
            callbacks=[training.BestCheckpoint(f"{tmp}/anon.keras", monitor="val_loss"), timer],
        )
        anon_cpu = cpu_use(counters, timer.seconds, len(timer.epoch_seconds) * len(x_train))
        anon.load_weights(f"{tmp}/anon.keras")
        results["anonymous"] = {
            "test_accuracy": round(metrics.accuracy(y_test[:, 0], anon.predict(x_test, verbose=0).argmax(1)), 4),
            "test_accuracy_mirrored": False,
            "train_seconds": round(timer.seconds, 1),
            "epochs": len(timer.epoch_seconds),
            "images_per_s": round(len(timer.epoch_seconds) * len(x_train) / timer.seconds, 1),
            "params": anon.count_params(),
            "macs_per_image": models.count_macs(anon),
            "training_macs_per_s": round(
                training_macs_per_s(len(timer.epoch_seconds) * len(x_train) / timer.seconds, models.count_macs(anon))
            ),
            "epoch_seconds": [round(t, 1) for t in timer.epoch_seconds],
            **anon_cpu,
            "load_avg_1min_after": round(os.getloadavg()[0], 2),
        }
        budget = args.budget_s or timer.seconds
        if args.recipe == "fast":
            results["course"], mirrored = fast_course(budget, x_train, y_train, x_test, y_test, args.keras_arrays)
        else:
            recipe = LONG if budget >= 900 else SHORT
            model = models.cifar10_net(whiten=whitening.whitening_kernel(x_train[:5000]), **recipe["net"])
            model.compile(
                optimizer=keras.optimizers.SGD(recipe["peak_lr"], momentum=0.9, nesterov=True, weight_decay=5e-4),
                loss=keras.losses.CategoricalCrossentropy(label_smoothing=recipe["label_smoothing"]),
                metrics=["accuracy"],
            )
            cycle = training.TimeBudget(budget, peak_lr=recipe["peak_lr"])
            counters = cpu_counters()
            model.fit(
                **batches(x_train, y_train, recipe["batch_size"], args.keras_arrays),
                epochs=1000,
                validation_data=(x_valid, y_valid),
                verbose=0,
                callbacks=[training.BestCheckpoint(f"{tmp}/net.keras"), cycle],
            )
            seen = cycle.steps * recipe["batch_size"]
            course_cpu = cpu_use(counters, cycle.seconds, seen)
            model.load_weights(f"{tmp}/net.keras")
            mirrored = metrics.accuracy(y_test[:, 0], prediction.flip_average(model, x_test).argmax(1))
            results["course"] = {
                "test_accuracy": round(mirrored, 4),
                "test_accuracy_mirrored": True,  # test-time mirroring, chosen on validation
                "test_accuracy_plain": round(
                    metrics.accuracy(y_test[:, 0], model.predict(x_test, batch_size=500, verbose=0).argmax(1)), 4
                ),
                "train_seconds": round(cycle.seconds, 1),
                "budget_seconds": round(budget, 1),
                "epochs": round(seen / len(x_train), 2),
                "images_per_s": round(seen / cycle.seconds, 1),
                "params": model.count_params(),
                "macs_per_image": models.count_macs(model),
                "training_macs_per_s": round(training_macs_per_s(seen / cycle.seconds, models.count_macs(model))),
                "epoch_seconds": [round(t, 1) for t in cycle.epoch_seconds],
                **course_cpu,
                "recipe": json.loads(json.dumps(recipe)),
                "load_avg_1min_after": round(os.getloadavg()[0], 2),
            }
        for name in ("anonymous", "course"):
            results[name]["share_of_matmul"] = round(
                results[name]["training_macs_per_s"] / results["matmul_macs_per_s"], 3
            )
        results["course_minus_anonymous_points"] = round(100 * (mirrored - results["anonymous"]["test_accuracy"]), 1)
    print(
        json.dumps(
            {
                "bench": "cifar10",
                "command": "python bench/cifar10.py " + " ".join(sys.argv[1:]),
                "data": cifar.source,
                "train_valid_test": [len(x_train), len(x_valid), len(x_test)],
                "cpus": os.cpu_count(),
                "tf_num_intraop_threads": os.environ.get("TF_NUM_INTRAOP_THREADS"),
                "training_input": "NumPy arrays (Keras' pipeline)"
                if args.keras_arrays
                else "training.batches (tf.data, autotuning off)",
                "load_avg_1min_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
                **results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
