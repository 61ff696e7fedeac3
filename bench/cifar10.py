"""Race the CIFAR-10 network of Anonymous (n.d.) against the course's network in the same wall time; print JSON.

The article's network trains as published: 5 epochs, batches of 32, RMSprop, on 45,000 images with 5,000
held out for validation (its best epoch by validation loss is kept). The course's network (notebook 06's
``cifar10_net``, its copy in ``cnnviz.models``, with the short recipe chosen on validation by
``bench/cifar10_recipes.py``) then gets exactly the wall time the article's took in this run (or
``--budget-s N`` seconds, with the long recipe from 900 s on). Both are scored once on the 10,000 test images;
each has a ``test_accuracy``: the course's with test-time mirroring (``test_accuracy_mirrored: true``, chosen on
validation; without it: ``test_accuracy_plain``), the article's without. ``course_minus_anonymous_points`` is the
difference in percentage points.

    CNNVIZ_DATA_DIR=../shared/data .venv/bin/python bench/cifar10.py [--budget-s N]

Machines are shared and noisy: compare the two networks of one run, not runs.
"""

import argparse
import json
import os
import sys
import tempfile

from cnnviz import config, data, metrics, models, prediction, training, whitening

keras = config.keras_quietly()

SHORT = dict(net=dict(widths=(24, 48, 96), shift=0, residual=False), batch_size=64, peak_lr=0.05, label_smoothing=0.0)
LONG = dict(net=dict(widths=(48, 96, 192), shift=2, residual=True), batch_size=128, peak_lr=0.1, label_smoothing=0.2)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget-s", type=float, default=None, help="training seconds for the course's network")
    args = parser.parse_args(argv)
    keras.utils.set_random_seed(42)
    cifar = data.load_cifar10()
    (x_all, y_all), (x_test, y_test) = cifar
    x_valid, y_valid = x_all[:5000], keras.utils.to_categorical(y_all[:5000], 10)
    x_train, y_train = x_all[5000:], keras.utils.to_categorical(y_all[5000:], 10)
    load_before, results = os.getloadavg(), {}
    with tempfile.TemporaryDirectory() as tmp:
        anon = models.anonymous_cnn()
        anon.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
        timer = training.TimeBudget()
        anon.fit(
            x_train,
            y_train,
            batch_size=32,
            epochs=5,
            validation_data=(x_valid, y_valid),
            verbose=0,
            callbacks=[training.BestCheckpoint(f"{tmp}/anon.keras", monitor="val_loss"), timer],
        )
        anon.load_weights(f"{tmp}/anon.keras")
        results["anonymous"] = {
            "test_accuracy": round(metrics.accuracy(y_test[:, 0], anon.predict(x_test, verbose=0).argmax(1)), 4),
            "test_accuracy_mirrored": False,
            "train_seconds": round(timer.seconds, 1),
            "epochs": len(timer.epoch_seconds),
            "images_per_s": round(len(timer.epoch_seconds) * len(x_train) / timer.seconds, 1),
            "params": anon.count_params(),
            "macs_per_image": models.count_macs(anon),
            "load_avg_1min_after": round(os.getloadavg()[0], 2),
        }
        budget = args.budget_s or timer.seconds
        recipe = LONG if budget >= 900 else SHORT
        model = models.cifar10_net(whiten=whitening.whitening_kernel(x_train[:5000]), **recipe["net"])
        model.compile(
            optimizer=keras.optimizers.SGD(recipe["peak_lr"], momentum=0.9, nesterov=True, weight_decay=5e-4),
            loss=keras.losses.CategoricalCrossentropy(label_smoothing=recipe["label_smoothing"]),
            metrics=["accuracy"],
        )
        cycle = training.TimeBudget(budget, peak_lr=recipe["peak_lr"])
        model.fit(
            x_train,
            y_train,
            batch_size=recipe["batch_size"],
            epochs=1000,
            validation_data=(x_valid, y_valid),
            verbose=0,
            callbacks=[training.BestCheckpoint(f"{tmp}/net.keras"), cycle],
        )
        model.load_weights(f"{tmp}/net.keras")
        seen = cycle.steps * recipe["batch_size"]
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
            "recipe": json.loads(json.dumps(recipe)),
            "load_avg_1min_after": round(os.getloadavg()[0], 2),
        }
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
                "load_avg_1min_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
                **results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
