"""Choose the course's short CIFAR-10 recipe on the validation images; score only the chosen one on test.

Each variant of ``models.cifar10_net`` trains for the same wall-time budget on the same 45,000
training images and is scored on the 5,000 validation images (plain and with test-time mirroring).
The variant with the best mirrored validation accuracy is chosen; then, once, it is scored on the
10,000 test images. One JSON line per variant as it finishes, then a summary.

    CNNVIZ_DATA_DIR=../shared/data .venv/bin/python bench/cifar10_recipes.py --budget-s 110

One run each: differences under about 1 point are noise. The machine may be shared: the load
average is printed with each line.
"""

import argparse
import json
import os
import sys
import tempfile

from cnnviz import config, data, metrics, models, prediction, training, whitening

keras = config.keras_quietly()

# name -> (net settings, batch size, peak learning rate, label smoothing)
VARIANTS = {
    "24/48/96, batch 64, rate 0.05": ((24, 48, 96), 0, 64, 0.05, 0.0),
    "16/32/64, batch 64, rate 0.05": ((16, 32, 64), 0, 64, 0.05, 0.0),
    "32/64/128, batch 64, rate 0.05": ((32, 64, 128), 0, 64, 0.05, 0.0),
    "24/48/96, batch 128, rate 0.1": ((24, 48, 96), 0, 128, 0.1, 0.0),
    "24/48/96, batch 32, rate 0.03": ((24, 48, 96), 0, 32, 0.03, 0.0),
    "24/48/96, batch 64, rate 0.08": ((24, 48, 96), 0, 64, 0.08, 0.0),
    "24/48/96, batch 64, rate 0.03": ((24, 48, 96), 0, 64, 0.03, 0.0),
    "24/48/96, batch 64, rate 0.05, label smoothing 0.1": ((24, 48, 96), 0, 64, 0.05, 0.1),
    "16/32/64, batch 128, rate 0.1": ((16, 32, 64), 0, 128, 0.1, 0.0),
    "32/64/128, batch 64, rate 0.05, shifts of 2 px": ((32, 64, 128), 2, 64, 0.05, 0.0),
}


def run(name, budget_s, x_train, y_train, x_valid, y_valid, kernel, folder):
    widths, shift, batch_size, peak, smoothing = VARIANTS[name]
    keras.utils.set_random_seed(42)
    model = models.cifar10_net(widths=widths, shift=shift, whiten=kernel)
    model.compile(
        optimizer=keras.optimizers.SGD(peak, momentum=0.9, nesterov=True, weight_decay=5e-4),
        loss=keras.losses.CategoricalCrossentropy(label_smoothing=smoothing),
        metrics=["accuracy"],
    )
    budget = training.TimeBudget(budget_s, peak_lr=peak)
    model.fit(training.batches(x_train, y_train, batch_size), epochs=1000, verbose=0, callbacks=[budget])
    plain = metrics.accuracy(y_valid.argmax(1), model.predict(x_valid, batch_size=500, verbose=0).argmax(1))
    mirrored = metrics.accuracy(y_valid.argmax(1), prediction.flip_average(model, x_valid).argmax(1))
    return model, {
        "variant": name,
        "valid_accuracy": round(plain, 4),
        "valid_accuracy_mirrored": round(mirrored, 4),
        "train_seconds": round(budget.seconds, 1),
        "epochs": round(budget.steps * batch_size / len(x_train), 2),
        "images_per_s": round(budget.steps * batch_size / budget.seconds, 1),
        "params": model.count_params(),
        "load_avg_1min": round(os.getloadavg()[0], 2),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--budget-s",
        type=float,
        default=None,
        help="training seconds per variant (default: what Anonymous (n.d.)'s 5 epochs take in this run)",
    )
    parser.add_argument("--only", nargs="*", help="variant names to run (default: all)")
    args = parser.parse_args(argv)
    cifar = data.load_cifar10()
    (x_all, y_all), (x_test, y_test) = cifar
    x_valid, y_valid = x_all[:5000], keras.utils.to_categorical(y_all[:5000], 10)
    x_train, y_train = x_all[5000:], keras.utils.to_categorical(y_all[5000:], 10)
    kernel = whitening.whitening_kernel(x_train[:5000])
    if args.budget_s is None:  # the race of notebook 06: the article's network, 5 epochs, batches of 32
        keras.utils.set_random_seed(42)
        article = models.anonymous_cnn()
        article.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
        timer = training.TimeBudget()
        article.fit(
            training.batches(x_train, y_train, 32),
            epochs=5,
            validation_data=(x_valid, y_valid),
            verbose=0,
            callbacks=[timer],
        )
        args.budget_s = timer.seconds
        print(json.dumps({"anonymous_5_epochs_seconds": round(timer.seconds, 1)}), flush=True)
    rows, best = [], None
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only or VARIANTS:
            model, row = run(name, args.budget_s, x_train, y_train, x_valid, y_valid, kernel, tmp)
            rows.append(row)
            print(json.dumps(row), flush=True)
            if best is None or row["valid_accuracy_mirrored"] > best[1]["valid_accuracy_mirrored"]:
                best = (model, row)
            else:
                del model
    model, row = best
    test = metrics.accuracy(y_test[:, 0], prediction.flip_average(model, x_test).argmax(1))
    print(
        json.dumps(
            {
                "bench": "cifar10_recipes",
                "command": "python bench/cifar10_recipes.py " + " ".join(sys.argv[1:]),
                "data": cifar.source,
                "budget_s": round(args.budget_s, 1),
                "train_valid_test": [len(x_train), len(x_valid), len(x_test)],
                "chosen_on_validation": row["variant"],
                "chosen_valid_accuracy_mirrored": row["valid_accuracy_mirrored"],
                "chosen_test_accuracy_mirrored": round(test, 4),
                "variants": rows,
            },
            indent=1,
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
