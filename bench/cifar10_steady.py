"""Is training speed steady? Ten consecutive ``model.fit`` calls of N steps in one process, images/s each.

Builds the course's CIFAR-10 network (notebook 06's short recipe, ``models.cifar10_net``) or the article's
(``--net anonymous``), compiles it as the race does, fits it once untimed (the graph is built), then ``--fits``
times for ``--steps`` steps each, and prints one JSON line per fit (images/s over the whole fit, its start
included; images/s from its second step to its last; the seconds before its first step ends; images per
CPU-second of the whole process, which another job on the machine barely moves; the process's thread count; the
1-minute load average before and after) and a summary: max/min ratio of the whole fits' speeds (target: at most
1.15). The whole fit is what a student waits for: an epoch-start stall (bench/README.md) shows there, not in the
steps. Input: ``training.batches`` (a tf.data pipeline with autotuning off, as notebook 06), or with
``--keras-arrays`` the NumPy arrays (Keras' own autotuned pipeline).

images/s close to images per CPU-second means the process got one core's worth of CPU; twice it, two cores.
cnnviz sets ``TF_NUM_INTRAOP_THREADS`` to one fewer than the CPUs unless it is already set (``cnnviz/config.py``);
``TF_NUM_INTRAOP_THREADS=2`` in front of the command measures TensorFlow's own default on a 2-core machine.

    CNNVIZ_DATA_DIR=../shared/data .venv/bin/python bench/cifar10_steady.py [--net course|anonymous] \\
        [--data cifar|random] [--steps 100] [--fits 10] [--batch-size 64]

Run it inside the shared lock (``flock /tmp/cnnviz-train.lock ...``) so that no other training shares the cores;
the load average printed with each fit says what else was running.
"""

import argparse
import json
import os
import sys
import time

import numpy as np

from cnnviz import config

keras = config.keras_quietly()
from cnnviz import data, models, training, whitening  # noqa: E402  (after the quiet import)


def threads():
    """Return the number of threads of this process (its entries in /proc/self/task), or None off Linux."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return None


class StepClock(keras.callbacks.Callback):
    """Time a fit from the end of its first step to the end of its last; remember when the first step ended."""

    def on_train_batch_end(self, batch, logs=None):
        now = time.perf_counter()
        if batch == 0:
            self.start, self.steps = now, 0
            self.first_step_end = now
        else:
            self.steps += 1
        self.end = now


def build(net, x_train, batch_size):
    """Return the compiled network, as bench/cifar10.py compiles it for the race."""
    if net == "anonymous":
        model = models.anonymous_cnn()
        model.compile(loss="categorical_crossentropy", optimizer="rmsprop", metrics=["accuracy"])
        return model
    model = models.cifar10_net(whiten=whitening.whitening_kernel(x_train[:5000]), widths=(24, 48, 96))
    model.compile(
        optimizer=keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True, weight_decay=5e-4),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--net", choices=("course", "anonymous"), default="course")
    parser.add_argument(
        "--data",
        choices=("cifar", "random"),
        default="cifar",
        help="CIFAR-10's training images, or random uint8 images of the same shape",
    )
    parser.add_argument("--steps", type=int, default=100, help="steps per fit")
    parser.add_argument("--fits", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=None, help="default: 64 (course), 32 (anonymous)")
    parser.add_argument(
        "--jit-compile",
        choices=("auto", "true", "false"),
        default="auto",
        help="compile(jit_compile=...): XLA on or off (auto: Keras' default, off on a CPU)",
    )
    parser.add_argument("--intra-op", type=int, default=None, help="tf.config.threading intra-op threads")
    parser.add_argument("--inter-op", type=int, default=None, help="tf.config.threading inter-op threads")
    parser.add_argument(
        "--keras-arrays", action="store_true", help="fit on NumPy arrays (Keras' autotuned pipeline, which stalls)"
    )
    args = parser.parse_args(argv)
    import tensorflow as tf

    if args.intra_op:
        tf.config.threading.set_intra_op_parallelism_threads(args.intra_op)
    if args.inter_op:
        tf.config.threading.set_inter_op_parallelism_threads(args.inter_op)
    jit = {"auto": "auto", "true": True, "false": False}[args.jit_compile]
    batch_size = args.batch_size or (32 if args.net == "anonymous" else 64)
    n = args.steps * batch_size
    keras.utils.set_random_seed(42)
    if args.data == "cifar":
        (x_all, y_all), _ = data.load_cifar10()
        x, y = x_all[5000 : 5000 + n], keras.utils.to_categorical(y_all[5000 : 5000 + n, 0], 10)
    else:
        rng = np.random.default_rng(0)
        x = rng.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8)
        y = keras.utils.to_categorical(rng.integers(0, 10, n), 10)
    model = build(args.net, x, jit)
    inputs = dict(x=x, y=y, batch_size=batch_size) if args.keras_arrays else dict(x=training.batches(x, y, batch_size))
    model.fit(**inputs, epochs=1, verbose=0)  # builds the graph; not timed
    speeds, step_speeds, loads, per_cpu_s = [], [], [os.getloadavg()[0]], []
    for i in range(args.fits):
        load_before, clock, cpu0 = os.getloadavg()[0], StepClock(), os.times()
        began = time.perf_counter()
        model.fit(**inputs, epochs=1, verbose=0, callbacks=[clock])
        ended, cpu1 = time.perf_counter(), os.times()
        cpu_s = cpu1.user + cpu1.system - cpu0.user - cpu0.system  # the whole fit, all threads
        speed = n / (ended - began)
        speeds.append(speed)
        step_speeds.append(clock.steps * batch_size / (clock.end - clock.start))
        per_cpu_s.append(n / cpu_s)
        loads.append(os.getloadavg()[0])
        print(
            json.dumps(
                {
                    "fit": i + 1,
                    "images_per_s": round(speed, 1),
                    "images_per_s_steps": round(step_speeds[-1], 1),
                    "first_step_s": round(clock.first_step_end - began, 2),
                    "images_per_cpu_s": round(n / cpu_s, 1),
                    "threads": threads(),
                    "load_avg_1min_before_after": [round(load_before, 2), round(loads[-1], 2)],
                }
            ),
            flush=True,
        )
    print(
        json.dumps(
            {
                "bench": "cifar10_steady",
                "command": "python bench/cifar10_steady.py " + " ".join(sys.argv[1:]),
                "net": args.net,
                "data": args.data,
                "steps_per_fit": args.steps,
                "batch_size": batch_size,
                "jit_compile": args.jit_compile,
                "intra_op": args.intra_op,
                "inter_op": args.inter_op,
                "env": {k: os.environ[k] for k in sorted(os.environ) if k.startswith(("TF_", "OMP_", "ONEDNN"))},
                "cpus": os.cpu_count(),
                "input": "numpy arrays (Keras' pipeline)" if args.keras_arrays else "training.batches",
                "images_per_s": [round(s) for s in speeds],
                "max_over_min": round(max(speeds) / min(speeds), 3),
                "images_per_s_steps": [round(s) for s in step_speeds],
                "max_over_min_steps": round(max(step_speeds) / min(step_speeds), 3),
                "images_per_cpu_s": [round(s) for s in per_cpu_s],
                "steady_within_15_percent": max(speeds) / min(speeds) <= 1.15,
                "load_avg_1min_before_after": [round(loads[0], 2), round(loads[-1], 2)],
            },
            indent=1,
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()
